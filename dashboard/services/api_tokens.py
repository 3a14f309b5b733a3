"""API tokens: created by a person (or on the command line), revoked by them or a team
admin, and read back from an `Authorization` header by the API.

A token acts as its user in its one team, with the lower of its role and the user's
current role; it stops working the moment the user leaves the team or is deactivated.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django import forms
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from dashboard.models import (
    ROLE_RANK,
    ApiToken,
    AuditAction,
    Membership,
    Role,
    Team,
    role_in,
    team_ids_for,
)
from dashboard.models.api_tokens import TOKEN_PREFIX
from dashboard.models.columns import column_max
from dashboard.services.audit import audit_record
from dashboard.services.errors import ServiceError
from dashboard.validation.labels import cleaned_line

DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 365
NAME_MAX = column_max(ApiToken, "name")
NAME_ERROR = f"Give the token a name of 1 to {NAME_MAX} characters, without control characters."
# last_used_at is written at most this often per token: no write per request.
LAST_USED_EVERY = timedelta(minutes=1)

# token_urlsafe(32): 32 random bytes, 43 URL-safe base64 characters.
_TOKEN_BYTES = 32
_TOKEN_RE = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]{43}", re.ASCII)
# "Bearer" is case-insensitive (RFC 9110 auth-scheme); one space, then the token, nothing else.
_BEARER_RE = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] (\S+)", re.ASCII)
_HEADER_MAX = 200  # far above a real header; anything longer is refused unread


class IssuedToken(str):
    """A token's plaintext, handed out once. Its repr hides it (tracebacks, debug pages)."""

    def __repr__(self) -> str:
        return f"<IssuedToken {token_hint(self)}>"


class NewApiToken(NamedTuple):
    token: ApiToken
    plaintext: IssuedToken  # show it once; it is not stored anywhere


@dataclass(frozen=True)
class ApiIdentity:
    """Who an API call acts as: the token's user, in the token's team, with `role`.
    The user and the team are the token's own, loaded when first used."""

    role: str  # the lower of the token's role and the user's current role in the team
    token: ApiToken

    @property
    def user(self):
        return self.token.user

    @property
    def team(self) -> Team:
        return self.token.team

    @property
    def team_id(self) -> int:
        return self.token.team_id

    @property
    def user_id(self) -> int:
        return self.token.user_id

    @property
    def token_name(self) -> str:
        return self.token.name

    @property
    def via(self) -> str:
        """For audit summaries: the actor is the user, through this token."""
        return f"via API token “{self.token.name}”"


def token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def token_hint(plaintext: str) -> str:
    return f"{TOKEN_PREFIX}…{plaintext[-4:]}"


_NAME = forms.CharField(max_length=NAME_MAX)


def clean_token_name(name: str) -> str:
    cleaned = cleaned_line(_NAME, name)
    if cleaned is None:
        raise ServiceError(field_errors={"name": NAME_ERROR})
    return cleaned


def _lower_role(a: str, b: str) -> str:
    return a if ROLE_RANK[a] <= ROLE_RANK[b] else b


def _expiry(expires_days: int | None, creator_role: str):
    if expires_days is None:
        if creator_role != Role.ADMIN:
            raise ServiceError(
                field_errors={"expires": "Only team admins may create a token that never expires."}
            )
        return None
    if isinstance(expires_days, bool) or not isinstance(expires_days, int):
        raise ServiceError(field_errors={"expires": "Choose one of the listed expiries."})
    if not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise ServiceError(
            field_errors={"expires": f"A token expires after 1 to {MAX_EXPIRY_DAYS} days."}
        )
    return timezone.now() + timedelta(days=expires_days)


@sensitive_variables("plaintext")
def api_token_create(
    *,
    by,
    team: Team,
    name: str,
    role: str,
    expires_days: int | None = DEFAULT_EXPIRY_DAYS,
) -> NewApiToken:
    """A new token for `by` in `team`; its plaintext is returned here and never again."""
    errors: dict[str, str] = {}
    creator_role = role_in(by, team.pk) if by.is_active else None
    if creator_role is None:
        raise ServiceError(field_errors={"team": "Choose one of your teams."})
    try:
        name = clean_token_name(name)
    except ServiceError as exc:
        errors.update(exc.field_errors)
    if role not in Role.values:
        errors["role"] = "Choose one of the listed roles."
    elif ROLE_RANK[role] > ROLE_RANK[creator_role]:
        errors["role"] = (
            f"A token's role is at most your own in {team.name} "
            f"({Role(creator_role).label.lower()})."
        )
    try:
        expires_at = _expiry(expires_days, creator_role)
    except ServiceError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ServiceError(field_errors=errors)
    plaintext = IssuedToken(TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES))
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=by,
            team=team,
            name=name,
            role=role,
            token_hash=token_hash(plaintext),
            hint=token_hint(plaintext),
            expires_at=expires_at,
        )
        expiry = f"expires {expires_at:%Y-%m-%d}" if expires_at else "never expires"
        audit_record(
            team=team,
            actor=by,
            action=AuditAction.API_TOKEN_CREATED,
            target=token,
            summary=f"API token “{name}” ({token.hint}, {Role(role).label.lower()}, "
            f"{expiry}) created for {by.get_username()}.",
        )
    return NewApiToken(token, plaintext)


def api_tokens_visible(*, user) -> QuerySet:
    """The user's own tokens, and every token of the teams they administer."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    admin_of = team_ids_for(user, role=Role.ADMIN)
    return (
        ApiToken.objects.filter(Q(user=user) | Q(team_id__in=admin_of))
        .select_related("team", "user")
        .order_by("-created_at", "-id")
    )


def may_revoke(user, token: ApiToken) -> bool:
    """Its owner, an admin of its team, or an operator allowed to change tokens."""
    if not user.is_active:
        return False
    return (
        token.user_id == user.pk
        or role_in(user, token.team_id) == Role.ADMIN
        or user.has_perm("dashboard.change_apitoken")
    )


def api_token_revoke(*, by, token: ApiToken) -> bool:
    """Revoke at once. True for the one call that revoked it; False if it already was."""
    if not may_revoke(by, token):
        raise ServiceError("Only the token's owner or a team admin may revoke it.")
    now = timezone.now()
    with transaction.atomic():
        # A conditional update: of many revokes at once, one wins and audits.
        won = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by
        )
        if won:
            audit_record(
                team=token.team,
                actor=by,
                action=AuditAction.API_TOKEN_REVOKED,
                target=token,
                summary=f"API token “{token.name}” ({token.hint}) of "
                f"{token.user.get_username()} revoked.",
            )
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return bool(won)


def bearer_token(header_value) -> str | None:
    """The token of a strict `Bearer <token>` header value, or None for any other shape."""
    if not isinstance(header_value, str) or len(header_value) > _HEADER_MAX:
        return None
    match = _BEARER_RE.fullmatch(header_value)
    if match is None or not _TOKEN_RE.fullmatch(match[1]):
        return None
    return match[1]


@sensitive_variables("plaintext")
def api_identity_from_authorization(header_value) -> ApiIdentity | None:
    """Who an `Authorization` header acts as, or None (no exception) for anything else:
    a bad shape, an unknown, revoked or expired token, an inactive user, or a user no
    longer in the token's team."""
    plaintext = bearer_token(header_value)
    if plaintext is None:
        return None
    now = timezone.now()
    token = _live_token(token_hash(plaintext), now)
    if token is None:
        return None
    _note_use(token, now)
    return ApiIdentity(role=_lower_role(token.role, token.member_role), token=token)


def _live_token(digest: str, now) -> ApiToken | None:
    """The live token with this hash and its user's current role in its team (member_role):
    not revoked or expired, its user active and still a member. One plain query, run on
    every API request (the ORM's building of the same query cost more than running it);
    the user and the team load when first used."""
    quote = connection.ops.quote_name
    user_model = get_user_model()
    tables = {
        "token": quote(ApiToken._meta.db_table),
        "user": quote(user_model._meta.db_table),
        "member": quote(Membership._meta.db_table),
    }
    sql = (
        f"SELECT t.*, m.role AS member_role FROM {tables['token']} t "  # noqa: S608
        f"JOIN {tables['user']} u ON u.id = t.user_id "
        f"JOIN {tables['member']} m ON m.user_id = t.user_id AND m.team_id = t.team_id "
        "WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s "
        "AND (t.expires_at IS NULL OR t.expires_at > %s)"
    )
    found = ApiToken.objects.raw(sql, [digest, True, connection.ops.adapt_datetimefield_value(now)])
    return next(iter(found), None)


def _note_use(token: ApiToken, now) -> None:
    """last_used_at, written at most once a LAST_USED_EVERY per token, by one request."""
    if token.last_used_at is not None and token.last_used_at > now - LAST_USED_EVERY:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY)
    if ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now):
        token.last_used_at = now
