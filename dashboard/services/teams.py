"""Who is in a team, with which role. Team admins manage it; a team always keeps an admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from ..inputs import printable
from ..models import AuditAction, Membership, Role, Team
from .common import ServiceError, audit_record


def _check_role(role: str) -> str:
    if role not in Role.values:
        raise ServiceError(field_errors={"role": "Choose one of the listed roles."})
    return role


NO_SUCH_PERSON = "No such person. Check the username or email."


def team_member_add(*, team: Team, actor, username: str, role: str) -> Membership:
    """Add an existing user, found by username or email.

    The answer is "added" or "no such person", nothing more: it never names the account
    found for an email. Someone already in the team stays as they are.
    """
    role = _check_role(role)
    # printable(): a username never holds control characters, and NUL breaks PostgreSQL.
    wanted = printable(str(username or "")).strip()[:254]
    user = _existing_user(wanted)
    if user is None:
        raise ServiceError(field_errors={"username": NO_SUCH_PERSON})
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            team=team, user=user, defaults={"role": role}
        )
        if created:
            role_label = membership.get_role_display().lower()
            audit_record(
                team=team,
                actor=actor,
                action=AuditAction.MEMBER_ADDED,
                target=membership,
                summary=f"{user.get_username()} added as {role_label}.",
            )
    return membership


def _existing_user(username_or_email: str):
    """The one user with this username, else the one with this email (two sharing it: none)."""
    if not username_or_email:
        return None
    users = get_user_model().objects
    user = users.filter(username=username_or_email).first()
    if user is None and "@" in username_or_email:
        same_email = list(users.filter(email__iexact=username_or_email)[:2])
        user = same_email[0] if len(same_email) == 1 else None
    return user


def _keeps_an_admin(membership: Membership, *, new_role: str | None) -> None:
    """Lock the team's admins, then refuse a change that would leave none."""
    admins = list(
        Membership.objects.select_for_update()
        .filter(team_id=membership.team_id, role=Role.ADMIN)
        .values_list("pk", flat=True)
    )
    losing = membership.pk in admins and new_role != Role.ADMIN
    if losing and len(admins) == 1:
        raise ServiceError("A team needs at least one admin. Make someone else admin first.")


def team_member_set_role(*, membership: Membership, actor, role: str) -> Membership:
    role = _check_role(role)
    with transaction.atomic():
        _keeps_an_admin(membership, new_role=role)
        old = membership.get_role_display().lower()
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            team=membership.team,
            actor=actor,
            action=AuditAction.MEMBER_ROLE_CHANGED,
            target=membership,
            summary=f"{membership.user.get_username()}: {old} → "
            f"{membership.get_role_display().lower()}.",
        )
    return membership


def team_member_remove(*, membership: Membership, actor) -> None:
    with transaction.atomic():
        _keeps_an_admin(membership, new_role=None)
        audit_record(
            team=membership.team,
            actor=actor,
            action=AuditAction.MEMBER_REMOVED,
            target=membership,
            summary=f"{membership.user.get_username()} removed from the team.",
        )
        membership.delete()
