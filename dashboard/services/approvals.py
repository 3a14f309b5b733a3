"""Approving or rejecting a create held for approval, and expiring the ones left too long.

Each decision is one conditional update of the held row (awaiting -> pending, rejected or
expired), so of two admins deciding at once exactly one wins; the other's attempt is
audited as refused and they are told who got there first. Approval checks the create
again as a create is checked (field rules and team policies through `project_validate`,
the account, the plan limit) under the account's lock, then queues it under its original
idempotency key.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dashboard.models import (
    AuditAction,
    AuditEvent,
    BatchRow,
    EventType,
    Project,
    ProjectStatus,
    Role,
    VendorAccount,
    role_in,
)
from dashboard.queue import enqueue_submit
from dashboard.services.approval_requests import approval_facts
from dashboard.services.approval_rules import may_self_approve
from dashboard.services.audit import audit_record, unsaved_audit_event
from dashboard.services.batch_sending import batch_note_settled, start_senders
from dashboard.services.errors import ServiceError
from dashboard.services.outbox import project_event_record
from dashboard.services.projects import _check_plan_limit, _check_usable, project_checks
from dashboard.validation.text import has_control_characters

COMMENT_MAX = 500


class NotAwaiting(ServiceError):
    """The create was decided (or expired) before this attempt: a conflict, not a refusal."""


def comment_cleaned(comment: object) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise ServiceError(field_errors={"comment": "Enter the comment as text."})
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise ServiceError(
            field_errors={
                "comment": f"The comment is {len(comment)} characters; the limit is {COMMENT_MAX}."
            }
        )
    if has_control_characters(comment, multiline=True):
        raise ServiceError(field_errors={"comment": "The comment contains control characters."})
    return comment


def requested_by(user, project: Project) -> bool:
    """Whether `user` asked for this create: who submitted it, or, for a batch's row, who
    made the batch or last changed the row (it is theirs whoever pressed Send)."""
    return user.pk in requesters(project)


def requesters(project: Project) -> set[int]:
    found = {project.created_by_id}
    if project.batch_id is not None:
        found.add(project.batch.created_by_id)
        with contextlib.suppress(BatchRow.DoesNotExist):  # read with the project where listed
            found.add(project.batch_row.changed_by_id)
    return found - {None}


def may_approve(user, project: Project) -> bool:
    """A team admin who is not the requester, or the single admin of a team that allows it."""
    if role_in(user, project.team_id) != Role.ADMIN:
        return False
    return not requested_by(user, project) or may_self_approve(project.team)


def project_approve(*, project: Project, user, comment: object = "") -> Project:
    """Approve a held create and queue it (its original idempotency key, its own row)."""
    comment = comment_cleaned(comment)
    _require_admin(user, project)
    if requested_by(user, project) and not may_self_approve(project.team):
        _refused(project, user, "approve their own create (four eyes)")
        raise ServiceError(
            "You requested this create (or made its batch, or changed its row), so another "
            "team admin must approve it. A team with a single admin can allow self-approval "
            "on the approval rules page."
        )
    failure: ServiceError | None = None
    moved = False
    with transaction.atomic():
        # The account's lock makes "count, then approve" one step, as for a create.
        account = VendorAccount.objects.select_for_update().get(pk=project.account_id)
        # Taken once the lock is held: a long wait for it can't let an expired one through.
        cutoff = timezone.now() - timedelta(days=settings.APPROVAL_EXPIRY_DAYS)
        current = Project.objects.get(pk=project.pk)
        if current.status == ProjectStatus.AWAITING and current.created_at < cutoff:
            failure = _expire_now(current)
        if current.status == ProjectStatus.AWAITING and failure is None:
            try:
                _recheck(account, current)
            except ServiceError as exc:
                failure = exc
        if current.status == ProjectStatus.AWAITING and failure is None:
            # Not past its expiry either, whatever time the expiry job runs.
            moved = Project.objects.filter(created_at__gte=cutoff).move(
                project.pk,
                to=ProjectStatus.PENDING,
                decided_by=user,
                decided_at=timezone.now(),
                decision_comment=comment,
                queued_at=timezone.now(),
            )
        if moved:
            why = f" “{comment}”" if comment else ""
            audit_record(
                team=project.team,
                actor=user,
                action=AuditAction.PROJECT_APPROVED,
                target=project,
                summary=f"Create “{project.name}” approved{why}; queued for the vendor.",
            )
    if failure is not None:
        _refused(project, user, f"approve (checked again: {failure.message})")
        raise failure
    if not moved:
        raise _too_late(project, user, "approve")
    if current.batch_id is not None:
        start_senders({current.account_id})  # a batch row is sent in its account's turn
    else:
        enqueue_submit(project_id=project.pk)
    project.refresh_from_db()
    return project


def project_reject(*, project: Project, user, comment: object = "") -> Project:
    """End a held create unsent, with an optional comment for the requester."""
    comment = comment_cleaned(comment)
    _require_admin(user, project)
    with transaction.atomic():
        moved = Project.objects.move(
            project.pk,
            to=ProjectStatus.REJECTED,
            decided_by=user,
            decided_at=timezone.now(),
            decision_comment=comment,
        )
        if moved:
            why = f": “{comment}”" if comment else ""
            audit_record(
                team=project.team,
                actor=user,
                action=AuditAction.PROJECT_REJECTED,
                target=project,
                summary=f"Create “{project.name}” rejected{why}.",
            )
            fresh = Project.objects.select_related("created_by", "decided_by").get(pk=project.pk)
            project_event_record(
                fresh, EventType.PROJECT_REJECTED, **approval_facts(fresh, comment=comment)
            )
    if not moved:
        raise _too_late(project, user, "reject")
    batch_note_settled(project.batch_id)
    project.refresh_from_db()
    return project


def approvals_expire(*, now: datetime | None = None) -> int:
    """Held creates older than APPROVAL_EXPIRY_DAYS end as expired, each audited."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.APPROVAL_EXPIRY_DAYS)
    old = Project.objects.filter(status=ProjectStatus.AWAITING, created_at__lt=cutoff)
    expired = 0
    batch_ids = set()
    for _ in range(20):  # a bounded run of 500s; the next run takes the rest
        projects = list(old.order_by("pk")[:500])
        if not projects:
            break
        with transaction.atomic():
            moved = set(
                Project.objects.move_many(
                    [p.pk for p in projects], to=ProjectStatus.EXPIRED, decided_at=now
                )
            )
            AuditEvent.objects.bulk_create(
                unsaved_audit_event(p.team_id, None, AuditAction.PROJECT_EXPIRED, p, _expired(p))
                for p in projects
                if p.pk in moved
            )
        expired += len(moved)
        batch_ids |= {p.batch_id for p in projects if p.pk in moved and p.batch_id}
    for batch_id in sorted(batch_ids):
        batch_note_settled(batch_id)
    return expired


def _expire_now(project: Project) -> NotAwaiting | None:
    """A held create past its expiry that the expiry job has not reached yet: expired here,
    audited as the job would, and never approved."""
    if not Project.objects.move(project.pk, to=ProjectStatus.EXPIRED, decided_at=timezone.now()):
        return None  # decided meanwhile: the caller's conditional move says by whom
    audit_record(
        team=project.team,
        actor=None,
        action=AuditAction.PROJECT_EXPIRED,
        target=project,
        summary=_expired(project),
    )
    transaction.on_commit(lambda: batch_note_settled(project.batch_id))
    return NotAwaiting(
        f"This create is no longer awaiting approval: it expired, as nobody approved it "
        f"within {settings.APPROVAL_EXPIRY_DAYS} days. Ask for it again if it is still wanted."
    )


def _expired(project: Project) -> str:
    days = settings.APPROVAL_EXPIRY_DAYS
    return f"Create “{project.name}” expired: nobody approved it within {days} days."


def _recheck(account: VendorAccount, project: Project) -> None:
    """The create as it would be sent now: refused approval leaves it awaiting. Judged as
    stored, without the team's defaults: what was requested is what is sent, so a rule
    added since (a required field, say) is met by the stored values or refuses it."""
    checks = project_checks(account=account, data=project.payload, defaults=False)
    if checks.errors:
        words = "; ".join(f"{name}: {message}" for name, message in checks.errors.items())
        raise ServiceError(f"This create no longer passes the account's rules ({words}).")
    _check_usable(account)
    _check_plan_limit(account)


def _require_admin(user, project: Project) -> None:
    if role_in(user, project.team_id) != Role.ADMIN:
        raise ServiceError("Only a team admin may approve or reject a create.")


def _refused(project: Project, user, what: str) -> None:
    with transaction.atomic():
        audit_record(
            team=project.team,
            actor=user,
            action=AuditAction.PROJECT_APPROVAL_REFUSED,
            target=project,
            summary=f"{user.get_username()} tried to {what} “{project.name}”; refused.",
        )


def _too_late(project: Project, user, what: str) -> NotAwaiting:
    """Audit the losing attempt, and say what happened instead."""
    now = Project.objects.select_related("decided_by").get(pk=project.pk)
    state = now.get_status_display().lower()
    by = f" by {now.decided_by.get_username()}" if now.decided_by else ""
    _refused(project, user, f"{what} after it was already {state}{by}")
    if now.status == ProjectStatus.PENDING or now.status in (
        ProjectStatus.CREATED,
        ProjectStatus.FAILED,
        ProjectStatus.UNKNOWN,
    ):
        state = f"approved{by} ({state})"
    else:
        state = f"{state}{by}"
    return NotAwaiting(f"This create is no longer awaiting approval: it was {state}.")
