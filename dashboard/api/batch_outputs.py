"""Batches as the API shows them: counts, progress once sent, and rows by number."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from dashboard.listing.batches import batch_progress, row_state
from dashboard.models import Batch, BatchRow, BatchStatus
from dashboard.services.batches import row_counts
from providers.registry import get_provider

_DETAIL_STUB = "00000000-0000-0000-0000-000000000000"


def batch_url(reference) -> str:
    return reverse("api:batch_detail", args=[_DETAIL_STUB]).replace(_DETAIL_STUB, str(reference))


def batch_summary(batch: Batch) -> dict:
    return {
        "reference": str(batch.reference),
        "name": batch.name,
        "status": batch.status,
        "source": batch.source,
        "created_at": batch.created_at,
        "sent_at": batch.sent_at,
        "finished_at": batch.finished_at,
        "url": batch_url(batch.reference),
    }


def batch_out(batch: Batch) -> dict:
    progress = None
    if batch.status != BatchStatus.DRAFT:
        progress = batch_progress(batch).as_dict()
    return {**batch_summary(batch), "counts": row_counts(batch), "progress": progress}


def batch_created(batch: Batch) -> dict:
    """The batch and the preview's verdict on each row that has something to say."""
    rows = batch.rows.exclude(Q(errors={}) & Q(advice={})).order_by("number")
    verdicts = [
        {
            "number": row.number,
            "account": _account_id(row),
            "errors": row.errors,
            "advice": row.advice,
        }
        for row in rows.only("number", "account_id", "errors", "advice")
    ]
    return {**batch_out(batch), "rows": verdicts}


def row_out(row: BatchRow) -> dict:
    project = row.project
    if project is not None:
        name, error = project.name, project.error_message
    else:
        name_field = get_provider(row.account.vendor).name_field if row.account else "name"
        given = row.data.get(name_field) if isinstance(row.data, dict) else None
        name = given if isinstance(given, str) else ""
        error = " ".join(message for messages in row.errors.values() for message in messages)
    return {
        "number": row.number,
        "account": _account_id(row),
        "name": name,
        "state": row_state(row),
        "project": str(project.reference) if project else None,
        "error": error,
        "errors": row.errors,
    }


def _account_id(row: BatchRow) -> str | None:
    return str(row.account_id) if row.account_id else None
