"""What every service shares: the refusal type and the audit trail."""

from __future__ import annotations

from collections.abc import Mapping

from ..models import AuditEvent, Team


class ServiceError(Exception):
    """A refusal to show the user: field errors and/or a general message."""

    def __init__(self, message: str = "", field_errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message or "; ".join((field_errors or {}).values()))
        self.message = message
        self.field_errors = dict(field_errors or {})


def audit_record(*, team: Team, actor, action: str, target: object, summary: str) -> AuditEvent:
    return AuditEvent.objects.create(
        team=team,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=type(target).__name__,
        target_id=str(target.pk),
        summary=summary[:500],
    )
