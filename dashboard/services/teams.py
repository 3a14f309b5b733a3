"""Who is in a team, with which role. Team admins manage it; a team always keeps an admin."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.contrib.auth import get_user_model
from django.db import transaction

from dashboard.models import AuditAction, Membership, Role, Team
from dashboard.models.columns import column_max
from dashboard.services.audit import audit_record
from dashboard.services.errors import ServiceError
from dashboard.validation.text import printable


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
    wanted = printable(str(username or "")).strip()[: _username_or_email_max()]
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


def _username_or_email_max() -> int:
    """Longer than both columns is no one's: cut there, before any lookup."""
    user_model = get_user_model()
    return max(
        column_max(user_model, user_model.USERNAME_FIELD),
        column_max(user_model, user_model.get_email_field_name()),
    )


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


LAST_ADMIN = "A team needs at least one admin: make someone else admin first."


def teams_keep_an_admin(*, leaving: Iterable[Membership], gaining: Collection[int] = ()) -> None:
    """The one rule every door calls: a team that has an admin who can act keeps one.

    Only an active user's admin membership counts: an inactive user cannot sign in.

    `leaving`: memberships that stop being an admin of the team they are in now (demoted,
    removed, moved to another team, their user deleted). `gaining`: ids of teams the same
    change gives an admin. Call it inside the transaction that makes the change: it locks
    the teams' admin memberships and their users, so two changes at once are decided one
    after the other (the second sees what the first did, a deactivation included).
    To deactivate users, pass all their memberships as `leaving`.
    """
    leaving_by_team: dict[int, set[int]] = {}
    for membership in leaving:
        leaving_by_team.setdefault(membership.team_id, set()).add(membership.pk)
    admins: dict[int, set[int]] = {}
    locked = (
        Membership.objects.select_for_update()
        .filter(team_id__in=leaving_by_team, role=Role.ADMIN, user__is_active=True)
        .order_by("pk")
        .values_list("pk", "team_id")
    )
    for pk, team_id in locked:
        admins.setdefault(team_id, set()).add(pk)
    left_without = [
        team_id
        for team_id, pks in admins.items()
        if pks <= leaving_by_team[team_id] and team_id not in gaining
    ]
    if left_without:
        names = Team.objects.filter(pk__in=left_without).order_by("name")
        listed = ", ".join(names.values_list("name", flat=True))
        raise ServiceError(f"{listed} would be left without an admin. {LAST_ADMIN}")


def team_member_set_role(*, membership: Membership, actor, role: str) -> Membership:
    role = _check_role(role)
    with transaction.atomic():
        teams_keep_an_admin(leaving=[membership] if role != Role.ADMIN else [])
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
        teams_keep_an_admin(leaving=[membership])
        audit_record(
            team=membership.team,
            actor=actor,
            action=AuditAction.MEMBER_REMOVED,
            target=membership,
            summary=f"{membership.user.get_username()} removed from the team.",
        )
        membership.delete()


def team_membership_edited(*, actor, before: Membership | None, after: Membership | None) -> None:
    """Audit an operator's edit of a membership in Django admin, in the team pages' words.

    `before`: the membership as it was (None when added), `after`: as it is now (None when
    deleted; call this before the deletion). A move to another team or user is audited as
    a removal from the one and an addition to the other.
    """
    moved = before and after and (before.team_id, before.user_id) != (after.team_id, after.user_id)
    if before is not None and (after is None or moved):
        _audit_admin_edit(before, actor, AuditAction.MEMBER_REMOVED, "removed from the team")
    if after is not None and (before is None or moved):
        _audit_admin_edit(after, actor, AuditAction.MEMBER_ADDED, f"added as {_role(after)}")
    elif before is not None and after is not None and before.role != after.role:
        change = f"{_role(before)} → {_role(after)}"
        _audit_admin_edit(after, actor, AuditAction.MEMBER_ROLE_CHANGED, change, joiner=": ")


def _role(membership: Membership) -> str:
    return Role(membership.role).label.lower()


def _audit_admin_edit(membership, actor, action: str, what: str, *, joiner: str = " ") -> None:
    username = membership.user.get_username()
    audit_record(
        team=membership.team,
        actor=actor,
        action=action,
        target=membership,
        summary=f"{username}{joiner}{what} (in Django admin).",
    )
