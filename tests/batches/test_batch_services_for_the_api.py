"""What the API needs of the batch services: a create that happens once per reference, and
a refused send that keeps its fresh verdicts (the API's 422 lists them)."""

import uuid

import pytest

from dashboard import services
from dashboard.models import AccountStatus, Batch, BatchRow, BatchSource, Project
from dashboard.services import RowInput, ServiceError


def rows(account, *names):
    return [RowInput(account=str(account.pk), fields={"name": name}) for name in names]


def test_a_create_with_a_reference_happens_once(team, member, r4_account, sandbox):
    reference = uuid.uuid4()
    first = services.batch_create(
        team=team, user=member, name="Launch", source=BatchSource.API,
        rows=rows(r4_account, "a", "b"), reference=reference,
    )  # fmt: skip
    again = services.batch_create(
        team=team, user=member, name="Launch", source=BatchSource.API,
        rows=rows(r4_account, "a", "b"), reference=reference,
    )  # fmt: skip
    assert first.reference == reference and again.pk == first.pk
    assert Batch.objects.count() == 1 and BatchRow.objects.count() == 2


def test_a_refused_send_keeps_the_verdicts_it_found(team, member, r4_account, sandbox):
    batch = services.batch_create(
        team=team, user=member, name="Launch", source=BatchSource.API, rows=rows(r4_account, "a")
    )
    assert BatchRow.objects.get().errors == {}
    # Since the preview, the account lost its credentials: the send finds it, and says so.
    r4_account.status = AccountStatus.NEEDS_RECONNECT
    r4_account.save(update_fields=["status"])
    with pytest.raises(ServiceError, match="1 of 1 rows have errors"):
        services.batch_send(batch=batch, user=member)
    assert "reconnect it" in BatchRow.objects.get().errors["account"][0]
    assert Project.objects.count() == 0 and sandbox.calls() == []
