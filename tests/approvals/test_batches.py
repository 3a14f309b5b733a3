"""A batch row that an approval rule holds waits like a single create; the batch counts it
and is done only once every held row is decided."""

import pytest

from dashboard import services
from dashboard.listing.batches import batch_progress
from dashboard.models import (
    AuditAction,
    AuditEvent,
    Batch,
    BatchStatus,
    EventType,
    OutboxEvent,
    Project,
    ProjectStatus,
)

pytestmark = pytest.mark.django_db


def _project(name: str) -> Project:
    return Project.objects.get(name=name)


def test_matching_rows_wait_and_the_rest_are_sent(sent_batch, sandbox):
    assert _project("dev-one").status == ProjectStatus.CREATED
    assert _project("prod-two").status == ProjectStatus.AWAITING
    assert [c["json"]["name"] for c in sandbox.calls("r4", method="POST")] == ["dev-one"]
    progress = batch_progress(sent_batch)
    assert (progress.awaiting, progress.created, progress.done) == (2, 1, False)
    assert Batch.objects.get(pk=sent_batch.pk).status == BatchStatus.SENT
    assert OutboxEvent.objects.filter(type=EventType.PROJECT_AWAITING_APPROVAL).count() == 2
    held = AuditEvent.objects.filter(action=AuditAction.PROJECT_AWAITING_APPROVAL)
    assert held.count() == 2


def test_approving_sends_a_row_in_its_turn_and_the_batch_ends_when_all_are_decided(
    sent_batch, approver, sandbox
):
    services.project_approve(project=_project("prod-two"), user=approver)
    assert _project("prod-two").status == ProjectStatus.CREATED
    assert len(sandbox.calls("r4", method="POST")) == 2
    assert Batch.objects.get(pk=sent_batch.pk).status == BatchStatus.SENT
    services.project_reject(project=_project("prod-three"), user=approver)
    batch = Batch.objects.get(pk=sent_batch.pk)
    assert batch.status == BatchStatus.DONE
    progress = batch_progress(batch)
    assert (progress.created, progress.not_approved, progress.done) == (2, 1, True)
    assert len(sandbox.calls("r4", method="POST")) == 2


def test_the_batch_page_counts_held_rows(client, sent_batch, member):
    client.force_login(member)
    html = client.get(sent_batch.get_absolute_url()).content.decode()
    assert "Awaiting approval</span></a> 2" in html
    rows = client.get(sent_batch.get_absolute_url(), {"show": "awaiting"}).content.decode()
    assert "prod-two" in rows and "prod-three" in rows and "dev-one" not in rows
