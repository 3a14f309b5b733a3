"""Admin keeps what the dashboard relies on: an account's team and vendor, verified keys."""

from django.urls import reverse

from dashboard.models import AuditEvent, VendorAccount
from tests.factories import ProjectFactory, TeamFactory


def change_data(account, **changes):
    return {"label": account.label, **changes}


def test_an_accounts_team_and_vendor_cannot_be_changed(client, admin_user, r4_account):
    project = ProjectFactory(account=r4_account)
    elsewhere = TeamFactory(name="Elsewhere")
    client.force_login(admin_user)
    url = reverse("admin:dashboard_vendoraccount_change", args=[r4_account.pk])
    page = client.get(url).content.decode()
    assert 'name="team"' not in page and 'name="vendor"' not in page
    response = client.post(url, change_data(r4_account, team=elsewhere.pk, vendor="photon"))
    assert response.status_code == 302
    account = VendorAccount.objects.get()
    assert (account.team_id, account.vendor) == (project.team_id, "r4")


def test_a_credential_change_the_vendor_refuses_is_an_error_and_saves_nothing(
    client, admin_user, r4_account, sandbox
):
    client.force_login(admin_user)
    url = reverse("admin:dashboard_vendoraccount_replace_credentials", args=[r4_account.pk])
    before = dict(r4_account.credentials)
    response = client.post(
        url, {"base_url": r4_account.base_url, "api_key": "rk_nope.wrong-secret"}, follow=True
    )
    page = response.content.decode()
    assert "R4 rejected" in page and "verified and stored" not in page
    account = VendorAccount.objects.get()
    assert dict(account.credentials) == before
    assert not AuditEvent.objects.filter(action="account.replaced").exists()


def test_read_only_pages_offer_no_save_button(client, admin_user, r4_account, sandbox):
    project = ProjectFactory(account=r4_account)
    client.force_login(admin_user)
    page = client.get(reverse("admin:dashboard_project_change", args=[project.pk])).content
    assert b'name="_save"' not in page and b'name="_continue"' not in page
    account_page = client.get(
        reverse("admin:dashboard_vendoraccount_change", args=[r4_account.pk])
    ).content
    assert account_page.count(b'name="_save"') == 1  # the label is editable
