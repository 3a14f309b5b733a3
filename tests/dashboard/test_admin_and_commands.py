"""Admin pages for every model answer, and the demo seeding is repeatable."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboard.models import GroupMapping, Membership, Team, VendorAccount


@pytest.mark.parametrize(
    "model", ["team", "membership", "vendoraccount", "project", "auditevent", "devicelogin"]
)
def test_admin_changelists_answer(client, owner, r4_account, model):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    assert client.get(reverse(f"admin:dashboard_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:dashboard_{model}_changelist"), {"q": "x"}).status_code == 200


def test_non_staff_members_cannot_open_admin(client, member):
    client.force_login(member)
    assert client.get(reverse("admin:index")).status_code == 302


def test_seed_demo_connects_sandbox_accounts_and_is_repeatable(db, sandbox):
    sandbox_root = sandbox.url
    out = io.StringIO()
    call_command("seed_demo", sandbox_url=sandbox_root, stdout=out)
    call_command("seed_demo", sandbox_url=sandbox_root, stdout=out)
    assert (
        "already connected" in out.getvalue()
        and "Demo login: demo / demo-password" in out.getvalue()
    )
    r4, photon = VendorAccount.objects.get(vendor="r4"), VendorAccount.objects.get(vendor="photon")
    assert r4.team == photon.team == Team.objects.get(name="Demo team")
    assert Membership.objects.get(user__username="demo").role == "admin"
    assert r4.credential_hint.startswith("rk_demo0001.")
    assert photon.identity == "demo@sandbox.photon.test"
    assert VendorAccount.objects.get(vendor="devkit4ai").plan == "free_starter"
    assert VendorAccount.objects.get(vendor="otas").identity == "demo@otas.test"
    demo_team = Team.objects.get(name="Demo team")
    assert demo_team.managed_by_identity_provider
    mapped = GroupMapping.objects.filter(team=demo_team).values_list("group", "role")
    assert sorted(mapped) == [
        ("demo-admins", "admin"),
        ("demo-members", "member"),
        ("demo-viewers", "viewer"),
    ]
