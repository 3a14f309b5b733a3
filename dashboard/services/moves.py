"""Status changes of projects: a conditional update and its audit row, in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from dashboard.models import AuditEvent, Project
from dashboard.services.audit import audit_record, unsaved_audit_event
from dashboard.services.outbox import projects_moved_record


def project_move(
    project: Project,
    *,
    to: str,
    when: Q | None = None,
    actor,
    action: str,
    summary: str,
    announce: bool = False,
    **changes,
) -> bool:
    """Change a project's status (a conditional update, see `Project.objects.move`, narrowed
    by `when`) and audit it in the same transaction; `announce`: its event too (created,
    failed, outcome unknown). True only for the caller that moved it."""
    projects = Project.objects.filter(when) if when is not None else Project.objects
    with transaction.atomic():
        moved = projects.move(project.pk, to=to, **changes)
        if moved:
            audit_record(
                team=project.team, actor=actor, action=action, target=project, summary=summary
            )
            if announce:
                projects_moved_record([project.pk], to)
    return moved


def projects_move(
    projects: list[Project],
    *,
    to: str,
    when: Q,
    actor,
    action: str,
    summary: str,
    announce: bool = False,
    **changes,
) -> list[int]:
    """`project_move` for many projects in one transaction and a few queries, however
    many there are: the ids of those moved, each audited (and announced)."""
    with transaction.atomic():
        moved = Project.objects.filter(when).move_many([p.pk for p in projects], to=to, **changes)
        chosen = set(moved)
        AuditEvent.objects.bulk_create(
            unsaved_audit_event(p.team_id, actor, action, p, summary)
            for p in projects
            if p.pk in chosen
        )
        if announce:
            projects_moved_record(moved, to)
    return moved
