"""Sending a recorded create to its vendor, at most once, and recording the outcome.

A create is sent only in its account's turn (`send_gate`): the claim that makes it "sent"
is also what counts it in flight. A 429 pauses the account; a batch row then waits for
its next turn unsent, a single create is recorded as refused (a person may retry it).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from dashboard.models import AuditAction, Project, ProjectStatus
from dashboard.queue import enqueue_submit
from dashboard.services.audit import audit_record
from dashboard.services.outbox import projects_moved_record
from dashboard.services.send_gate import (
    Turn,
    claim_turn,
    note_success,
    pause_account,
    release_turn,
    waiting_creates,
)
from dashboard.services.vendor_answers import (
    ERROR_CODE_MAX,
    UNSTORABLE_ID,
    remote_id_problem,
    storable,
    untrackable_message,
)
from dashboard.services.vendor_calls import call_vendor
from dashboard.validation.text import printable
from providers.base import ErrorKind, ProviderError
from providers.registry import get_provider

logger = logging.getLogger(__name__)


def project_submit(project_id: int) -> None:
    """Send one recorded create when its account has room; otherwise queue it again for
    when it will (or leave it to the sweep, which queues waiting creates again)."""
    account_id = Project.objects.filter(pk=project_id).values_list("account_id", flat=True).first()
    if account_id is None:
        return
    claim = claim_turn(account_id, project_id=project_id)
    if claim.turn in (Turn.BUSY, Turn.PAUSED):
        waiting_creates().filter(pk=project_id).update(queued_at=timezone.now())
        enqueue_submit(project_id=project_id, at=claim.retry_at)
        return
    if claim.turn == Turn.CLAIMED:
        send_claimed(project_id, claim.attempt, requeue_if_rate_limited=False)


def send_claimed(
    project_id: int, attempt: datetime, *, requeue_if_rate_limited: bool
) -> ProviderError | None:
    """Send a create this caller has claimed (as `attempt`) and record the outcome; the
    vendor's refusal, if it refused. A 429 pauses the account; with
    `requeue_if_rate_limited` the create waits for its next turn instead of failing."""
    project = Project.objects.select_related("account", "team", "created_by").get(pk=project_id)
    account = project.account
    provider = get_provider(project.vendor)
    try:
        result = call_vendor(
            account,
            lambda vendor, credentials: vendor.create_project(
                base_url=account.base_url,
                credentials=credentials,
                payload=project.payload,
                reference=str(project.reference),
            ),
            actor=project.created_by,
        )
    except ProviderError as exc:
        if exc.kind == ErrorKind.RATE_LIMITED:
            pause_account(account.pk, retry_after=exc.retry_after)
            if requeue_if_rate_limited and release_turn(project.pk, attempt):
                return exc
        else:
            note_success(account.pk)
        _record_failure(project, attempt, exc)
        return exc
    except Exception:
        # A bug after the request may have gone out: the outcome is unknown, never retried.
        logger.exception("Unexpected error submitting project %s", project.pk)
        _record_failure(
            project,
            attempt,
            ProviderError(
                ErrorKind.OUTCOME_UNKNOWN,
                "Something went wrong on our side while the request was "
                "being sent, so we can't tell whether the vendor created the project.",
            ),
        )
        return None
    note_success(account.pk)
    # The secrets exactly as sent (opaque, and stored encrypted, so any character will do);
    # the details without what no column can hold.
    kept = {"vendor_response": storable(result.details), "secrets": result.secrets}
    problem = remote_id_problem(result.remote_id)
    if problem:
        _keep_untracked(project, attempt, provider.name, problem, kept)
        return None
    try:
        _settle(
            project,
            attempt,
            to=ProjectStatus.CREATED,
            changes={**kept, "remote_id": result.remote_id, "completed_at": timezone.now()},
            action=AuditAction.PROJECT_CREATED,
            summary=f"Created at {provider.name} with id {result.remote_id}.",
        )
    except DatabaseError as exc:
        # The answer must be kept all the same, its secret above all: nobody else holds it.
        logger.exception("Could not record the create of project %s", project.pk)
        problem = (
            "another project here already has its id"
            if isinstance(exc, IntegrityError)
            else "its answer could not be recorded"
        )
        _keep_untracked(project, attempt, provider.name, problem, {"secrets": result.secrets})
    return None


def _keep_untracked(project: Project, attempt, vendor: str, problem: str, kept: dict) -> None:
    """Made at the vendor, but untrackable here: never failed (a retry would make a second
    one), and what the vendor answered is kept for a person to act on."""
    message = untrackable_message(vendor, "created the project", problem)
    _settle(
        project,
        attempt,
        to=ProjectStatus.UNKNOWN,
        changes={
            **kept,
            "error_kind": ErrorKind.OUTCOME_UNKNOWN.value,
            "error_code": UNSTORABLE_ID,
            "error_message": message,
        },
        action=AuditAction.PROJECT_UNKNOWN,
        summary=f"{ErrorKind.OUTCOME_UNKNOWN}: {message}",
    )


def _record_failure(project: Project, attempt, error: ProviderError) -> None:
    unknown = error.kind == ErrorKind.OUTCOME_UNKNOWN
    _settle(
        project,
        attempt,
        to=ProjectStatus.UNKNOWN if unknown else ProjectStatus.FAILED,
        changes={
            "error_kind": error.kind.value,
            # The vendor's own words may be in these: stored only as one line of text.
            "error_code": printable(error.code)[:ERROR_CODE_MAX],
            "error_status": error.status,
            "error_message": printable(error.message),
            "error_fields": {printable(k): printable(v) for k, v in error.field_errors.items()},
            "completed_at": None if unknown else timezone.now(),
        },
        action=AuditAction.PROJECT_UNKNOWN if unknown else AuditAction.PROJECT_FAILED,
        summary=f"{error.kind}: {error.message}",
    )


def _settle(project: Project, attempt, *, to: str, changes: dict, action: str, summary: str):
    """Record the answer to our own attempt. An answer that arrives after the row was
    settled another way (it timed out and was reconciled) is kept in the audit trail."""
    with transaction.atomic():
        moved = Project.objects.filter(attempted_at=attempt).move(project.pk, to=to, **changes)
        if not moved:
            logger.warning("Late answer for project %s ignored: %s", project.pk, summary)
            summary = f"Late answer, after the project had moved on (not applied): {summary}"
        else:
            projects_moved_record([project.pk], to)
        audit_record(
            team=project.team,
            actor=project.created_by,
            action=action,
            target=project,
            summary=summary,
        )
