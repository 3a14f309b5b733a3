"""The audit trail's one writer: every service records what it did through here."""

from __future__ import annotations

from contextvars import ContextVar, Token

from dashboard.models import AuditEvent, Team
from dashboard.models.columns import column_max
from dashboard.validation.text import printable

SUMMARY_MAX = column_max(AuditEvent, "summary")
VIA_MAX = column_max(AuditEvent, "via")

# How the current request acts (e.g. through an API token), for every event it records:
# set once where the request is authenticated, not passed through every service.
_acting_via: ContextVar[str] = ContextVar("acting_via", default="")


def acting_via(label: str) -> Token:
    return _acting_via.set(printable(label)[:VIA_MAX])


def acting_via_reset(token: Token) -> None:
    _acting_via.reset(token)


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
        via=_acting_via.get(),
    )
