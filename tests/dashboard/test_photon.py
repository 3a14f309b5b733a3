"""Photon in the dashboard: device sign-in with a controlled clock (projects: next file)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard import services
from dashboard.models import (
    AccountStatus,
    AuditEvent,
    DeviceLogin,
    VendorAccount,
)
from providers.sandbox.photon import mint_token
from tests.dashboard.forms import post_connect, post_device_sign_in
from tests.factories import photon_account, start_photon_sign_in

T0 = timezone.now().replace(microsecond=0)


def start(team, owner, sandbox, **options):
    return start_photon_sign_in(team, owner, sandbox, now=T0, **options)


@pytest.fixture
def account_to_renew(team, sandbox):
    """A Photon account whose token no longer works: it wants a sign-in again."""
    return photon_account(
        team,
        sandbox,
        label="Old",
        credentials={"access_token": "x" * 20},
        status=AccountStatus.NEEDS_RECONNECT,
    )


def token_calls(sandbox):
    return sandbox.calls("photon", path="/api/auth/device/token")


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def poll(login, seconds):
    """One run of the worker's poll at T0 + seconds; the sign-in as it is then."""
    services.device_login_poll(login_id=login.pk, now=at(seconds))
    return DeviceLogin.objects.get(pk=login.pk)


# --- device sign-in rules --------------------------------------------------------------


def test_start_keeps_the_device_code_encrypted_server_side(team, owner, sandbox, photon):
    login = start(team, owner, sandbox)
    assert login.secrets["device_code"] and len(login.user_code) == 9
    assert (login.interval, login.expires_at) == (5, at(1800))
    assert AuditEvent.objects.filter(action="device_login.started").exists()


def test_the_vendor_interval_is_respected(team, owner, sandbox, photon):
    login = start(team, owner, sandbox)
    poll(login, 4)
    assert token_calls(sandbox) == []
    poll(login, 5)
    assert len(token_calls(sandbox)) == 1
    poll(login, 9)  # a second run, too soon
    assert len(token_calls(sandbox)) == 1
    poll(login, 10)
    assert len(token_calls(sandbox)) == 2


def test_slow_down_adds_five_seconds_each_time(team, owner, sandbox, photon):
    login = start(team, owner, sandbox)
    photon.scripted_token_answers = ["slow_down", "slow_down"]
    login = poll(login, 5)
    assert login.interval == 10 and login.next_poll_at == at(15)
    poll(login, 14)
    assert len(token_calls(sandbox)) == 1
    login = poll(login, 15)
    assert login.interval == 15 and login.next_poll_at == at(30)
    assert login.status == "pending"


def test_http_429_adds_ten_seconds(team, owner, sandbox, photon):
    login = start(team, owner, sandbox)
    photon.scripted_token_answers = [429]
    login = poll(login, 5)
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
    team, owner, sandbox, photon, answer, status, words
):
    login = start(team, owner, sandbox)
    photon.scripted_token_answers = [answer]
    login = poll(login, 5)
    assert login.status == status and words in login.message
    assert dict(DeviceLogin.objects.get().secrets) == {}
    poll(login, 60)
    assert len(token_calls(sandbox)) == 1  # never polled again
    assert VendorAccount.objects.count() == 0


def test_expiry_by_the_clock_stops_without_asking_the_vendor(team, owner, sandbox, photon):
    login = start(team, owner, sandbox)
    login = poll(login, 1800)
    assert login.status == "expired" and token_calls(sandbox) == []


def test_approval_connects_the_account_with_the_token_encrypted(team, owner, sandbox, photon):
    login = start(team, owner, sandbox)
    photon.approve(login.user_code, "ada")
    login = poll(login, 5)
    assert login.status == "approved" and "ada@sandbox.photon.test" in login.message
    account = VendorAccount.objects.get()
    assert account.credentials["access_token"] == mint_token("ada")
    assert (
        account.credential_hint == f"token ••••{mint_token('ada')[-4:]} (ada@sandbox.photon.test)"
    )
    assert (account.label, account.vendor, account.team) == ("Photon main", "photon", team)
    assert dict(DeviceLogin.objects.get().secrets) == {}


def test_the_account_page_offers_sign_in_again(
    client, team, owner, sandbox, photon, account_to_renew
):
    client.force_login(owner)
    page = client.get(reverse("dashboard:account_detail", args=[account_to_renew.pk]))
    assert b"Sign in again with Photon" in page.content
    response = post_device_sign_in(
        client, team, sandbox.base_url("photon"), label="Old", account=account_to_renew.pk
    )
    assert response.status_code == 302 and DeviceLogin.objects.get().account == account_to_renew


def test_signing_in_again_renews_an_existing_account(
    team, owner, sandbox, photon, account_to_renew
):
    login = start(team, owner, sandbox, account=account_to_renew)
    photon.approve(login.user_code, "bob")
    poll(login, 5)
    account_to_renew.refresh_from_db()
    assert account_to_renew.status == AccountStatus.ACTIVE
    assert account_to_renew.credentials["access_token"] == mint_token("bob")
    assert VendorAccount.objects.count() == 1
    assert AuditEvent.objects.filter(action="account.replaced").exists()


# --- device sign-in pages ------------------------------------------------------------------


def test_the_status_page_shows_the_code_and_link_but_never_the_device_code(
    client, team, owner, sandbox, photon
):
    client.force_login(owner)
    response = post_device_sign_in(client, team, sandbox.base_url("photon"))
    login = DeviceLogin.objects.get()
    assert response["Location"] == reverse("dashboard:device_login_status", args=[login.reference])
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


def test_a_denied_sign_in_offers_start_again(client, team, owner, sandbox, photon):
    client.force_login(owner)
    login = start(team, owner, sandbox)
    photon.approve(login.user_code, deny=True)
    poll(login, 5)
    html = client.get(
        reverse("dashboard:device_login_status", args=[login.reference])
    ).content.decode()
    assert "Denied." in html and "Start again" in html and "every 2s" not in html
    again = post_device_sign_in(client, team, sandbox.base_url("photon"))
    assert again.status_code == 302 and DeviceLogin.objects.count() == 2


@pytest.mark.parametrize("role", ["member", "viewer", "outsider"])
def test_only_the_admin_who_started_it_can_watch_a_sign_in(
    client, team, owner, sandbox, photon, role, request
):
    login = start(team, owner, sandbox)
    client.force_login(request.getfixturevalue(role))
    assert (
        client.get(reverse("dashboard:device_login_status", args=[login.reference])).status_code
        == 404
    )
    started = post_device_sign_in(client, team, sandbox.base_url("photon"), label="x")
    # An admin elsewhere gets the form back: `team` is not theirs.
    assert started.status_code == (200 if role == "outsider" else 404)
    assert DeviceLogin.objects.count() == 1


def test_paste_a_token_to_connect(client, team, owner, sandbox):
    client.force_login(owner)
    token = mint_token("carol")
    post_connect(
        client, "photon", team, sandbox.base_url("photon"), label="Pasted", access_token=token
    )
    account = VendorAccount.objects.get()
    assert account.identity == "carol@sandbox.photon.test"
    assert (
        token
        not in client.get(reverse("dashboard:account_detail", args=[account.pk])).content.decode()
    )
