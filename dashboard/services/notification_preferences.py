"""Which events each person gets by email from each of their teams.

No saved choice means their role's default: team admins get the events that need one of
them (an account needing new credentials, a create whose outcome is unknown, a create
awaiting their approval or rejected); others get
nothing until they choose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from dashboard.models import (
    AuditAction,
    EventType,
    Membership,
    NotificationPreference,
    Role,
    Team,
    role_in,
)
from dashboard.services.audit import audit_record
from dashboard.services.errors import ServiceError

# What a person can choose: every type but the test event (sent to one destination only).
CHOOSABLE = tuple(t for t in EventType.values if t != EventType.WEBHOOK_TEST)
# Admins are also the approvers: a create waiting for one of them, and one they rejected.
ADMIN_DEFAULT = (
    EventType.ACCOUNT_NEEDS_CREDENTIALS.value,
    EventType.PROJECT_OUTCOME_UNKNOWN.value,
    EventType.PROJECT_AWAITING_APPROVAL.value,
    EventType.PROJECT_REJECTED.value,
)


@dataclass(frozen=True)
class Preference:
    event_types: tuple[str, ...]
    digest: bool
    is_default: bool  # nothing saved: the role's default


def default_event_types(role: str | None) -> tuple[str, ...]:
    return _in_order(ADMIN_DEFAULT) if role == Role.ADMIN else ()


def preference_for(*, user, team: Team) -> Preference:
    """The person's effective choice for the team (the role's default if none saved)."""
    saved = NotificationPreference.objects.filter(user=user, team=team).first()
    if saved is None:
        return Preference(default_event_types(role_in(user, team.pk)), False, True)
    return Preference(_in_order(saved.event_types), saved.digest, False)


def clean_event_types(value: object, *, field: str = "event_types") -> tuple[str, ...]:
    """A list of known, choosable event types (duplicates dropped), or a field error."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ServiceError(field_errors={field: "Choose event types from the list."})
    chosen = list(value)
    if len(chosen) > len(CHOOSABLE) * 2 or any(t not in CHOOSABLE for t in chosen):
        raise ServiceError(field_errors={field: "Choose event types from the list."})
    return _in_order(chosen)


def _in_order(types: Iterable[str]) -> tuple[str, ...]:
    wanted = set(types)
    return tuple(t for t in CHOOSABLE if t in wanted)


def preference_save(*, user, team: Team, event_types, digest: bool) -> Preference:
    """Save the person's own choice for a team they belong to (an empty list: no mail)."""
    if role_in(user, team.pk) is None:
        raise ServiceError("You are not a member of this team.")
    types = clean_event_types(event_types)
    if not isinstance(digest, bool):
        raise ServiceError(field_errors={"digest": "Choose at once or a daily digest."})
    with transaction.atomic():
        NotificationPreference.objects.update_or_create(
            user=user, team=team, defaults={"event_types": list(types), "digest": digest}
        )
        how = "in a daily digest" if digest else "at once"
        audit_record(
            team=team,
            actor=user,
            action=AuditAction.NOTIFICATIONS_CHOSEN,
            target=user,
            summary=f"Email for {len(types)} event types, {how}.",
        )
    return Preference(types, digest, False)


def recipients(*, team_id: int, event_type: str) -> list[tuple[int, bool]]:
    """(user id, digest?) of every active member with an email address who wants the type."""
    members = dict(
        Membership.objects.filter(
            team_id=team_id, user__is_active=True, user__email__gt=""
        ).values_list("user_id", "role")
    )
    if not members:
        return []
    saved = {
        pref.user_id: pref
        for pref in NotificationPreference.objects.filter(team_id=team_id, user_id__in=members)
    }
    wanted = []
    for user_id, role in sorted(members.items()):
        pref = saved.get(user_id)
        types = pref.event_types if pref is not None else default_event_types(role)
        if event_type in types:
            wanted.append((user_id, bool(pref and pref.digest)))
    return wanted


def team_admins(team_id: int):
    """The team's active admins who have an email address."""
    return get_user_model().objects.filter(
        is_active=True,
        email__gt="",
        memberships__team_id=team_id,
        memberships__role=Role.ADMIN,
    )
