"""A disconnect that lands while a verify is asking the vendor wins: the account stays
disconnected, and nothing is created with it afterwards."""

import uuid

from django.urls import reverse

from dashboard import services
from dashboard.models import AccountStatus, AuditEvent, VendorAccount
from providers.registry import get_provider

R4_ME = {"method": "GET", "path": "/api/v1/machine/me"}
R4_CREATE = {"method": "POST", "path": "/api/v1/machine/project"}


def disconnect_during_the_vendor_call(monkeypatch, account, user):
    """While the vendor is being asked, another admin disconnects the account."""
    provider_class = type(get_provider(account.vendor))
    real_verify = provider_class.verify

    def verify_while_someone_disconnects(self, **kwargs):
        services.account_disconnect(account=VendorAccount.objects.get(pk=account.pk), user=user)
        return real_verify(self, **kwargs)

    monkeypatch.setattr(provider_class, "verify", verify_while_someone_disconnects)


def test_a_disconnect_during_a_verify_leaves_the_account_disconnected(
    client, monkeypatch, r4_account, owner, member, sandbox
):
    disconnect_during_the_vendor_call(monkeypatch, r4_account, owner)
    client.force_login(owner)

    page = client.post(reverse("dashboard:account_verify", args=[r4_account.pk]), follow=True)

    assert len(sandbox.calls("r4", **R4_ME)) == 1  # the vendor accepted the old key
    account = VendorAccount.objects.get()
    assert account.status == AccountStatus.DISCONNECTED
    assert dict(account.credentials) == {} and account.disconnected_at is not None
    html = page.content.decode()
    assert "disconnected while the vendor was checking it" in html
    assert "The vendor accepted the stored credentials." not in html
    assert not AuditEvent.objects.filter(action="account.verified").exists()
    # A create with it is refused here, before any vendor call.
    client.force_login(member)
    client.post(
        reverse("dashboard:project_new"),
        {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "name": "Staging - X"},
    )
    assert sandbox.calls("r4", **R4_CREATE) == []


def test_a_verify_with_no_disconnect_reconnects_an_account_that_needed_it(
    r4_account, owner, sandbox
):
    VendorAccount.objects.filter(pk=r4_account.pk).update(status=AccountStatus.NEEDS_RECONNECT)
    r4_account.refresh_from_db()

    services.account_verify(account=r4_account, user=owner)

    account = VendorAccount.objects.get()
    assert account.status == AccountStatus.ACTIVE and account.last_verified_at
    assert account.identity == r4_account.identity != ""
    assert AuditEvent.objects.filter(action="account.verified").count() == 1
