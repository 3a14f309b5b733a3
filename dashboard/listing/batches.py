"""A batch as its page and its API show it: counts by state, the rate, and its rows a page
at a time (by row number, so the 100th page costs what the first does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from dashboard.models import RETRYABLE, Batch, BatchRow, BatchStatus, Project, ProjectStatus
from dashboard.models.batches import CANCELLED

ROWS_PER_PAGE = 100
RATE_WINDOW = timedelta(seconds=30)
ROW_FILTERS = ("failed", "unknown", "invalid", "waiting", "awaiting")
NOT_APPROVED = (ProjectStatus.REJECTED, ProjectStatus.EXPIRED)


@dataclass(frozen=True)
class Progress:
    total: int
    waiting: int  # recorded, not yet sent
    sending: int  # sent, no answer yet
    created: int
    failed: int
    unknown: int
    cancelled: int
    per_minute: float | None  # rows settled a minute, over the last 30 s
    seconds_left: int | None
    retryable: int = 0  # failed rows known not to have been created (RETRYABLE)
    awaiting: int = 0  # held for a team admin's approval, nothing sent
    not_approved: int = 0  # rejected, or expired before anyone approved it

    @property
    def settled(self) -> int:
        return self.created + self.failed + self.unknown + self.cancelled + self.not_approved

    @property
    def percent(self) -> int:
        return round(100 * self.settled / self.total) if self.total else 100

    @property
    def done(self) -> bool:
        return self.waiting + self.sending + self.awaiting == 0

    def as_dict(self) -> dict:
        return {
            **{name: getattr(self, name) for name in self.__dataclass_fields__},
            "settled": self.settled,
            "percent": self.percent,
            "done": self.done,
        }


def batch_progress(batch: Batch) -> Progress:
    """One query over the batch's rows (its (batch, status) index)."""
    now = timezone.now()
    pending = Q(status=ProjectStatus.PENDING)
    counts = Project.objects.filter(batch=batch).aggregate(
        total=Count("id"),
        waiting=Count("id", filter=pending & Q(attempted_at__isnull=True)),
        sending=Count("id", filter=pending & Q(attempted_at__isnull=False)),
        created=Count("id", filter=Q(status=ProjectStatus.CREATED)),
        failed=Count("id", filter=Q(status=ProjectStatus.FAILED) & ~Q(error_code=CANCELLED)),
        cancelled=Count("id", filter=Q(status=ProjectStatus.FAILED, error_code=CANCELLED)),
        unknown=Count("id", filter=Q(status=ProjectStatus.UNKNOWN)),
        retryable=Count("id", filter=RETRYABLE),
        awaiting=Count("id", filter=Q(status=ProjectStatus.AWAITING)),
        not_approved=Count("id", filter=Q(status__in=NOT_APPROVED)),
        recent=Count(
            "id",
            filter=~pending
            & ~Q(status=ProjectStatus.AWAITING)
            & Q(updated_at__gte=now - RATE_WINDOW),
        ),
    )
    recent = counts.pop("recent")
    left = counts["waiting"] + counts["sending"]
    window = RATE_WINDOW.total_seconds()
    if batch.sent_at is not None:
        window = min(window, max(1.0, (now - batch.sent_at).total_seconds()))
    per_second = recent / window if recent else 0.0
    return Progress(
        **counts,
        per_minute=round(per_second * 60, 1) if batch.status != BatchStatus.DRAFT else None,
        seconds_left=round(left / per_second) if per_second and left else None,
    )


def batch_rows(
    batch: Batch, *, show: str = "", after: int = 0
) -> tuple[list[BatchRow], int | None]:
    """A page of rows after row number `after`, and the number the next page starts after
    (None on the last page). `show`: one of ROW_FILTERS, or all rows."""
    page = list(_shown_rows(batch, show).filter(number__gt=after)[: ROWS_PER_PAGE + 1])
    more = len(page) > ROWS_PER_PAGE
    page = page[:ROWS_PER_PAGE]
    return page, (page[-1].number if more else None)


def batch_rows_before(
    batch: Batch, *, show: str = "", before: int
) -> tuple[list[BatchRow], int | None]:
    """The page of rows just before row number `before` (a "previous" link), and the number
    the page before it ends before (None on the first page)."""
    shown = _shown_rows(batch, show).filter(number__lt=before).order_by("-number")
    page = list(shown[: ROWS_PER_PAGE + 1])
    more = len(page) > ROWS_PER_PAGE
    page = page[:ROWS_PER_PAGE][::-1]
    return page, (page[0].number if more else None)


def _shown_rows(batch: Batch, show: str):
    rows = batch.rows.select_related("account", "project").order_by("number")
    if show == "invalid":
        rows = rows.exclude(errors={})
    elif show == "waiting":
        rows = rows.filter(project__status=ProjectStatus.PENDING)
    elif show == "failed":
        rows = rows.filter(project__status=ProjectStatus.FAILED).exclude(
            project__error_code=CANCELLED
        )
    elif show == "unknown":
        rows = rows.filter(project__status=ProjectStatus.UNKNOWN)
    elif show == "awaiting":
        rows = rows.filter(project__status=ProjectStatus.AWAITING)
    return rows


def row_state(row: BatchRow) -> str:
    """A row's state in words: its project's, or the preview's verdict before sending."""
    project = row.project
    if project is None:
        if row.batch.sent_at:
            return "skipped"  # left out of the send: invalid then (its errors say why)
        return "invalid" if row.errors else "ready"
    if project.status == ProjectStatus.FAILED and project.error_code == CANCELLED:
        return CANCELLED
    if project.status == ProjectStatus.PENDING:
        return "sending" if project.attempted_at else "waiting"
    return project.status


def batches_counts(batch_ids: list[int]) -> dict[int, dict[str, int]]:
    """For a page of batches: each one's rows and invalid rows (as previewed), and its
    projects by state. Two grouped queries, whatever the page's size."""
    counts: dict[int, dict[str, int]] = {pk: {} for pk in batch_ids}
    rows = (
        BatchRow.objects.filter(batch_id__in=batch_ids)
        .values("batch_id")
        .annotate(rows=Count("id"), invalid=Count("id", filter=~Q(errors={})))
        .order_by()
    )
    for found in rows:
        counts[found.pop("batch_id")].update(found)
    pending = Q(status=ProjectStatus.PENDING)
    cancelled = Q(status=ProjectStatus.FAILED, error_code=CANCELLED)
    projects = (
        Project.objects.filter(batch_id__in=batch_ids)
        .values("batch_id")
        .annotate(
            in_flight=Count("id", filter=pending),
            created=Count("id", filter=Q(status=ProjectStatus.CREATED)),
            failed=Count("id", filter=Q(status=ProjectStatus.FAILED) & ~cancelled),
            unknown=Count("id", filter=Q(status=ProjectStatus.UNKNOWN)),
            cancelled=Count("id", filter=cancelled),
            awaiting=Count("id", filter=Q(status=ProjectStatus.AWAITING)),
            not_approved=Count("id", filter=Q(status__in=NOT_APPROVED)),
        )
        .order_by()
    )
    for found in projects:
        counts[found.pop("batch_id")].update(found)
    return counts


RESULT_COLUMNS = ("row", "account", "name", "state", "remote_id", "error", "project_url")


def result_rows(batch: Batch):
    """Every row as the results CSV has it, streamed in row-number order."""
    rows = batch.rows.select_related("account", "project", "batch").order_by("number")
    for row in rows.iterator(chunk_size=1000):
        project = row.project
        yield [
            row.number,
            row.account.label if row.account else row.account_given,
            project.name if project else "",
            row_state(row),
            project.remote_id if project else "",
            (project.error_message if project else "; ".join(_messages(row.errors))),
            project.get_absolute_url() if project else "",
        ]


def _messages(errors: dict) -> list[str]:
    return [message for messages in errors.values() for message in messages]
