"""The audit trail's one writer: every service records what it did through here."""

from __future__ import annotations

from dashboard.models import AuditEvent, Team
from dashboard.models.columns import column_max
from dashboard.validation.text import printable

SUMMARY_MAX = column_max(AuditEvent, "summary")


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
    )
