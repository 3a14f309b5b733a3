"""The audit trail's one writer: every service records what it did through here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from dashboard.models import AuditEvent, Team
from dashboard.models.columns import column_max
from dashboard.validation.text import printable

SUMMARY_MAX = column_max(AuditEvent, "summary")
VIA_MAX = column_max(AuditEvent, "via")


class _Via:
    label = ""


# How the current request acts (e.g. through an API token), for every event it records:
# set once where the request is authenticated, not passed through every service. The
# request's scope owns the variable; authentication only fills it in (under ASGI the two
# run in different contexts, and a variable may only be reset where it was set).
_acting_via: ContextVar[_Via | None] = ContextVar("acting_via", default=None)


@contextmanager
def acting_via_scope() -> Iterator[None]:
    token = _acting_via.set(_Via())
    try:
        yield
    finally:
        _acting_via.reset(token)


def act_via(label: str) -> None:
    """Within a request's scope: every event it records from now on says `label`."""
    holder = _acting_via.get()
    if holder is not None:
        holder.label = printable(label)[:VIA_MAX]


def _current_via() -> str:
    holder = _acting_via.get()
    return holder.label if holder is not None else ""


def audit_record(*, team: Team, actor, action: str, target: object, summary: str) -> AuditEvent:
    event = unsaved_audit_event(team.pk, actor, action, target, summary)
    event.save()
    return event


def unsaved_audit_event(
    team_id: int, actor, action: str, target: object, summary: str
) -> AuditEvent:
    return AuditEvent(
        team_id=team_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=type(target).__name__,
        target_id=str(target.pk),
        summary=printable(summary)[:SUMMARY_MAX],  # a vendor's words may be in it
        via=_current_via(),
    )
