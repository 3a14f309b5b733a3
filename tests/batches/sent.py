"""A sent batch whose rows are already in given states, written straight to the database
(bulk, so 10,000 rows cost seconds): for pages that show a batch after sending."""

from __future__ import annotations

from django.utils import timezone

from dashboard.models import Batch, BatchRow, BatchSource, BatchStatus, Project, ProjectStatus
from dashboard.models.batches import CANCELLED

# What each state means for the row's project.
STATES = {
    "waiting": {"status": ProjectStatus.PENDING},
    "sending": {"status": ProjectStatus.PENDING, "attempted": True},
    "created": {"status": ProjectStatus.CREATED, "attempted": True},
    "failed": {
        "status": ProjectStatus.FAILED,
        "attempted": True,
        "error_kind": "invalid",
        "error_message": "R4 refused the name.",
    },
    "retryable": {
        "status": ProjectStatus.FAILED,
        "attempted": True,
        "error_kind": "unavailable",
        "error_message": "R4 is unavailable.",
    },
    "unknown": {"status": ProjectStatus.UNKNOWN, "attempted": True},
    "cancelled": {"status": ProjectStatus.FAILED, "error_kind": CANCELLED, "error_code": CANCELLED},
}


def sent_batch(account, user, states: list[str], *, name: str = "Sent batch") -> Batch:
    now = timezone.now()
    batch = Batch.objects.create(
        team=account.team,
        name=name,
        source=BatchSource.CSV,
        status=BatchStatus.SENT,
        created_by=user,
        sent_by=user,
        sent_at=now,
    )
    projects = Project.objects.bulk_create(
        _project(batch, account, user, number, STATES[state], now)
        for number, state in enumerate(states, start=1)
    )
    BatchRow.objects.bulk_create(
        BatchRow(
            batch=batch,
            number=number,
            account_given=str(account.pk),
            account=account,
            data={"name": project.name},
            project=project,
        )
        for number, project in enumerate(projects, start=1)
    )
    return batch


def _project(batch, account, user, number, state, now) -> Project:
    options = dict(state)
    attempted = options.pop("attempted", False)
    return Project(
        team_id=account.team_id,
        account=account,
        vendor=account.vendor,
        name=f"row-{number}",
        payload={"name": f"row-{number}"},
        idempotency_key=batch.row_key(number),
        created_by=user,
        queued_at=now,
        attempted_at=now if attempted else None,
        batch=batch,
        **options,
    )
