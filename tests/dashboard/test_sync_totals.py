"""An account sync's counts add up field by field, so the command's totals miss none."""

import io
from dataclasses import asdict, fields

from django.core.management import call_command

from dashboard import services
from dashboard.services import SyncTotals


def test_adding_totals_adds_every_field():
    names = [field.name for field in fields(SyncTotals)]
    first = SyncTotals(**{name: index for index, name in enumerate(names, start=1)})
    second = SyncTotals(**{name: 100 * index for index, name in enumerate(names, start=1)})
    kept = first

    first += second

    assert first is kept  # in place, as `grand += totals` needs
    assert asdict(first) == {name: 101 * index for index, name in enumerate(names, start=1)}
    assert asdict(second) == {name: 100 * index for index, name in enumerate(names, start=1)}


def test_the_command_prints_the_sum_of_every_accounts_totals(r4_account, sandbox, monkeypatch):
    from tests.factories import R4AccountFactory

    R4AccountFactory(team=r4_account.team, base_url=sandbox.base_url("r4"), access_id="team0001")
    per_account = SyncTotals(listed=9, refreshed=2, changed=1, waiting=3, not_provable=4)
    monkeypatch.setattr(services, "account_sync", lambda *, account: per_account)
    out = io.StringIO()

    call_command("sync_projects", stdout=out)

    assert (
        "Totals: accounts 2, errors 0, refreshed 4, changed 2, missing 0, refused 0, "
        "reconciled 0, failed reconcile 0, waiting 6, still unknown 0, unreadable rows 0, "
        "not provable 8"
    ) in out.getvalue()
