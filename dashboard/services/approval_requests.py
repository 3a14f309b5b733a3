"""A create held for approval: its audit row and its event, written where it is recorded
(a single create, a batch row), in the recording transaction."""

from __future__ import annotations

from collections.abc import Sequence

from dashboard.models import AuditAction, AuditEvent, EventType, Project, Team
from dashboard.services.approval_rules import may_self_approve
from dashboard.services.audit import unsaved_audit_event
from dashboard.services.outbox import events_record, project_data


def approval_facts(project: Project, *, comment: str = "") -> dict:
    """Who asked, who decided and why, beside the project's own facts in an event."""
    requester = project.created_by
    decider = project.decided_by
    return {
        "requested_by": requester.get_username() if requester else "",
        "decided_by": decider.get_username() if decider else "",
        "comment": comment,
    }


def holds_record(*, team: Team, user, projects: Sequence[Project], where: str = "") -> None:
    """Audit each held create and announce it to the approvers: the team's admins, less
    the requester unless the team lets its single admin approve their own."""
    if not projects:
        return
    AuditEvent.objects.bulk_create(
        unsaved_audit_event(
            team.pk,
            user,
            AuditAction.PROJECT_AWAITING_APPROVAL,
            project,
            f"Create “{project.name}”{where} is awaiting a team admin's approval; nothing is "
            "sent until then.",
        )
        for project in projects
    )
    fresh = Project.objects.filter(pk__in=[p.pk for p in projects]).select_related(
        "account", "created_by", "decided_by"
    )
    requester = frozenset() if may_self_approve(team) or user is None else frozenset({user.pk})
    events_record(
        team_id=team.pk,
        type=EventType.PROJECT_AWAITING_APPROVAL,
        datas=[
            {**project_data(project), **approval_facts(project)}
            for project in fresh.defer("secrets").order_by("pk")
        ],
        not_mailed_to=requester,
    )
