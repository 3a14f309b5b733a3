"""A worker finishes a device sign-in only for someone who is still an admin of the team.

Nobody watches the worker: an admin who started a sign-in and was then removed or
demoted could otherwise approve it with their own vendor login, and the team's account
(new, or one being renewed) would point at their vendor identity. A renewal also stops
when its account left the team or was disconnected after the sign-in started.
"""

import pytest
from django.urls import reverse

from dashboard import services, tasks
from dashboard.models import AccountStatus, AuditEvent, Membership, Role, VendorAccount
from providers.registry import get_provider
from providers.sandbox.photon import mint_token
from tests.factories import (
    MembershipFactory,
    UserFactory,
    photon_account,
    start_photon_sign_in_due,
)


@pytest.fixture
def second_admin(team):
    """Someone else who keeps the team's last-admin rule while the owner goes."""
    return MembershipFactory(team=team, role=Role.ADMIN, user=UserFactory(username="grace")).user


def start_due(team, owner, sandbox, account=None):
    """A sign-in started by `owner`, its first poll due now by the wall clock."""
    label = account.label if account else "Photon main"
    return start_photon_sign_in_due(team, owner, sandbox, account=account, label=label)


def token_calls(sandbox):
    return sandbox.calls("photon", path="/api/auth/device/token")


def remove(owner, team, by):
    services.team_member_remove(membership=Membership.objects.get(user=owner, team=team), actor=by)


def demote(owner, team, by, role=Role.MEMBER):
    membership = Membership.objects.get(user=owner, team=team)
    services.team_member_set_role(membership=membership, actor=by, role=role)


def deactivate(owner, team, by):
    type(owner).objects.filter(pk=owner.pk).update(is_active=False)


def assert_ended_failed_saying(login, words):
    login.refresh_from_db()
    assert login.status == "failed" and words in login.message and dict(login.secrets) == {}
    ended = AuditEvent.objects.get(action="device_login.ended")
    assert ended.summary == f"Sign-in failed: {login.message}"
    assert login.user_code not in ended.summary


@pytest.mark.parametrize(
    "leave",
    [
        remove,
        demote,
        lambda owner, team, by: demote(owner, team, by, role=Role.VIEWER),
        deactivate,
    ],
    ids=["removed", "made_member", "made_viewer", "deactivated"],
)
def test_an_approval_after_the_admin_left_connects_nothing_and_asks_the_vendor_nothing(
    team, owner, second_admin, sandbox, photon, leave
):
    login = start_due(team, owner, sandbox)
    leave(owner, team, by=second_admin)
    photon.approve(login.user_code, "mallory")  # with their own vendor login

    tasks.poll_device_login.call(login.pk)

    assert VendorAccount.objects.count() == 0
    assert token_calls(sandbox) == []  # the device code was never spent
    assert_ended_failed_saying(login, "owner, who started it, is no longer an admin")
    tasks.poll_device_login.call(login.pk)  # a later run (the sweep's) changes nothing
    assert VendorAccount.objects.count() == 0 and token_calls(sandbox) == []


def test_an_admin_removed_while_the_vendor_is_asked_gets_no_account(
    team, owner, second_admin, sandbox, photon, monkeypatch
):
    login = start_due(team, owner, sandbox)
    photon.approve(login.user_code, "mallory")
    provider = get_provider("photon")
    check_token = provider.verify

    def removed_meanwhile(**kwargs):
        remove(owner, team, by=second_admin)  # lands after the poll's own check
        return check_token(**kwargs)

    monkeypatch.setattr(provider, "verify", removed_meanwhile)
    tasks.poll_device_login.call(login.pk)

    assert VendorAccount.objects.count() == 0 and len(token_calls(sandbox)) == 1
    assert_ended_failed_saying(login, "is no longer an admin of this team")


def test_renewing_an_account_that_left_the_team_changes_nothing(
    team, other_team, owner, sandbox, photon
):
    account = photon_account(team, sandbox, label="Old")
    login = start_due(team, owner, sandbox, account=account)
    VendorAccount.objects.filter(pk=account.pk).update(team=other_team)
    photon.approve(login.user_code, "mallory")

    tasks.poll_device_login.call(login.pk)

    account.refresh_from_db()
    assert account.team == other_team and account.credentials["access_token"] == mint_token("ada")
    assert token_calls(sandbox) == [] and VendorAccount.objects.count() == 1
    assert_ended_failed_saying(login, "“Old” is no longer this team's account")


def test_renewing_an_account_disconnected_after_the_start_leaves_it_disconnected(
    client, team, owner, sandbox, photon, monkeypatch
):
    account = photon_account(team, sandbox, label="Old")
    login = start_due(team, owner, sandbox, account=account)
    photon.approve(login.user_code, "mallory")
    provider = get_provider("photon")
    check_token = provider.verify

    def disconnected_meanwhile(**kwargs):  # the worker has the token and checks it
        services.account_disconnect(account=account, user=owner)
        return check_token(**kwargs)

    monkeypatch.setattr(provider, "verify", disconnected_meanwhile)
    tasks.poll_device_login.call(login.pk)

    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED and dict(account.credentials) == {}
    assert_ended_failed_saying(login, "“Old” was disconnected after this sign-in started")
    client.force_login(owner)
    html = client.get(
        reverse("dashboard:device_login_status", args=[login.reference])
    ).content.decode()
    assert "was disconnected after this sign-in started" in html and "Start again" in html


def test_renewing_an_account_disconnected_before_the_start_reconnects_it(
    team, owner, sandbox, photon
):
    account = photon_account(team, sandbox, label="Old")
    services.account_disconnect(account=account, user=owner)
    login = start_due(team, owner, sandbox, account=account)
    photon.approve(login.user_code, "bob")

    tasks.poll_device_login.call(login.pk)

    account.refresh_from_db()
    login.refresh_from_db()
    assert login.status == "approved" and login.account == account
    assert account.status == AccountStatus.ACTIVE and account.disconnected_at is None
    assert account.credentials["access_token"] == mint_token("bob")


def test_an_admin_who_stays_still_connects(team, owner, second_admin, sandbox, photon):
    login = start_due(team, owner, sandbox)
    demote(second_admin, team, by=owner)  # someone else's change is no reason to stop
    photon.approve(login.user_code, "ada")

    tasks.poll_device_login.call(login.pk)

    login.refresh_from_db()
    account = VendorAccount.objects.get()
    assert login.status == "approved" and login.account == account and account.team == team
    assert account.credentials["access_token"] == mint_token("ada")
