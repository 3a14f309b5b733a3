"""The batch services end to end on the immediate queue: preview, send once, the rows'
keys, cancel and retry, against the sandbox over HTTP."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import services
from dashboard.listing.batches import batch_progress
from dashboard.models import (
    AuditAction,
    AuditEvent,
    Batch,
    BatchSource,
    BatchStatus,
    Project,
)
from dashboard.services import RowInput, ServiceError


def rows(account, *names, **fields):
    return [RowInput(account=str(account.pk), fields={"name": n, **fields}) for n in names]


def test_preview_checks_every_row_and_calls_no_vendor(team, member, r4_account, sandbox):
    given = [
        *rows(r4_account, "checkout-dev", "checkout-dev"),
        RowInput(account="nope", fields={"name": "x"}),
        RowInput(account=r4_account.label, fields={"name": "a\x1bb"}),
        RowInput(account=str(r4_account.pk), fields={"name": 5}),
        RowInput(account=str(r4_account.pk), fields={"name": "ok", "colour": "red"}),
    ]
    batch = services.batch_create(
        team=team, user=member, name="Launch", source=BatchSource.CSV, rows=given
    )
    by_number = {row.number: row for row in batch.rows.all()}
    assert "same name" in by_number[1].errors["name"][0]
    assert "Row 1" in by_number[2].errors["name"][0]
    assert "No account" in by_number[3].errors["account"][0]
    assert "control characters" in by_number[4].errors["name"][0]
    assert "must be a string" in by_number[5].errors["name"][0]
    assert "Not a field" in by_number[6].errors["colour"][0]
    assert sandbox.calls() == []
    assert Project.objects.count() == 0


def test_send_twice_sends_once_with_the_rows_keys(team, member, r4_account, sandbox):
    batch = services.batch_create(
        team=team,
        user=member,
        name="Launch",
        source=BatchSource.CSV,
        rows=rows(r4_account, "a-dev", "a-prod", "b-dev"),
    )
    assert sandbox.calls() == []
    sent = services.batch_send(batch=batch, user=member)
    again = services.batch_send(batch=batch, user=member)
    assert again.pk == sent.pk
    projects = list(Project.objects.filter(batch=batch).order_by("pk"))
    assert [p.name for p in projects] == ["a-dev", "a-prod", "b-dev"]
    assert [p.idempotency_key for p in projects] == [batch.row_key(n) for n in (1, 2, 3)]
    assert {p.status for p in projects} == {"created"}
    assert len(sandbox.calls("r4", method="POST")) == 3
    sent.refresh_from_db()
    assert sent.status == BatchStatus.DONE
    progress = batch_progress(sent)
    assert (progress.created, progress.done, progress.percent) == (3, True, 100)
    actions = list(AuditEvent.objects.filter(target_type="Batch").values_list("action", flat=True))
    assert sorted(actions) == sorted([AuditAction.BATCH_SENT, AuditAction.BATCH_FINISHED])


def test_invalid_rows_block_the_send_unless_skipped(team, member, r4_account, sandbox):
    given = [*rows(r4_account, "good"), RowInput(account=str(r4_account.pk), fields={})]
    batch = services.batch_create(
        team=team, user=member, name="Launch", source=BatchSource.CSV, rows=given
    )
    with pytest.raises(ServiceError, match="1 of 2 rows have errors"):
        services.batch_send(batch=batch, user=member)
    assert Project.objects.count() == 0 and sandbox.calls() == []
    services.batch_send(batch=batch, user=member, skip_invalid=True)
    assert list(Project.objects.values_list("name", flat=True)) == ["good"]


def test_a_viewer_cannot_make_or_send_a_batch(team, viewer, member, r4_account):
    with pytest.raises(ServiceError):
        services.batch_create(
            team=team, user=viewer, name="x", source=BatchSource.CSV, rows=rows(r4_account, "a")
        )
    batch = services.batch_create(
        team=team, user=member, name="x", source=BatchSource.CSV, rows=rows(r4_account, "a")
    )
    with pytest.raises(ServiceError):
        services.batch_send(batch=batch, user=viewer)
    assert Project.objects.count() == 0


def test_a_rate_limited_row_waits_and_is_sent_after_the_pause(
    team, member, r4_account, sandbox, settings
):
    sandbox.inject("rate_limit", vendor="r4", times=1)
    batch = services.batch_create(
        team=team, user=member, name="x", source=BatchSource.CSV, rows=rows(r4_account, "a")
    )
    services.batch_send(batch=batch, user=member)
    project = Project.objects.get()
    assert project.status == "pending" and project.attempted_at is None  # waits, not failed
    r4_account.throttle.refresh_from_db()
    assert r4_account.throttle.paused_until is not None
    r4_account.throttle.paused_until = None
    r4_account.throttle.save()
    # Its senders start again once the pause is over; on the immediate queue, the sweep.
    services.projects_sweep(now=timezone.now() + timedelta(seconds=300))
    project.refresh_from_db()
    assert project.status == "created"
    assert len(sandbox.calls("r4", method="POST")) == 2


@pytest.mark.parametrize(
    ("account", "fields", "where"),
    [
        ("1", {"name": "a\x00b"}, "Row 2: “name”"),
        ("R4\x00", {"name": "ok"}, "Row 2: the account"),
        ("1", {"na\x00me": "ok"}, "Row 2: “name”"),
        ("1", {"platforms": ["ok", "\ud800"]}, "Row 2: “platforms”"),
    ],
)
def test_text_no_database_stores_is_refused_before_anything_is(
    team, member, r4_account, sandbox, account, fields, where
):
    """A NUL (PostgreSQL refuses it) or a lone surrogate: the whole batch is refused, by row."""
    given = [*rows(r4_account, "fine"), RowInput(account=account, fields=fields)]
    with pytest.raises(ServiceError) as refused:
        services.batch_create(team=team, user=member, name="x", source=BatchSource.CSV, rows=given)
    assert refused.value.message.startswith(where), refused.value.message
    assert not Batch.objects.exists() and sandbox.calls() == []


def test_a_fix_that_cannot_be_stored_is_refused_at_its_field(team, member, r4_account):
    batch = services.batch_create(
        team=team, user=member, name="x", source=BatchSource.CSV, rows=rows(r4_account, "a")
    )
    row = batch.rows.get()
    with pytest.raises(ServiceError) as refused:
        services.batch_row_update(
            row=row, user=member, account=str(r4_account.pk), fields={"name": "b\x00"}
        )
    assert "NUL" in refused.value.field_errors["name"]
    row.refresh_from_db()
    assert row.data == {"name": "a"}
