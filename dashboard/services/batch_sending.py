"""Sending a batch: every row recorded as a pending create in one transaction, then sent
by each account's senders, one row a turn, in the account's own time.

- Sending twice (a double click, two tabs, an API replay) sends once: the batch moves from
  draft to sent under its row lock, and each row's idempotency key is the batch's and the
  row number.
- An account has at most VENDOR_MAX_IN_FLIGHT senders' calls in flight (`send_gate`). A
  sender sends one row, then queues itself behind everyone else's work, so one account's
  10,000 rows never hold up another account's, and a paused account's senders sleep until
  its pause ends instead of holding a worker.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from dashboard.models import (
    NO_ERROR,
    RETRYABLE,
    AccountStatus,
    AccountThrottle,
    AuditAction,
    AuditEvent,
    Batch,
    BatchRow,
    BatchStatus,
    EventType,
    Project,
    ProjectStatus,
    VendorAccount,
)
from dashboard.models.batches import CANCELLED
from dashboard.queue import enqueue_batch_sender
from dashboard.services.approval_requests import holds_record, rejections_record
from dashboard.services.audit import audit_record, unsaved_audit_event
from dashboard.services.batches import RowVerdict, check_rows, require_member, verdicts_store
from dashboard.services.errors import ServiceError
from dashboard.services.moves import projects_move
from dashboard.services.outbox import batch_data, event_record
from dashboard.services.send_gate import Turn, claim_turn, spread, waiting_creates
from dashboard.services.submitting import send_claimed
from providers.base import ErrorKind
from providers.registry import get_provider


def batch_send(*, batch: Batch, user, skip_invalid: bool = False) -> Batch:
    """Record every valid row as a pending create and start the accounts' senders.

    Rows are checked again first, under the accounts' locks (the plan limits count the
    whole batch against what other creates have taken since the preview)."""
    require_member(user, batch.team_id)
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.DRAFT:
            return locked  # already sent: a resubmit is harmless
        rows = list(locked.rows.select_related("account").order_by("number"))
        account_ids = sorted({row.account_id for row in rows if row.account_id})
        # In id order, as every sender of several accounts takes them: no deadlock.
        list(VendorAccount.objects.select_for_update().filter(pk__in=account_ids).order_by("pk"))
        verdicts = check_rows(locked.team, rows)
        valid = [row for row in rows if not verdicts[row.number].errors]
        refusal = _send_refusal(len(rows), len(valid), skip_invalid)
        if refusal is None:
            _record_sent(locked, rows, valid, verdicts, user)
        else:
            # Committed with the refusal: the page and the API show why it was refused.
            verdicts_store(rows, verdicts)
    if refusal is not None:
        raise refusal
    # After the commit (a sender must see the rows); if this process dies first, the
    # sweep starts the senders of accounts whose rows wait.
    start_senders({row.account_id for row in valid})
    locked.refresh_from_db()
    return locked


def _send_refusal(total: int, valid: int, skip_invalid: bool) -> ServiceError | None:
    invalid = total - valid
    if invalid and not skip_invalid:
        return ServiceError(
            f"{invalid} of {total} rows have errors. Fix or remove them, or choose "
            "to skip the invalid rows."
        )
    if not valid:
        return ServiceError("No row of this batch is valid; there is nothing to send.")
    return None


def _record_sent(locked: Batch, rows, valid, verdicts, user) -> None:
    """Every valid row as a pending create with its row's key, in the caller's transaction."""
    invalid = len(rows) - len(valid)
    now = timezone.now()
    projects = Project.objects.bulk_create(
        _project_for(locked, row, verdicts[row.number], user, now) for row in valid
    )
    for row, project in zip(valid, projects, strict=True):
        row.project = project
    _link_projects(valid)
    verdicts_store(rows, verdicts)
    AuditEvent.objects.bulk_create(
        unsaved_audit_event(
            locked.team_id,
            user,
            AuditAction.PROJECT_REQUESTED,
            project,
            f"Create “{project.name}” requested in batch “{locked.name}”.",
        )
        for project in projects
    )
    held_rows = [row for row in valid if verdicts[row.number].held]
    held = [row.project for row in held_rows]
    holds_record(
        team=locked.team,
        user=user,
        projects=held,
        where=f" in batch “{locked.name}”",
        also_requested_by={locked.created_by_id, *(row.changed_by_id for row in held_rows)},
    )
    Batch.objects.filter(pk=locked.pk).update(status=BatchStatus.SENT, sent_at=now, sent_by=user)
    skipped = f", {invalid} invalid rows skipped" if invalid else ""
    if held:
        skipped += f", {len(held)} awaiting approval"
    audit_record(
        team=locked.team,
        actor=user,
        action=AuditAction.BATCH_SENT,
        target=locked,
        summary=f"Batch “{locked.name}” sent: {len(valid)} creates{skipped}.",
    )


def _link_projects(rows) -> None:
    """Each row to its project: one statement run per row (bulk_update's CASE of 10,000
    rows took seconds to build)."""
    quote = connection.ops.quote_name
    table, column = BatchRow._meta.db_table, BatchRow._meta.get_field("project").column
    # Names from the model's own metadata, never from input.
    sql = f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [(row.project_id, row.pk) for row in rows],
        )


def _project_for(batch: Batch, row: BatchRow, verdict: RowVerdict, user, now: datetime) -> Project:
    """A row as a pending create, or one awaiting approval when its account's rule holds it
    (as its check just said; it is sent in its account's turn once approved)."""
    provider = get_provider(row.account.vendor)
    cleaned = verdict.cleaned
    name = cleaned[provider.name_field]
    held = verdict.held
    return Project(
        team_id=batch.team_id,
        account=row.account,
        vendor=row.account.vendor,
        name=name,
        payload=cleaned,
        idempotency_key=batch.row_key(row.number),
        created_by=user,
        status=ProjectStatus.AWAITING if held else ProjectStatus.PENDING,
        queued_at=None if held else now,
        batch=batch,
    )


def start_senders(account_ids) -> None:
    """Up to VENDOR_MAX_IN_FLIGHT senders per account, as many as it has rows waiting. On a
    queue without workers (tests' immediate queue) the rows are sent here and now."""
    for account_id in sorted(account_ids):
        waiting = waiting_creates().filter(account_id=account_id, batch__isnull=False)
        most = settings.VENDOR_MAX_IN_FLIGHT
        wanted = waiting[:most].count()
        for _ in range(wanted):
            if not enqueue_batch_sender(account_id=account_id):
                send_rows_in_place(account_id)
                break


def send_rows_in_place(account_id: int) -> None:
    """Without workers: send the account's waiting rows one after another, until none is
    left or the account is paused (then the sweep starts its senders again)."""
    while (next_turn := batch_row_send_next(account_id)) is not None:
        if next_turn > timezone.now():
            return


def batch_row_send_next(account_id: int) -> datetime | None:
    """One sender's turn: send the account's next waiting row if the account has room.
    When this sender should take its next turn (now, or after a pause), or None when the
    account has no row waiting."""
    claim = claim_turn(account_id)
    if claim.turn == Turn.NOTHING:
        return None
    if claim.turn != Turn.CLAIMED:
        return claim.retry_at
    refusal = send_claimed(claim.project_id, claim.attempt, requeue_if_rate_limited=True)
    batch_id = Project.objects.filter(pk=claim.project_id).values_list("batch_id", flat=True)[0]
    now = timezone.now()
    if refusal is not None and refusal.kind == ErrorKind.RATE_LIMITED:
        # The row waits again, unsent; this sender's next turn is after the pause.
        paused_until = (
            AccountThrottle.objects.filter(pk=account_id)
            .values_list("paused_until", flat=True)
            .first()
        )
        return max(paused_until or now, now) + spread(1.0)
    batch_note_settled(batch_id)
    return now


def batch_note_settled(batch_id: int | None) -> bool:
    """Mark a sent batch done once none of its rows is pending or awaiting approval: its
    end, audited once."""
    if batch_id is None:
        return False
    unsettled = (ProjectStatus.PENDING, ProjectStatus.AWAITING)
    if Project.objects.filter(batch_id=batch_id, status__in=unsettled).exists():
        return False
    with transaction.atomic():
        finished = Batch.objects.filter(pk=batch_id, status=BatchStatus.SENT).update(
            status=BatchStatus.DONE, finished_at=timezone.now()
        )
        if not finished:
            return False
        batch = Batch.objects.select_related("team").get(pk=batch_id)
        counts = dict(
            Project.objects.filter(batch_id=batch_id)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        words = ", ".join(
            f"{counts[status]} {ProjectStatus(status).label.lower()}"
            for status in ProjectStatus.values
            if counts.get(status)
        )
        audit_record(
            team=batch.team,
            actor=None,
            action=AuditAction.BATCH_FINISHED,
            target=batch,
            summary=f"Batch “{batch.name}” finished: {words}.",
        )
        event_record(team=batch.team, type=EventType.BATCH_COMPLETED, data=batch_data(batch))
    return True


def batches_finish_settled() -> int:
    """The sweep's part: sent batches whose last rows settled some other way (timed out
    into "outcome unknown", cancelled) are marked done."""
    sent = Batch.objects.filter(status=BatchStatus.SENT).values_list("pk", flat=True)
    return sum(batch_note_settled(pk) for pk in sent)


def batch_senders_restart(*, stalled_before: datetime) -> int:
    """Accounts whose batch rows wait but whose turns stopped (their senders' workers died,
    or a queue outage lost them): start their senders again."""
    now = timezone.now()
    waiting = waiting_creates().filter(batch__isnull=False)
    stalled = (
        VendorAccount.objects.filter(pk__in=waiting.values("account_id"))
        .filter(Q(throttle__isnull=True) | Q(throttle__last_turn_at__lt=stalled_before))
        .exclude(throttle__paused_until__gt=now)
        .values_list("pk", flat=True)
    )
    ids = list(stalled)
    start_senders(ids)
    return len(ids)


WITHDRAWN = "Withdrawn: the rest of its batch was cancelled."


def batch_cancel_rest(*, batch: Batch, user) -> int:
    """Cancel every row not yet sent: they are never sent, and those awaiting approval end
    as rejected, so no later approval can send them. How many were cancelled."""
    require_member(user, batch.team_id)
    now = timezone.now()
    with transaction.atomic():
        # Held rows first: one approved meanwhile is pending by now, and cancelled next.
        held = Project.objects.filter(batch=batch, status=ProjectStatus.AWAITING)
        withdrawn = projects_move(
            list(held.only("pk", "team_id", "account_id")),
            to=ProjectStatus.REJECTED,
            when=Q(status=ProjectStatus.AWAITING),
            actor=user,
            action=AuditAction.PROJECT_REJECTED,
            summary="Withdrawn with the rest of its batch before it was approved; nothing "
            "was sent.",
            decided_by=user,
            decided_at=now,
            decision_comment=WITHDRAWN,
        )
        if withdrawn:
            rejections_record(
                team_id=batch.team_id, user=user, project_ids=withdrawn, comment=WITHDRAWN
            )
        waiting = list(waiting_creates().filter(batch=batch).only("pk", "team_id", "account_id"))
        moved = projects_move(
            waiting,
            to=ProjectStatus.FAILED,
            when=Q(status=ProjectStatus.PENDING, attempted_at__isnull=True),
            actor=user,
            action=AuditAction.PROJECT_FAILED,
            summary="Cancelled with the rest of its batch before it was sent; nothing was sent.",
            error_kind=CANCELLED,
            error_code=CANCELLED,
            error_message="Cancelled before it was sent: nothing was sent to the vendor.",
            completed_at=now,
        )
        cancelled = len(moved) + len(withdrawn)
        if cancelled:
            of_them = f" ({len(withdrawn)} of them awaiting approval)" if withdrawn else ""
            audit_record(
                team=batch.team,
                actor=user,
                action=AuditAction.BATCH_CANCELLED,
                target=batch,
                summary=f"Batch “{batch.name}”: {cancelled} rows not yet sent were "
                f"cancelled{of_them}.",
            )
    batch_note_settled(batch.pk)
    return cancelled


def batch_retry_failed(*, batch: Batch, user) -> int:
    """Send again the failed rows known not to have been created (the same rows, so the
    same idempotency keys); cancelled rows and refusals that would only repeat stay."""
    require_member(user, batch.team_id)
    failed = Project.objects.filter(RETRYABLE, batch=batch)
    retryable = list(failed.only("pk", "team_id", "account_id"))
    connected = set(
        VendorAccount.objects.filter(
            pk__in={p.account_id for p in retryable}, status=AccountStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    retryable = [p for p in retryable if p.account_id in connected]
    with transaction.atomic():
        moved = projects_move(
            retryable,
            to=ProjectStatus.PENDING,
            when=RETRYABLE,
            actor=user,
            action=AuditAction.PROJECT_RETRIED,
            summary="Create sent again with its batch's failed rows, with the same key.",
            queued_at=timezone.now(),
            attempted_at=None,
            completed_at=None,
            **NO_ERROR,
        )
        if moved:
            Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.SENT, finished_at=None)
            audit_record(
                team=batch.team,
                actor=user,
                action=AuditAction.BATCH_RETRIED,
                target=batch,
                summary=f"Batch “{batch.name}”: {len(moved)} failed rows sent again.",
            )
    start_senders({p.account_id for p in retryable if p.pk in set(moved)})
    return len(moved)
