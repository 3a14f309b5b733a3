"""Photon projects in the dashboard: create with every field, errors, reveal and regenerate."""

import uuid

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import AccountStatus, AuditEvent, Project, ProjectStatus
from tests import factories
from tests.factories import R4AccountFactory


@pytest.fixture
def photon_account(team, owner, sandbox):
    return factories.photon_account(
        team, sandbox, created_by=owner, credential_hint="token ••••abcd"
    )


def create_via_view(client, account, **fields):
    data = {
        "account": account.pk,
        "idempotency_key": str(uuid.uuid4()),
        "name": "Support bot",
        "location": "United States",
        **fields,
    }
    return client.post(reverse("dashboard:project_new"), data, HTTP_HX_REQUEST="true")


def test_create_with_every_field_through_the_form(client, member, photon_account, sandbox):
    client.force_login(member)
    form = client.get(
        reverse("dashboard:project_new"), {"account": photon_account.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert (
        'value="United States"' in form
        and 'value="whatsapp_business"' in form
        and 'name="spectrum"' in form
    )
    response = create_via_view(
        client,
        photon_account,
        spectrum="on",
        observability="on",
        platforms=["imessage", "whatsapp_business"],
    )
    project = Project.objects.get()
    assert response["HX-Redirect"] == reverse("dashboard:project_detail", args=[project.reference])
    assert sandbox.calls("photon", method="POST")[-1]["json"] == {
        "name": "Support bot",
        "location": "United States",
        "spectrum": True,
        "template": False,
        "observability": True,
        "platforms": ["imessage", "whatsapp_business"],
    }
    assert project.status == ProjectStatus.CREATED and project.secrets["projectSecret"].startswith(
        "ps_"
    )
    assert project.vendor_response["status"] == "running"
    page = client.get(response["HX-Redirect"]).content.decode()
    assert project.secrets["projectSecret"] not in page and "••••••••" in page
    assert "Reveal" not in page.split('id="project-secrets"')[1].split("</section>")[0].replace(
        "Team admins can reveal", ""
    )


def test_an_unknown_platform_is_refused_before_any_call(client, member, photon_account, sandbox):
    client.force_login(member)
    response = create_via_view(client, photon_account, platforms=["imessage", "fax"])
    assert (
        response.status_code == 200
        and Project.objects.count() == 0
        and sandbox.calls("photon") == []
    )


def test_error_with_status_200_is_recorded_as_failed_and_shown(
    client, member, photon_account, sandbox
):
    sandbox.vendors["photon"].create_shape = "error200"
    client.force_login(member)
    html = create_via_view(client, photon_account).content.decode()
    assert "Project limit reached" in html
    assert Project.objects.get().status == ProjectStatus.FAILED


def test_a_422_shows_on_the_field_it_names(client, member, photon_account, sandbox, monkeypatch):
    from providers.sandbox.photon import _validation

    monkeypatch.setattr(
        sandbox.vendors["photon"],
        "_create",
        lambda user, request: _validation("location", "Unsupported region"),
    )
    client.force_login(member)
    html = create_via_view(client, photon_account, location="Atlantis").content.decode()
    feedback = html.split('id="feedback-location"')[1].split("</div>")[0]
    assert "Unsupported region" in feedback


def test_a_401_marks_the_account_for_reconnection(client, member, photon_account, sandbox):
    sandbox.vendors["photon"].signing_secret = "rotated"
    client.force_login(member)
    create_via_view(client, photon_account)
    photon_account.refresh_from_db()
    assert photon_account.status == AccountStatus.NEEDS_RECONNECT


@pytest.fixture
def secret_project(photon_account, member, sandbox):
    return services.project_create(
        account=photon_account,
        user=member,
        idempotency_key=uuid.uuid4(),
        data={"name": "Bot", "spectrum": True},
    )


def test_an_admin_reveals_the_secret_once_and_it_is_audited(client, owner, secret_project):
    client.force_login(owner)
    url = reverse("dashboard:project_secret_reveal", args=[secret_project.reference])
    response = client.post(url, {"name": "projectSecret"}, HTTP_HX_REQUEST="true")
    value = secret_project.secrets["projectSecret"]
    assert value in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert 'hx-history="false"' in response.content.decode()
    event = AuditEvent.objects.get(action="project.secret_revealed")
    assert event.actor == owner and value not in event.summary
    assert (
        value
        not in client.get(
            reverse("dashboard:project_detail", args=[secret_project.reference])
        ).content.decode()
    )


@pytest.mark.parametrize("role", ["member", "viewer", "outsider"])
def test_reveal_and_regenerate_are_404_for_everyone_but_admins(
    client, secret_project, role, request, sandbox
):
    client.force_login(request.getfixturevalue(role))
    reference = secret_project.reference
    assert (
        client.post(
            reverse("dashboard:project_secret_reveal", args=[reference]), {"name": "projectSecret"}
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("dashboard:project_secret_regenerate", args=[reference])).status_code
        == 404
    )
    assert (
        client.post(reverse("dashboard:project_secret_regenerate", args=[reference])).status_code
        == 404
    )
    assert not AuditEvent.objects.filter(action__startswith="project.secret").exists()
    assert (
        len(
            sandbox.calls(
                "photon", path=f"/api/projects/{secret_project.remote_id}/regenerate-secret"
            )
        )
        == 0
    )


def test_regenerate_after_confirmation_stores_the_new_secret(
    client, owner, secret_project, sandbox
):
    client.force_login(owner)
    url = reverse("dashboard:project_secret_regenerate", args=[secret_project.reference])
    assert b"stops working" in client.get(url).content
    old = secret_project.secrets["projectSecret"]
    client.post(url)
    new = Project.objects.get().secrets["projectSecret"]
    assert (
        new != old
        and new == sandbox.vendors["photon"].projects[secret_project.remote_id]["projectSecret"]
    )
    assert AuditEvent.objects.filter(action="project.secret_regenerated", actor=owner).exists()


def test_r4_projects_offer_no_regeneration(client, owner, team, sandbox):
    from tests.factories import ProjectFactory

    project = ProjectFactory(account=R4AccountFactory(team=team), secrets={"x": "y"})
    client.force_login(owner)
    assert (
        client.get(
            reverse("dashboard:project_secret_regenerate", args=[project.reference])
        ).status_code
        == 404
    )
