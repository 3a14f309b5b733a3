"""Small things people expect: no offer that leads nowhere, honest messages, plain plurals."""

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import AccountStatus, Project, VendorAccount
from providers.sandbox.otas import DEMO_EMAIL, DEMO_PASSWORD


def nav(client):
    return client.get(reverse("account_list")).content.decode().split("</nav>")[0]


def test_a_viewer_is_not_offered_new_project_and_a_member_is_once(client, viewer, member):
    client.force_login(viewer)
    assert "New project" not in nav(client)
    client.force_login(member)
    assert nav(client).count("New project") == 1


def test_importing_nothing_says_so_and_one_project_is_singular(client, member, r4_account, sandbox):
    client.force_login(member)
    url = reverse("account_import", args=[r4_account.pk])
    page = client.post(url, {}, follow=True).content.decode()
    assert "Nothing was selected" in page and "Imported 0" not in page
    made = sandbox.vendors["r4"]
    project = services.project_create(
        account=r4_account,
        user=member,
        data={"name": "Made"},
        idempotency_key="6f1c1a0e-2222-4a4a-9b9b-000000000002",
    )
    Project.objects.all().delete()
    assert made.projects["team0001"][project.remote_id]
    page = client.post(url, {"remote_id": project.remote_id}, follow=True).content.decode()
    assert "Imported 1 project from" in page and "project(s)" not in page


def test_a_disconnected_account_offers_no_import(client, owner, r4_account):
    VendorAccount.objects.filter(pk=r4_account.pk).update(status=AccountStatus.DISCONNECTED)
    client.force_login(owner)
    page = client.get(reverse("account_detail", args=[r4_account.pk])).content.decode()
    assert "Import from vendor" not in page


def test_the_otas_connect_form_assumes_no_address(client, owner, team, sandbox):
    client.force_login(owner)
    url = reverse("account_connect", args=["otas"])
    page = client.get(url).content.decode()
    assert "localhost:8000" not in page and "your own OTAS server" in page
    refused = client.post(
        url,
        {
            "team": team.pk,
            "label": "OTAS",
            "base_url": "",
            "email": DEMO_EMAIL,
            "password": DEMO_PASSWORD,
        },
    ).content.decode()
    assert "Enter an http:// or https:// address." in refused
    assert VendorAccount.objects.count() == 0


@pytest.mark.parametrize(("params", "shown"), [({}, False), ({"status": "created"}, True)])
def test_clear_filters_appears_only_when_something_is_filtered(client, member, params, shown):
    client.force_login(member)
    page = client.get(reverse("project_list"), params).content.decode()
    assert ("Clear filters" in page) is shown
