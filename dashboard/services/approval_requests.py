"""A create held for approval: its audit row and its event, written where it is recorded
(a single create, a batch row), in the recording transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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


def holds_record(
    *,
    team: Team,
    user,
    projects: Sequence[Project],
    where: str = "",
    also_requested_by: Iterable[int | None] = (),
) -> None:
    """Audit each held create and announce it to the approvers: the team's admins, less
    the requesters (`user`, and for a batch its maker and the rows' editors) unless the
    team lets its single admin approve their own."""
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
    asked = {getattr(user, "pk", None), *also_requested_by} - {None}
    requester = frozenset() if may_self_approve(team) else frozenset(asked)
    events_record(
        team_id=team.pk,
        type=EventType.PROJECT_AWAITING_APPROVAL,
        datas=_with_approval_facts([p.pk for p in projects]),
        not_mailed_to=requester,
    )


def rejections_record(*, team_id: int, user, project_ids: Sequence[int], comment: str) -> None:
    """The `project.rejected` events of held creates that `user` just ended unapproved
    together (a batch's, withdrawn with the rest of it), in the mover's transaction; `user`
    is not mailed about what they did themselves."""
    events_record(
        team_id=team_id,
        type=EventType.PROJECT_REJECTED,
        datas=_with_approval_facts(project_ids, comment=comment),
        not_mailed_to=frozenset({user.pk}),
    )


def _with_approval_facts(project_ids: Sequence[int], *, comment: str = "") -> list[dict]:
    """The events' data of these projects, read as they are now: one query."""
    fresh = Project.objects.filter(pk__in=project_ids).select_related(
        "account", "created_by", "decided_by"
    )
    return [
        {**project_data(project), **approval_facts(project, comment=comment)}
        for project in fresh.defer("secrets").order_by("pk")
    ]
