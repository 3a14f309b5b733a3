"""Django admin shows an account's policy and approval rule on the account's page, read
only (they change, audited, on the dashboard's pages), and a label edit still saves."""

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import AccountPolicy, ApprovalMode, ApprovalRule, AuditAction, AuditEvent
from tests.batches.html import parse
from tests.factories import UserFactory
from tests.policies.conftest import ENV_APP

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))


@pytest.fixture
def governed(r4_account, owner, strict):
    services.approval_rule_save(
        account=r4_account, user=owner, mode=ApprovalMode.PATTERN, pattern=r"^prod-"
    )
    return r4_account


def test_the_account_page_shows_both_once_and_offers_no_field_to_change_them(
    client, operator, governed
):
    page = client.get(reverse("admin:dashboard_vendoraccount_change", args=[governed.pk]))
    assert page.status_code == 200
    tree = parse(page.content)
    headings = [h.text for h in tree.find_all("h2")]
    assert headings.count("Team policy") == 1 and headings.count("Approval rule") == 1
    html = page.content.decode()
    assert ENV_APP.replace("|", "|") in html and "^prod-" in html
    assert f'href="/accounts/{governed.pk}/policy/"' in html
    assert f'href="/accounts/{governed.pk}/approval/"' in html
    named = {i.attrs.get("name", "") for i in tree.find_all("input") + tree.find_all("textarea")}
    assert not any("pattern" in name or "mode" in name for name in named), named


def test_a_label_edit_saves_and_leaves_the_rules_as_they_were(client, operator, governed):
    url = reverse("admin:dashboard_vendoraccount_change", args=[governed.pk])
    tree = parse(client.get(url).content)
    form = {
        i.attrs["name"]: i.attrs.get("value") or ""
        for i in tree.find_all("input")
        if i.attrs.get("name") and i.attrs.get("type") not in ("submit", "checkbox")
    }
    # What a person would try: the rules' fields, posted by hand, change nothing.
    form |= {"label": "Renamed", "policy-0-name_pattern": ".*", "approval_rule-0-mode": "none"}
    answer = client.post(url, form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    governed.refresh_from_db()
    assert governed.label == "Renamed"
    assert AccountPolicy.objects.get(account=governed).name_pattern == ENV_APP
    assert ApprovalRule.objects.get(account=governed).mode == ApprovalMode.PATTERN
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_EDITED).count() == 1


def test_an_account_without_rules_shows_neither(client, operator, r4_account):
    page = client.get(reverse("admin:dashboard_vendoraccount_change", args=[r4_account.pk]))
    headings = [h.text for h in parse(page.content).find_all("h2")]
    assert "Team policy" not in headings and "Approval rule" not in headings
