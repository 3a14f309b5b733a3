"""Photon in the dashboard: device sign-in (controlled clock), create, reveal and regenerate."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard import services
from dashboard.models import (
    AccountStatus,
    AuditEvent,
    DeviceLogin,
    Project,
    ProjectStatus,
    VendorAccount,
)
from providers.sandbox.photon import mint_token
from tests.factories import R4AccountFactory

T0 = timezone.now().replace(microsecond=0)


@pytest.fixture
def stand_in(sandbox):
    photon = sandbox.vendors["photon"]
    photon.enforce_interval = False  # the clock here is ours, not the wall's
    return photon


def start(team, owner, sandbox, **kwargs):
    return services.device_login_start(
        team=team,
        user=owner,
        vendor="photon",
        label="Photon main",
        base_url=sandbox.base_url("photon"),
        now=T0,
        **kwargs,
    )


def token_calls(sandbox):
    return sandbox.calls("photon", path="/api/auth/device/token")


def at(seconds):
    return T0 + timedelta(seconds=seconds)


# --- device sign-in rules --------------------------------------------------------------


def test_start_keeps_the_device_code_encrypted_server_side(team, owner, sandbox, stand_in):
    login = start(team, owner, sandbox)
    assert login.secrets["device_code"] and len(login.user_code) == 9
    assert (login.interval, login.expires_at) == (5, at(1800))
    assert AuditEvent.objects.filter(action="device_login.started").exists()


def test_the_vendor_interval_is_respected(team, owner, sandbox, stand_in):
    login = start(team, owner, sandbox)
    services.device_login_poll(login=login, now=at(4))
    assert token_calls(sandbox) == []
    services.device_login_poll(login=login, now=at(5))
    assert len(token_calls(sandbox)) == 1
    services.device_login_poll(login=login, now=at(9))  # a second tab, too soon
    assert len(token_calls(sandbox)) == 1
    services.device_login_poll(login=login, now=at(10))
    assert len(token_calls(sandbox)) == 2


def test_slow_down_adds_five_seconds_each_time(team, owner, sandbox, stand_in):
    login = start(team, owner, sandbox)
    stand_in.scripted_token_answers = ["slow_down", "slow_down"]
    login = services.device_login_poll(login=login, now=at(5))
    assert login.interval == 10 and login.next_poll_at == at(15)
    services.device_login_poll(login=login, now=at(14))
    assert len(token_calls(sandbox)) == 1
    login = services.device_login_poll(login=login, now=at(15))
    assert login.interval == 15 and login.next_poll_at == at(30)
    assert login.status == "pending"


def test_http_429_adds_ten_seconds(team, owner, sandbox, stand_in):
    login = start(team, owner, sandbox)
    stand_in.scripted_token_answers = [429]
    login = services.device_login_poll(login=login, now=at(5))
    assert login.interval == 15 and login.next_poll_at == at(20) and login.status == "pending"


@pytest.mark.parametrize(
    ("answer", "status", "words"),
    [
        ("access_denied", "denied", "denied"),
        ("expired_token", "expired", "expired"),
        ("invalid_grant", "failed", "ended the sign-in"),
    ],
)
def test_terminal_answers_end_the_flow_and_forget_the_device_code(
    team, owner, sandbox, stand_in, answer, status, words
):
    login = start(team, owner, sandbox)
    stand_in.scripted_token_answers = [answer]
    login = services.device_login_poll(login=login, now=at(5))
    assert login.status == status and words in login.message
    assert dict(DeviceLogin.objects.get().secrets) == {}
    services.device_login_poll(login=login, now=at(60))
    assert len(token_calls(sandbox)) == 1  # never polled again
    assert VendorAccount.objects.count() == 0


def test_expiry_by_the_clock_stops_without_asking_the_vendor(team, owner, sandbox, stand_in):
    login = start(team, owner, sandbox)
    login = services.device_login_poll(login=login, now=at(1800))
    assert login.status == "expired" and token_calls(sandbox) == []


def test_approval_connects_the_account_with_the_token_encrypted(team, owner, sandbox, stand_in):
    login = start(team, owner, sandbox)
    stand_in.approve(login.user_code, "ada")
    login = services.device_login_poll(login=login, now=at(5))
    assert login.status == "approved" and "ada@sandbox.photon.test" in login.message
    account = VendorAccount.objects.get()
    assert account.credentials["access_token"] == mint_token("ada")
    assert account.credential_hint == f"token ••••{mint_token('ada')[-4:]}"
    assert (account.label, account.vendor, account.team) == ("Photon main", "photon", team)
    assert dict(DeviceLogin.objects.get().secrets) == {}


def test_the_account_page_offers_sign_in_again(client, team, owner, sandbox, stand_in):
    account = VendorAccount.objects.create(
        team=team,
        vendor="photon",
        label="Old",
        base_url=sandbox.base_url("photon"),
        credentials={"access_token": "x" * 20},
        status=AccountStatus.NEEDS_RECONNECT,
    )
    client.force_login(owner)
    assert (
        b"Sign in again with Photon"
        in client.get(reverse("account_detail", args=[account.pk])).content
    )
    response = client.post(
        reverse("device_login_start", args=["photon"]),
        {
            "account": account.pk,
            "device-team": team.pk,
            "device-label": "Old",
            "device-base_url": sandbox.base_url("photon"),
        },
    )
    assert response.status_code == 302 and DeviceLogin.objects.get().account == account


def test_signing_in_again_renews_an_existing_account(team, owner, sandbox, stand_in):
    account = VendorAccount.objects.create(
        team=team,
        vendor="photon",
        label="Old",
        base_url=sandbox.base_url("photon"),
        credentials={"access_token": "x" * 20},
        status=AccountStatus.NEEDS_RECONNECT,
    )
    login = start(team, owner, sandbox, account=account)
    stand_in.approve(login.user_code, "bob")
    services.device_login_poll(login=login, now=at(5))
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE and account.credentials[
        "access_token"
    ] == mint_token("bob")
    assert VendorAccount.objects.count() == 1
    assert AuditEvent.objects.filter(action="account.replaced").exists()


# --- device sign-in pages ------------------------------------------------------------------


def test_the_status_page_shows_the_code_and_link_but_never_the_device_code(
    client, team, owner, sandbox, stand_in
):
    client.force_login(owner)
    response = client.post(
        reverse("device_login_start", args=["photon"]),
        {
            "device-team": team.pk,
            "device-label": "Photon main",
            "device-base_url": sandbox.base_url("photon"),
        },
    )
    login = DeviceLogin.objects.get()
    assert response["Location"] == reverse("device_login_status", args=[login.reference])
    html = client.get(response["Location"]).content.decode()
    assert (
        login.user_code in html and login.verification_uri_complete in html and "Expires in" in html
    )
    assert (
        login.secrets["device_code"] not in html
        and login.secrets["device_code"] not in response["Location"]
    )
    fragment = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<section id="device-login"')
    assert fragment["Cache-Control"] == "no-store"


def test_a_denied_sign_in_offers_start_again(client, team, owner, sandbox, stand_in):
    client.force_login(owner)
    login = start(team, owner, sandbox)
    stand_in.approve(login.user_code, deny=True)
    DeviceLogin.objects.filter(pk=login.pk).update(next_poll_at=timezone.now())
    html = client.get(reverse("device_login_status", args=[login.reference])).content.decode()
    assert "Denied." in html and "Start again" in html and "every 2s" not in html
    again = client.post(
        reverse("device_login_start", args=["photon"]),
        {
            "device-team": team.pk,
            "device-label": "Photon main",
            "device-base_url": sandbox.base_url("photon"),
        },
    )
    assert again.status_code == 302 and DeviceLogin.objects.count() == 2


@pytest.mark.parametrize("role", ["member", "viewer", "outsider"])
def test_only_the_admin_who_started_it_can_watch_a_sign_in(
    client, team, owner, sandbox, stand_in, role, request
):
    login = start(team, owner, sandbox)
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("device_login_status", args=[login.reference])).status_code == 404
    assert client.post(
        reverse("device_login_start", args=["photon"]),
        {
            "device-team": team.pk,
            "device-label": "x",
            "device-base_url": sandbox.base_url("photon"),
        },
    ).status_code in (404, 200)
    assert DeviceLogin.objects.count() == 1


def test_paste_a_token_to_connect(client, team, owner, sandbox):
    client.force_login(owner)
    token = mint_token("carol")
    client.post(
        reverse("account_connect", args=["photon"]),
        {
            "team": team.pk,
            "label": "Pasted",
            "base_url": sandbox.base_url("photon"),
            "access_token": token,
        },
    )
    account = VendorAccount.objects.get()
    assert account.identity == "carol@sandbox.photon.test"
    assert token not in client.get(reverse("account_detail", args=[account.pk])).content.decode()


# --- projects, secrets -----------------------------------------------------------------------


@pytest.fixture
def photon_account(team, owner, sandbox):
    return VendorAccount.objects.create(
        team=team,
        vendor="photon",
        label="Photon",
        created_by=owner,
        base_url=sandbox.base_url("photon"),
        credentials={"access_token": mint_token("ada")},
        credential_hint="token ••••abcd",
    )


def create_via_view(client, account, **fields):
    data = {
        "account": account.pk,
        "idempotency_key": str(uuid.uuid4()),
        "name": "Support bot",
        "location": "United States",
        **fields,
    }
    return client.post(reverse("project_new"), data, HTTP_HX_REQUEST="true")


def test_create_with_every_field_through_the_form(client, member, photon_account, sandbox):
    client.force_login(member)
    form = client.get(
        reverse("project_new"), {"account": photon_account.pk}, HTTP_HX_REQUEST="true"
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
    assert response["HX-Redirect"] == reverse("project_detail", args=[project.reference])
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
    url = reverse("project_secret_reveal", args=[secret_project.reference])
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
            reverse("project_detail", args=[secret_project.reference])
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
            reverse("project_secret_reveal", args=[reference]), {"name": "projectSecret"}
        ).status_code
        == 404
    )
    assert client.get(reverse("project_secret_regenerate", args=[reference])).status_code == 404
    assert client.post(reverse("project_secret_regenerate", args=[reference])).status_code == 404
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
    url = reverse("project_secret_regenerate", args=[secret_project.reference])
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
        client.get(reverse("project_secret_regenerate", args=[project.reference])).status_code
        == 404
    )
