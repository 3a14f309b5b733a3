"""CSV export of exactly the filtered list: no secrets, no formulas, and never silently short.

Rows are read as plain values in one query (nothing decrypted, no model objects) and
written in batches. Up to EXPORT_STREAM_MAX_ROWS the file streams at once; a larger
one is built by a worker into compressed chunks and downloaded when ready.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
import zlib
from collections.abc import Iterator
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dashboard import listing
from dashboard.models import ExportChunk, ExportStatus, ProjectExport, VendorAccount, team_ids_for
from dashboard.queue import enqueue_export_build
from providers.registry import PROVIDERS

logger = logging.getLogger(__name__)

# (header, field): plain values from one query.
CSV_COLUMNS = (
    ("vendor", "vendor"),
    ("account", "account__label"),
    ("team", "team__name"),
    ("name", "name"),
    ("remote_id", "remote_id"),
    ("status", "status"),
    ("origin", "origin"),
    ("remote_status", "remote_status"),
    ("missing_at_vendor", "missing_at_vendor"),
    ("created_by", "created_by__username"),
    ("created_at", "created_at"),
    ("reference", "reference"),
)
BATCH = 2000
FORMULA_STARTS = ("=", "+", "-", "@")


def safe_cell(value: object) -> str:
    """Spreadsheets run a cell as a formula when it starts with = + - @, also after leading
    spaces or in full-width form (U+FF1D); such cells get a leading apostrophe."""
    if isinstance(value, bool):
        return "yes" if value else ""
    text = "" if value is None else str(value)
    first = text[:1]
    head = unicodedata.normalize("NFKC", text.lstrip()[:1])
    if first.isspace() or (first and not first.isprintable()) or head in FORMULA_STARTS:
        return "'" + text
    return text


def export_size(query: listing.ProjectQuery, counts: dict) -> int:
    """How many rows the export holds, counted no further than the streaming limit."""
    if counts["exact"]:
        return counts["total"]
    limit = settings.EXPORT_STREAM_MAX_ROWS
    return query.projects().order_by().values("pk")[: limit + 1].count()


class CsvBatch(NamedTuple):
    text: str
    rows: int  # project rows written into `text` (a name may hold line breaks; the header is none)
    team_ids: frozenset[int] = frozenset()  # the teams whose projects those rows are


class _Batch:
    """A csv writer target that collects one batch of lines, and counts the rows written."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)
        self.rows = 0
        self.team_ids: set[int] = set()

    def write_row(self, values: list[str], *, team_id: int) -> None:
        self.writer.writerow(values)
        self.rows += 1
        self.team_ids.add(team_id)

    def take(self) -> CsvBatch:
        batch = CsvBatch(self.buffer.getvalue(), self.rows, frozenset(self.team_ids))
        self.buffer.seek(0)
        self.buffer.truncate()
        self.rows = 0
        self.team_ids.clear()
        return batch


def csv_batches(query: listing.ProjectQuery) -> Iterator[CsvBatch]:
    """The header, then the rows in batches of BATCH rows.

    The first batch is read before anything is yielded, so a failing query fails the
    request (an error status), never a 200 with only the header line.
    """
    fields = [field for _, field in CSV_COLUMNS]
    rows = listing.project_list(query).values_list(*fields, "team_id").iterator(chunk_size=BATCH)
    vendor_names = {slug: provider.name for slug, provider in PROVIDERS.items()}
    created_at, vendor = fields.index("created_at"), fields.index("vendor")
    batch = _Batch()
    batch.writer.writerow([header for header, _ in CSV_COLUMNS])
    try:
        for count, (*values, team_id) in enumerate(rows, start=1):
            values[created_at] = values[created_at].isoformat()
            values[vendor] = vendor_names.get(values[vendor], values[vendor])
            batch.write_row([safe_cell(value) for value in values], team_id=team_id)
            if count % BATCH == 0:
                yield batch.take()
    finally:
        rows.close()  # a failed or abandoned export frees its cursor now, not when collected
    yield batch.take()


def stream_csv(query: listing.ProjectQuery) -> Iterator[str]:
    """csv_batches for a streamed answer: a failure after the start breaks the transfer.

    Too late for an error status, so the file says so in a last line and the connection
    is then aborted: the download fails visibly instead of ending short with a 200.
    """
    batches = csv_batches(query)
    first = next(batches)
    yield first.text
    written = first.rows
    try:
        for batch in batches:
            yield batch.text
            written += batch.rows
    except Exception:
        logger.exception("CSV export stopped after %s rows", written)
        yield f"ERROR: the export stopped after {written} rows; this file is incomplete.\r\n"
        raise


def export_start(*, user, filters: dict) -> ProjectExport:
    export = ProjectExport.objects.create(requested_by=user, filters=dict(filters))
    if not enqueue_export_build(export_id=export.pk):
        ProjectExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, message="The export could not be queued; try again."
        )
        export.refresh_from_db()
    return export


def export_build(export_id: int) -> str:
    """Write the file into the database. Claimed by a conditional update: built once."""
    claimed = ProjectExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.BUILDING
    )
    if not claimed:
        return "skipped: not queued"
    export = ProjectExport.objects.select_related("requested_by").get(pk=export_id)
    accounts = VendorAccount.objects.for_user(export.requested_by)
    filters = listing.clean_filters(export.filters, accounts=accounts)
    query = listing.project_query(user=export.requested_by, filters=filters)
    rows, team_ids = 0, set()
    try:
        for number, batch in enumerate(csv_batches(query)):
            rows += batch.rows
            team_ids |= batch.team_ids
            data = zlib.compress(batch.text.encode("utf-8"), 6)
            ExportChunk.objects.create(export_id=export_id, number=number, data=data)
    except Exception:
        logger.exception("export %s failed", export_id)
        with transaction.atomic():
            ExportChunk.objects.filter(export_id=export_id).delete()
            ProjectExport.objects.filter(pk=export_id).update(
                status=ExportStatus.FAILED,
                finished_at=timezone.now(),
                message="The export failed; try again. The error was logged.",
            )
        return "failed"
    ProjectExport.objects.filter(pk=export_id).update(
        status=ExportStatus.READY,
        rows=rows,
        team_ids=sorted(team_ids),
        finished_at=timezone.now(),
    )
    return "ready"


def export_still_theirs(*, export: ProjectExport, user) -> bool:
    """Its requester's, while they still belong to every team whose projects it holds:
    someone who left a team can't take its projects away in an export made before."""
    if export.requested_by_id != user.pk:
        return False
    teams = set(export.team_ids)
    held = team_ids_for(user).filter(team_id__in=teams).values_list("team_id", flat=True)
    return set(held) == teams


def export_file(export: ProjectExport) -> Iterator[bytes]:
    chunks = export.chunks.order_by("number").values_list("data", flat=True)
    for data in chunks.iterator(chunk_size=4):
        yield zlib.decompress(bytes(data))


def exports_prune(*, now=None) -> int:
    """Drop exports older than EXPORT_KEEP_HOURS; a build that died is marked failed."""
    now = now or timezone.now()
    ProjectExport.objects.filter(
        status=ExportStatus.BUILDING, created_at__lt=now - timedelta(hours=1)
    ).update(status=ExportStatus.FAILED, message="The export stopped; try again.")
    old = ProjectExport.objects.filter(
        created_at__lt=now - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    )
    deleted, _ = old.delete()
    return deleted
