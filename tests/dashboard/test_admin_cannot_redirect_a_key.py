"""An operator in Django admin cannot send a team's stored key to another host.

Where an account is reached and whether it is connected are read only; a new base URL
comes only with new credentials verified there, outside any transaction; every edit is
audited with who and what, never the secret.
"""

from html import unescape

import pytest
from django.db import connection
from django.urls import reverse

from dashboard.models import AccountStatus, AuditEvent, VendorAccount
from providers.registry import get_provider
from providers.sandbox.r4 import mint_key
from tests.dashboard.test_admin_oversight import ACCOUNTS, run_action, staff
from tests.factories import R4AccountFactory

NEW_KEY = mint_key("admin001")


def change_url(account) -> str:
    return reverse("admin:dashboard_vendoraccount_change", args=[account.pk])


def replace_url(account) -> str:
    return reverse("admin:dashboard_vendoraccount_replace_credentials", args=[account.pk])


@pytest.fixture
def operator_user(db):
    return staff("view_vendoraccount", "change_vendoraccount")


@pytest.fixture
def operator(client, operator_user):
    client.force_login(operator_user)
    return client


@pytest.mark.parametrize(
    "elsewhere", ["{sandbox}/r4/collect", "https://user:pass@evil.example/collect?to=me"]
)
def test_an_operator_can_neither_move_an_account_nor_mark_it_connected(
    operator, operator_user, r4_account, sandbox, elsewhere
):
    VendorAccount.objects.filter(pk=r4_account.pk).update(status=AccountStatus.NEEDS_RECONNECT)
    posted = {
        "label": "Renamed",
        "base_url": elsewhere.format(sandbox=sandbox.url),
        "status": AccountStatus.ACTIVE,
    }

    assert operator.post(change_url(r4_account), posted).status_code == 302

    account = VendorAccount.objects.get()
    assert account.base_url == r4_account.base_url
    assert account.status == AccountStatus.NEEDS_RECONNECT and account.label == "Renamed"
    event = AuditEvent.objects.get(action="account.edited")
    assert event.actor == operator_user
    assert event.summary == f"Label changed: “{r4_account.label}” → “Renamed”."
    # The next vendor call goes where it always went: nothing reached the other address.
    run_action(operator, ACCOUNTS, "verify_now", [account])
    assert [(c["vendor"], c["path"]) for c in sandbox.calls()] == [("r4", "/api/v1/machine/me")]


def test_the_change_page_offers_no_base_url_or_status_input(operator, r4_account, sandbox):
    page = operator.get(change_url(r4_account)).content.decode()
    assert 'name="label"' in page
    assert 'name="base_url"' not in page and 'name="status"' not in page
    assert replace_url(r4_account) in page and "rk_team0001.••••" in page
    assert r4_account.credentials["api_key"] not in page


def test_a_bad_label_is_refused_and_an_unchanged_save_is_not_audited(operator, r4_account, sandbox):
    as_before = {"base_url": r4_account.base_url, "status": r4_account.status}
    refused = operator.post(change_url(r4_account), {**as_before, "label": "Bell\x07"})
    assert refused.status_code == 200 and VendorAccount.objects.get().label == r4_account.label
    unchanged = operator.post(change_url(r4_account), {**as_before, "label": r4_account.label})
    assert unchanged.status_code == 302
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_new_base_url_comes_only_with_credentials_verified_there_outside_a_transaction(
    client, team, sandbox, monkeypatch
):
    account = R4AccountFactory(team=team)  # at an address where nothing answers
    old_url = account.base_url
    operator = staff("view_vendoraccount", "change_vendoraccount")
    client.force_login(operator)
    provider_class = type(get_provider("r4"))
    real_connect = provider_class.connect
    in_transaction = []

    def connect(self, **kwargs):
        in_transaction.append(connection.in_atomic_block)
        return real_connect(self, **kwargs)

    monkeypatch.setattr(provider_class, "connect", connect)

    response = client.post(
        replace_url(account), {"base_url": sandbox.base_url("r4"), "api_key": NEW_KEY}
    )

    assert response.status_code == 302
    assert in_transaction == [False]
    account.refresh_from_db()
    assert account.base_url == sandbox.base_url("r4") and account.credentials["api_key"] == NEW_KEY
    assert [c["headers"]["x-api-key"] for c in sandbox.calls("r4")] == [NEW_KEY]
    event = AuditEvent.objects.get(action="account.replaced")
    assert event.actor == operator
    assert f"Base URL: {old_url} → {sandbox.base_url('r4')}." in event.summary
    assert NEW_KEY.split(".")[1] not in event.summary


@pytest.mark.parametrize(
    ("base_url", "error"),
    [
        ("https://user:pass@evil.example/collect", "Don't put credentials in the address."),
        ("{sandbox}/r4/api/v1/machine?to=me", "Leave out ? and # parts."),
    ],
)
def test_a_bad_base_url_with_new_credentials_is_refused_before_any_call(
    operator, r4_account, sandbox, base_url, error
):
    response = operator.post(
        replace_url(r4_account),
        {"base_url": base_url.format(sandbox=sandbox.url), "api_key": NEW_KEY},
    )
    assert response.status_code == 200 and error in unescape(response.content.decode())
    assert sandbox.calls() == []
    account = VendorAccount.objects.get()
    assert account.base_url == r4_account.base_url
    assert account.credentials == r4_account.credentials
    assert not AuditEvent.objects.exists()


def test_only_staff_who_may_change_accounts_open_the_replace_page(client, r4_account, sandbox):
    client.force_login(staff("view_vendoraccount"))
    assert client.get(replace_url(r4_account)).status_code == 403
    assert client.post(replace_url(r4_account), {"api_key": NEW_KEY}).status_code == 403
    assert sandbox.calls() == []
