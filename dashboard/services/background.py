"""Time-based work, run by the workers on a schedule, never on a page view.

- A create that was attempted and never answered (its worker died mid-call) times out,
  counted from the attempt, into "outcome unknown".
- A create that no worker picked up (the enqueue failed, or its task was lost) is queued
  again. Nothing was sent, so this is safe; the claim in `project_submit` still sends once.
- Unknown outcomes are looked for at the vendor, one list call per account.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from dashboard.models import AccountStatus, AuditAction, Project, ProjectStatus, VendorAccount
from dashboard.queue import enqueue_submit
from dashboard.services.batch_sending import batch_senders_restart, batches_finish_settled
from dashboard.services.errors import ServiceError
from dashboard.services.moves import project_move
from dashboard.services.reconciling import (
    absence_provable,
    reconcile_each,
    take_listing,
    tracked_remote_ids,
)
from providers.base import ErrorKind

logger = logging.getLogger(__name__)

STALE_MESSAGE = (
    "The request was sent but its answer never came back (the worker may have stopped), "
    "so the outcome is unknown. It will be looked for at the vendor."
)


@dataclass
class SweepTotals:
    timed_out: int = 0
    requeued: int = 0
    senders_restarted: int = 0
    batches_finished: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def projects_sweep(*, now: datetime | None = None) -> SweepTotals:
    now = now or timezone.now()
    totals = SweepTotals()
    attempt_cutoff = now - timedelta(seconds=settings.PROJECT_PENDING_TIMEOUT_SECONDS)
    timed_out = Project.objects.filter(
        status=ProjectStatus.PENDING, attempted_at__lt=attempt_cutoff
    ).select_related("team")
    for project in timed_out:
        # Conditional on the same attempt: a retry since then starts its own clock.
        totals.timed_out += project_move(
            project,
            to=ProjectStatus.UNKNOWN,
            when=Q(attempted_at=project.attempted_at),
            actor=None,
            action=AuditAction.PROJECT_STALE,
            announce=True,
            summary=f"Sent {project.attempted_at:%Y-%m-%d %H:%M:%S} UTC and never answered: "
            "now outcome unknown.",
            error_kind=ErrorKind.OUTCOME_UNKNOWN.value,
            error_code="stale_pending",
            error_message=STALE_MESSAGE,
        )
    queue_cutoff = now - timedelta(seconds=settings.PROJECT_REQUEUE_AFTER_SECONDS)
    # A batch's rows are sent by their account's senders, not queued one by one.
    waiting = Project.objects.filter(
        Q(queued_at__lt=queue_cutoff) | Q(queued_at__isnull=True),
        status=ProjectStatus.PENDING,
        attempted_at__isnull=True,
        batch__isnull=True,
    )
    for pk, queued_at in waiting.values_list("pk", "queued_at"):
        # Of several sweeps at once, the one that moves queued_at requeues.
        claimed = Project.objects.filter(
            pk=pk, status=ProjectStatus.PENDING, attempted_at__isnull=True, queued_at=queued_at
        ).update(queued_at=now)
        if claimed and enqueue_submit(project_id=pk):
            totals.requeued += 1
    totals.senders_restarted = batch_senders_restart(stalled_before=queue_cutoff)
    totals.batches_finished = batches_finish_settled()
    return totals


def projects_reconcile_unknown() -> dict[str, int]:
    """Look for every unknown outcome at its vendor: found → created, absent → failed
    (a person may retry), several candidates → left for a person to choose. One left for
    a person (made at the vendor under an id that can't be stored) is not looked for."""
    totals = dict.fromkeys(
        ("accounts", "created", "failed", "ambiguous", "unreadable", "errors"), 0
    )
    # Only those the rule may conclude absent: younger ones are left to a later run (each
    # listing is judged again at the time it is asked for).
    due = Project.objects.filter(absence_provable(timezone.now()))
    accounts = VendorAccount.objects.filter(
        status=AccountStatus.ACTIVE, pk__in=due.values("account_id")
    )
    for account in accounts:
        try:
            listing = take_listing(account)
        except ServiceError as exc:
            totals["errors"] += 1
            logger.warning("Reconcile: account %s unavailable: %s", account.pk, exc.message)
            continue
        totals["accounts"] += 1
        taken = tracked_remote_ids(account)  # once per account, not once per project
        projects = due.filter(account=account).select_related("account", "team")
        for outcome in reconcile_each(projects.defer("secrets"), listing, taken):
            if outcome in totals:
                totals[outcome] += 1
    return totals


def refresh_planner_statistics() -> None:
    """Fresh statistics for the query planner. SQLite keeps none until ANALYZE runs, and
    without them it can't tell a search matching 10 rows from one matching a million.
    (PostgreSQL's autovacuum analyzes too; once more a day does no harm.)"""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")  # sampled: fast at any size
        cursor.execute("ANALYZE")
