"""What every service shares: the refusal type, the audit trail, the columns' sizes."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models, transaction
from django.db.models import Q

from ..inputs import printable
from ..models import AuditEvent, Project, Team


def column_max(model: type[models.Model], field: str) -> int:
    """A column's size, read from the model: a limit is never repeated as a literal."""
    return model._meta.get_field(field).max_length


SUMMARY_MAX = column_max(AuditEvent, "summary")


class ServiceError(Exception):
    """A refusal to show the user: field errors and/or a general message."""

    def __init__(self, message: str = "", field_errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message or "; ".join((field_errors or {}).values()))
        self.message = message
        self.field_errors = dict(field_errors or {})


def audit_record(*, team: Team, actor, action: str, target: object, summary: str) -> AuditEvent:
    event = _audit_event(team.pk, actor, action, target, summary)
    event.save()
    return event


def _audit_event(team_id: int, actor, action: str, target: object, summary: str) -> AuditEvent:
    return AuditEvent(
        team_id=team_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=type(target).__name__,
        target_id=str(target.pk),
        summary=printable(summary)[:SUMMARY_MAX],  # a vendor's words may be in it
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


def projects_move(
    projects: list[Project], *, to: str, when: Q, actor, action: str, summary: str, **changes
) -> list[int]:
    """`project_move` for many projects in one transaction and three queries, however
    many there are: the ids of those moved, each audited."""
    with transaction.atomic():
        moved = Project.objects.filter(when).move_many([p.pk for p in projects], to=to, **changes)
        chosen = set(moved)
        AuditEvent.objects.bulk_create(
            _audit_event(p.team_id, actor, action, p, summary) for p in projects if p.pk in chosen
        )
    return moved
