"""The team's rules in a batch's preview (and again at its send): each row judged as a
single create is, the defaults in what it would send."""

import pytest

from dashboard import services
from dashboard.models import BatchSource, Project
from dashboard.services import RowInput, ServiceError
from tests.policies.conftest import SLOW_NAME

pytestmark = pytest.mark.django_db


def preview(team, user, account, *rows):
    batch = services.batch_create(
        team=team,
        user=user,
        name="Launch",
        source=BatchSource.CSV,
        rows=[RowInput(account=str(account.pk), fields=fields) for fields in rows],
    )
    return batch, {row.number: row for row in batch.rows.all()}


def test_a_pattern_as_an_error(team, member, strict, r4_account, sandbox):
    batch, rows = preview(
        team, member, r4_account, {"name": "Billing", "description": "x"},
        {"name": "dev-billing", "description": "x"},
    )  # fmt: skip
    assert rows[1].errors == {"name": ["Team rule: names must be env-app, lowercase."]}
    assert rows[2].errors == {}
    with pytest.raises(ServiceError, match="1 of 2 rows have errors"):
        services.batch_send(batch=batch, user=member)
    assert Project.objects.count() == 0 and sandbox.calls() == []


def test_a_pattern_as_advice(team, member, advisory, r4_account, sandbox):
    _, rows = preview(team, member, r4_account, {"name": "Billing"})
    assert rows[1].errors == {}
    assert rows[1].advice["name"] == ["Team advice: names should be env-app, lowercase."]


def test_required_fields(team, member, strict, r4_account, sandbox):
    _, rows = preview(
        team, member, r4_account, {"name": "dev-a"}, {"name": "dev-b", "description": ""}
    )
    for row in rows.values():
        assert row.errors == {"description": ["Team rule: Description is required."]}


def test_defaults_are_what_a_row_sends_when_it_leaves_the_field_out(
    team, member, strict, r4_account, sandbox
):
    batch, _ = preview(
        team, member, r4_account, {"name": "dev-a", "description": "d"},
        {"name": "dev-b", "description": "d", "externalId": "mine"},
    )  # fmt: skip
    services.batch_send(batch=batch, user=member)
    sent = dict(Project.objects.values_list("name", "payload__externalId"))
    assert sent == {"dev-a": "team-ext", "dev-b": "mine"}


def test_a_runaway_pattern_is_stopped_by_its_time_limit(team, member, runaway, r4_account, sandbox):
    _, rows = preview(team, member, r4_account, {"name": SLOW_NAME}, {"name": "abab"})
    assert rows[1].errors["name"][0].startswith("Team rule: this name took too long")
    assert rows[2].errors == {}


def test_a_policy_set_after_the_preview_is_judged_at_the_send(
    team, member, owner, r4_account, sandbox
):
    from tests.policies.conftest import set_policy

    batch, rows = preview(team, member, r4_account, {"name": "Billing"})
    assert rows[1].errors == {}
    set_policy(r4_account, owner)
    with pytest.raises(ServiceError):
        services.batch_send(batch=batch, user=member)
    assert batch.rows.get().errors == {"name": ["Team rule: names must be env-app, lowercase."]}
    assert Project.objects.count() == 0 and sandbox.calls() == []
