"""Vendor accounts are not deleted in Django admin: deleting the row would leave no audit
row; they are disconnected through the audited service (an admin action) instead."""

from django.urls import reverse

from dashboard.models import VendorAccount
from tests.factories import R4AccountFactory, UserFactory


def test_a_vendor_account_cannot_be_deleted_in_the_admin(client, team, owner):
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    account = R4AccountFactory(team=team)
    delete = reverse("admin:dashboard_vendoraccount_delete", args=[account.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403

    changelist = reverse("admin:dashboard_vendoraccount_changelist")
    actions = client.get(changelist).content.decode()
    assert 'value="disconnect"' in actions and 'value="delete_selected"' not in actions
    client.post(changelist, {"action": "delete_selected", "_selected_action": [account.pk]})
    client.post(
        changelist, {"action": "delete_selected", "post": "yes", "_selected_action": [account.pk]}
    )
    assert VendorAccount.objects.filter(pk=account.pk).exists()
