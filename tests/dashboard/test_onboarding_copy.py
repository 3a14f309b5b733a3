"""Small things people expect: no offer that leads nowhere, honest messages, plain plurals."""

import re

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import AccountStatus, Project, VendorAccount
from providers.sandbox.otas import DEMO_EMAIL, DEMO_PASSWORD
from tests.factories import ProjectFactory, photon_account


def nav(client):
    return client.get(reverse("dashboard:account_list")).content.decode().split("</nav>")[0]


def test_a_viewer_is_not_offered_new_project_and_a_member_is_once(client, viewer, member):
    client.force_login(viewer)
    assert "New project" not in nav(client)
    client.force_login(member)
    assert nav(client).count("New project") == 1


def test_importing_nothing_says_so_and_one_project_is_singular(client, member, r4_account, sandbox):
    client.force_login(member)
    url = reverse("dashboard:account_import", args=[r4_account.pk])
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
    page = client.get(reverse("dashboard:account_detail", args=[r4_account.pk])).content.decode()
    assert "Import from vendor" not in page


def test_the_otas_connect_form_assumes_no_address(client, owner, team, sandbox):
    client.force_login(owner)
    url = reverse("dashboard:account_connect", args=["otas"])
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
    page = client.get(reverse("dashboard:project_list"), params).content.decode()
    assert ("Clear filters" in page) is shown


def test_count_badges_filter_the_list(client, member, r4_account):
    ProjectFactory(account=r4_account, status="created")
    ProjectFactory(account=r4_account, status="failed")
    client.force_login(member)
    page = client.get(reverse("dashboard:project_list")).content.decode()
    assert page.count('href="?status=failed"') == 1 and page.count('href="?vendor=r4"') == 1
    # relative, with the exact time on hover
    assert re.search(r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d [^"]+">just now</time>', page)


@pytest.mark.parametrize(
    ("who", "words"),
    [
        ("member", "Create the first one"),
        ("viewer", "A team member can create one."),
        ("owner", "Create the first one"),
    ],
)
def test_an_empty_list_says_what_to_do_next(client, request, r4_account, who, words):
    client.force_login(request.getfixturevalue(who))
    assert words in client.get(reverse("dashboard:project_list")).content.decode()


def test_a_team_without_accounts_is_told_how_to_begin(client, viewer):
    client.force_login(viewer)
    assert (
        "connects a vendor account"
        in client.get(reverse("dashboard:project_list")).content.decode()
    )


def test_the_project_page_shows_what_was_sent_beside_what_the_vendor_answered(
    client, member, team, sandbox
):
    photon = photon_account(team, sandbox)
    payload = {"name": "Bot", "location": "", "spectrum": True, "template": False}
    payload["platforms"] = ["imessage", "voice"]
    answered = {"spectrum": False, "spectrumProjectId": "sp-1", "status": "active"}
    project = ProjectFactory(account=photon, payload=payload, vendor_response=answered)
    client.force_login(member)
    page = client.get(
        reverse("dashboard:project_detail", args=[project.reference])
    ).content.decode()
    rows = re.findall(r'<tr(?: class="differs")?><th scope="row">(.*?)</th><td>(.*?)</td>', page)
    assert ("Spectrum", "Yes") in rows and ("Template", "No") in rows
    assert ("Platforms", "iMessage, Voice") in rows and ("Spectrum project id", "—") in rows
    assert '<tr class="differs"><th scope="row">Spectrum</th><td>Yes</td><td>No' in page
    assert page.count('<th scope="row">Spectrum</th>') == 1 and ">spectrum<" not in page


def test_an_answer_under_another_key_lines_up_with_its_field(team):
    from dashboard.listing.comparison import sent_and_answered
    from dashboard.models import VendorAccount

    otas = VendorAccount.objects.create(team=team, vendor="otas", label="O", base_url="http://x")
    payload = {"project_name": "A", "project_domain": "https://a.example"}
    project = ProjectFactory(
        account=otas, payload=payload, vendor_response={"domain": "https://a.example"}
    )
    rows = {row.label: (row.sent, row.answered) for row in sent_and_answered(project)}
    assert rows == {"Name": ("A", "—"), "Domain": ("https://a.example", "https://a.example")}
