"""What every service shares: the refusal type and the audit trail."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Q

from ..models import AuditEvent, Project, Team


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


def project_move(
    project: Project, *, to: str, when: Q | None = None, actor, action: str, summary: str, **changes
) -> bool:
    """Change a project's status (a conditional update, see `Project.objects.move`, narrowed
    by `when`) and audit it in the same transaction. True only for the caller that moved it."""
    projects = Project.objects.filter(when) if when is not None else Project.objects
    with transaction.atomic():
        moved = projects.move(project.pk, to=to, **changes)
        if moved:
            audit_record(
                team=project.team, actor=actor, action=action, target=project, summary=summary
            )
    return moved
