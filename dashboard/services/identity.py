"""Who signs in through the identity provider: their user (found, linked or made) and
their place in the teams the provider manages.

- A person is their (issuer, sub) for good. An email links a first sign-in to an existing
  account only when the provider says the email is verified, only on an exact match (ASCII,
  case aside: PostgreSQL's UPPER() would match look-alikes such as a dotless i), never to a
  staff or superuser account, and only to an account that has no identity at this issuer
  yet (a recycled address never inherits an account).
- Name and email are refreshed from the claims at each sign-in; the email only when
  verified (an unverified one is whatever the person typed at the provider).
- In each team marked "managed by the identity provider", the membership is set from the
  groups at each sign-in (the highest role their mapped groups give; none: removed),
  through the team services, audited "via the identity provider". Other teams are left as
  their admins set them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard.models import ROLE_RANK, GroupMapping, Identity, Membership, Team
from dashboard.models.columns import column_max
from dashboard.services.audit import act_via, acting_via_scope
from dashboard.services.errors import ServiceError
from dashboard.services.teams import team_member_add, team_member_remove, team_member_set_role
from dashboard.validation.text import has_control_characters, printable

logger = logging.getLogger(__name__)

VIA_IDENTITY_PROVIDER = "the identity provider"
NO_SUBJECT = "The identity provider did not say who you are (no usable `sub`)."
DEACTIVATED = "This account is deactivated. Ask an administrator."
SHARED_EMAIL = (
    "More than one account here has your email address, so none was chosen. Ask an "
    "administrator to link yours."
)
UNUSABLE_EMAIL = (
    "The identity provider sent an email address that cannot be used here. Ask an administrator."
)
TRY_AGAIN = "Your account was being set up by another sign-in at the same time. Sign in again."
# Django's username alphabet; anything else in a provider's name becomes "-".
_NOT_IN_USERNAME = re.compile(r"[^\w.@+-]+")


def identity_sign_in(*, issuer: str, claims: Mapping) -> object:
    """The active user these verified claims name, with profile and managed teams updated."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or subject != printable(subject):
        raise ServiceError(NO_SUBJECT)
    if len(subject) > column_max(Identity, "subject") or len(issuer) > column_max(
        Identity, "issuer"
    ):
        raise ServiceError(NO_SUBJECT)
    email = claims.get("email")
    if isinstance(email, str) and email_is_verified(claims) and has_control_characters(email):
        raise ServiceError(UNUSABLE_EMAIL)  # PostgreSQL refuses a NUL: a 500, not a word
    with transaction.atomic():
        identity = _identity(issuer, subject, claims)
        user = identity.user
        if not user.is_active:
            raise ServiceError(DEACTIVATED)
        _refresh_profile(user, claims)
        Identity.objects.filter(pk=identity.pk).update(last_sign_in_at=timezone.now())
        team_memberships_from_groups(user=user, groups=groups_from_claims(claims))
    return user


def _identity(issuer: str, subject: str, claims: Mapping) -> Identity:
    found = Identity.objects.select_related("user").filter(issuer=issuer, subject=subject)
    identity = found.first()
    if identity is not None:
        return identity
    try:
        # A savepoint: a sign-in of the same person at the same moment may win the race.
        with transaction.atomic():
            user = _user_with_verified_email(issuer, claims) or _new_user(claims)
            return Identity.objects.create(user=user, issuer=issuer, subject=subject)
    except IntegrityError:
        identity = found.first()
        if identity is None:
            raise ServiceError(TRY_AGAIN) from None
        return identity


def email_is_verified(claims: Mapping) -> bool:
    # Some providers (e.g. Cognito) send the boolean as a string.
    # `is True`: 1 == True in Python, and 1 is not what the specification says.
    value = claims.get("email_verified")
    return value is True or value == "true"


def _verified_email(claims: Mapping) -> str | None:
    """The email claim, stripped, when verified and storable; otherwise None."""
    email = claims.get("email")
    if not isinstance(email, str) or not email_is_verified(claims):
        return None
    if has_control_characters(email):
        return None
    return email.strip()


def _same_email(stored: str, wanted: str) -> bool:
    stored = stored.strip()
    return stored.isascii() and stored.lower() == wanted.lower()


def _user_with_verified_email(issuer: str, claims: Mapping):
    email = _verified_email(claims)
    # Non-ASCII addresses never link: case-folding them is where look-alikes hide.
    if not email or "@" not in email or not email.isascii():
        return None
    users = get_user_model().objects.filter(email__iexact=email)
    found = [u for u in users.exclude(identities__issuer=issuer) if _same_email(u.email, email)]
    if len(found) > 1:
        raise ServiceError(SHARED_EMAIL)
    if not found or found[0].is_staff or found[0].is_superuser:
        return None  # a privileged account is linked by an administrator, never by email
    return found[0]


def _new_user(claims: Mapping):
    user_model = get_user_model()
    wanted = _username_from(claims)
    taken = set(
        user_model.objects.filter(username__startswith=wanted).values_list("username", flat=True)
    )
    username, number = wanted, 1
    while username in taken:
        number += 1
        username = f"{wanted}-{number}"
    user = user_model(username=username)
    user.set_unusable_password()  # signs in through the provider only
    _apply_profile(user, claims)
    user.save()
    return user


def _username_from(claims: Mapping) -> str:
    """The provider's preferred username, else the email's local part, else "user"; in
    Django's alphabet, with room left for a "-N" suffix. Never how an account is found."""
    email = claims.get("email")
    local_part = email.split("@", 1)[0] if isinstance(email, str) else None
    for name in (claims.get("preferred_username"), local_part):
        if isinstance(name, str):
            cleaned = _NOT_IN_USERNAME.sub("-", printable(name)).strip("-.")
            if cleaned:
                return cleaned[: column_max(get_user_model(), "username") - 8]
    return "user"


def _text_claim(claims: Mapping, name: str, model_field: str) -> str | None:
    value = claims.get(name)
    if not isinstance(value, str):
        return None
    return printable(value).strip()[: column_max(get_user_model(), model_field)]


def _apply_profile(user, claims: Mapping) -> list[str]:
    """Name and email from the claims; the fields that changed."""
    given = _text_claim(claims, "given_name", "first_name")
    family = _text_claim(claims, "family_name", "last_name")
    full = _text_claim(claims, "name", "first_name")
    if given is None and family is None and full:
        given, _, family = full.partition(" ")
    email = _verified_email(claims)
    wanted = {
        "first_name": given,
        "last_name": family,
        "email": None if email is None else email[: column_max(get_user_model(), "email")],
    }
    changed = []
    for field, value in wanted.items():
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    return changed


def _refresh_profile(user, claims: Mapping) -> None:
    changed = _apply_profile(user, claims)
    if changed:
        user.save(update_fields=changed)


def groups_from_claims(claims: Mapping) -> set[str]:
    """The groups in OIDC_GROUPS_CLAIM: a list of names (or one name); anything else none."""
    value = claims.get(settings.OIDC_GROUPS_CLAIM)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return set()
    limit = column_max(GroupMapping, "group")
    return {
        g
        for g in value
        if isinstance(g, str) and g and len(g) <= limit and not has_control_characters(g)
    }


def team_memberships_from_groups(*, user, groups: set[str]) -> None:
    """In each managed team: add, re-role or remove `user` as their groups say. A change
    that would leave a team without an admin is skipped (and logged), as on every door."""
    managed = Team.objects.filter(managed_by_identity_provider=True)
    wanted: dict[int, str] = {}
    # The managed teams' mappings (a few, set by staff) met with the groups here, never the
    # provider's list (any length) sent to the database.
    mappings = GroupMapping.objects.filter(team__in=managed).values_list("group", "team_id", "role")
    for group, team_id, role in mappings:
        if group in groups and ROLE_RANK[role] > ROLE_RANK.get(wanted.get(team_id), -1):
            wanted[team_id] = role
    current = {
        m.team_id: m
        for m in Membership.objects.select_related("team", "user").filter(
            user=user, team__in=managed
        )
    }
    teams = Team.objects.in_bulk(set(wanted) - set(current))
    with acting_via_scope():
        act_via(VIA_IDENTITY_PROVIDER)
        for team_id, role in sorted(wanted.items()):
            membership = current.get(team_id)
            if membership is None:
                team_member_add(team=teams[team_id], actor=None, username=user.username, role=role)
            elif membership.role != role:
                _or_skip(team_member_set_role, membership=membership, actor=None, role=role)
        for team_id, membership in sorted(current.items()):
            if team_id not in wanted:
                _or_skip(team_member_remove, membership=membership, actor=None)


def _or_skip(change, **kwargs) -> None:
    try:
        with transaction.atomic():
            change(**kwargs)
    except ServiceError as exc:
        membership = kwargs["membership"]
        logger.warning(
            "Identity provider: %s in %s left as %s: %s",
            membership.user.get_username(),
            membership.team,
            membership.role,
            exc.message,
        )
