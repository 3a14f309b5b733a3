"""Every view, for an owner (admin), a member, a viewer and an outsider from another team.

An object of another team always answers 404, never 403 with its name, never a 500.
"""

import uuid

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import AccountStatus, BatchSource, Project, VendorAccount
from dashboard.services import RowInput
from providers.sandbox.r4 import mint_key
from tests.dashboard.forms import post_connect
from tests.factories import ProjectFactory, connect_devkit4ai, photon_account

ROLES = ("owner", "member", "viewer", "outsider")


@pytest.fixture
def world(r4_account, team, owner, member, viewer, outsider, sandbox):
    project = ProjectFactory(account=r4_account, name="Secret plans of Rocket", created_by=member)
    photon = photon_account(team, sandbox)
    with_secret = ProjectFactory(
        account=photon, name="Spectrum bot", secrets={"projectSecret": "ps_rocket_secret"}
    )
    devkit = connect_devkit4ai(team, owner, sandbox)
    # Every batch URL, with and without a member's role, is in tests/batches/test_batch_access.py.
    batch = services.batch_create(
        team=team,
        user=member,
        name="Rocket batch",
        source=BatchSource.CSV,
        rows=[RowInput(account=str(r4_account.pk), fields={"name": "Rocket row"})],
    )
    return {
        "account": r4_account,
        "project": project,
        "secret": with_secret,
        "plans": devkit,
        "batch": batch,
    }


def _views(account, project, with_secret, with_plans, batch):
    """(name, method, url, data, expected status per role)."""
    new_data = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "name": "Staging - X"}
    validate_data = {**new_data, "_field": "name"}
    read = {"owner": 200, "member": 200, "viewer": 200, "outsider": 404}
    write = {"owner": 200, "member": 200, "viewer": 404, "outsider": 404}
    write_post = {"owner": 302, "member": 302, "viewer": 404, "outsider": 404}
    admin_get = {"owner": 200, "member": 404, "viewer": 404, "outsider": 404}
    admin_post = {"owner": 302, "member": 404, "viewer": 404, "outsider": 404}
    return [
        (
            "project detail",
            "get",
            reverse("dashboard:project_detail", args=[project.reference]),
            None,
            read,
        ),
        (
            "new project form",
            "get",
            reverse("dashboard:project_new") + f"?account={account.pk}",
            None,
            write,
        ),
        (
            "create project",
            "post",
            reverse("dashboard:project_new"),
            new_data,
            write_post,
        ),
        ("live validation", "post", reverse("dashboard:project_validate"), validate_data, write),
        ("batch", "get", batch.get_absolute_url(), None, read),
        (
            "batch row form",
            "get",
            reverse("dashboard:batch_row_edit", args=[batch.reference, 1]),
            None,
            write,
        ),
        (
            "account detail",
            "get",
            reverse("dashboard:account_detail", args=[account.pk]),
            None,
            read,
        ),
        (
            "import from vendor",
            "get",
            reverse("dashboard:account_import", args=[account.pk]),
            None,
            write,
        ),
        (
            "import selected",
            "post",
            reverse("dashboard:account_import", args=[account.pk]),
            {"remote_id": "x"},
            write_post,
        ),
        (
            "refresh",
            "post",
            reverse("dashboard:project_refresh", args=[project.reference]),
            None,
            write_post,
        ),
        (
            "check at vendor",
            "post",
            reverse("dashboard:project_reconcile", args=[project.reference]),
            None,
            write_post,
        ),
        (
            "retry",
            "post",
            reverse("dashboard:project_retry", args=[project.reference]),
            None,
            write_post,
        ),
        (
            "reveal secret",
            "post",
            reverse("dashboard:project_secret_reveal", args=[with_secret.reference]),
            {"name": "projectSecret"},
            {"owner": 200, "member": 404, "viewer": 404, "outsider": 404},
        ),
        (
            "plan",
            "post",
            reverse("dashboard:account_plan", args=[with_plans.pk]),
            {"plan": "cloud_starter"},
            admin_post,
        ),
        ("policy", "get", reverse("dashboard:account_policy", args=[account.pk]), None, read),
        (
            "policy save",
            "post",
            reverse("dashboard:account_policy", args=[account.pk]),
            {"name_pattern_severity": "advice"},
            admin_post,
        ),
        (
            "replace form",
            "get",
            reverse("dashboard:account_replace", args=[account.pk]),
            None,
            admin_get,
        ),
        (
            "replace",
            "post",
            reverse("dashboard:account_replace", args=[account.pk]),
            {"base_url": account.base_url, "api_key": mint_key("acc00001")},
            admin_post,
        ),
        (
            "verify",
            "post",
            reverse("dashboard:account_verify", args=[account.pk]),
            None,
            admin_post,
        ),
        (
            "disconnect form",
            "get",
            reverse("dashboard:account_disconnect", args=[account.pk]),
            None,
            admin_get,
        ),
        (
            "disconnect",
            "post",
            reverse("dashboard:account_disconnect", args=[account.pk]),
            None,
            admin_post,
        ),
        (
            "approval rule",
            "get",
            reverse("dashboard:approval_rule", args=[account.pk]),
            None,
            admin_get,
        ),
        (
            "approval rule save",
            "post",
            reverse("dashboard:approval_rule", args=[account.pk]),
            {"mode": "none"},
            admin_post,
        ),
        (
            "approve",
            "post",
            reverse("dashboard:approval_approve", args=[project.reference]),
            {"comment": "ok"},
            admin_post,
        ),
        (
            "reject",
            "post",
            reverse("dashboard:approval_reject", args=[project.reference]),
            None,
            admin_post,
        ),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_object_view_answers_by_role(client, world, role, request, sandbox):
    client.force_login(request.getfixturevalue(role))
    views = _views(
        world["account"], world["project"], world["secret"], world["plans"], world["batch"]
    )
    for name, method, url, data, expected in views:
        response = getattr(client, method)(url, data or {})
        assert response.status_code == expected[role], f"{role} on {name}: {response.status_code}"
        if expected[role] == 404:
            assert b"Rocket" not in response.content
        # The same views as htmx fragments must not leak either. An htmx create or check at
        # the vendor is sent on with HX-Redirect (200); everything else answers as it did.
        fragment = getattr(client, method)(url, data or {}, HTTP_HX_REQUEST="true")
        if name in ("create project", "check at vendor", "policy save") and expected[role] == 302:
            assert fragment.status_code == 200 and "HX-Redirect" in fragment, role
        elif name in ("approve", "reject") and expected[role] == 302:
            assert fragment.status_code == 200, role  # the decided (or refused) request
        else:
            assert fragment.status_code == expected[role], f"{role} on {name} (htmx)"
    if role in ("viewer", "outsider"):
        assert Project.objects.count() == 2  # the two made above, and nothing more
        assert set(VendorAccount.objects.values_list("status", flat=True)) == {AccountStatus.ACTIVE}


def test_outsider_lists_show_nothing_of_other_teams(client, world, outsider):
    client.force_login(outsider)
    assert b"Secret plans" not in client.get(reverse("dashboard:project_list")).content
    assert (
        b"Secret plans"
        not in client.get(
            reverse("dashboard:project_list"), {"q": "Secret"}, HTTP_HX_REQUEST="true"
        ).content
    )
    assert (
        world["account"].label.encode() not in client.get(reverse("dashboard:account_list")).content
    )
    assert b"Rocket" not in client.get(reverse("dashboard:batch_list")).content
    # Filtering by a foreign account id is ignored, not honoured.
    page = client.get(reverse("dashboard:project_list"), {"account": world["account"].pk}).content
    assert b"Secret plans" not in page


def test_outsider_cannot_connect_an_account_into_another_team(
    client, world, outsider, team, sandbox
):
    client.force_login(outsider)
    response = post_connect(
        client, "r4", team, sandbox.base_url("r4"), label="Sneaky", api_key=mint_key("sneak001")
    )
    assert response.status_code == 200
    assert not VendorAccount.objects.filter(label="Sneaky").exists()
    assert sandbox.calls("r4") == []


@pytest.mark.parametrize("role", ("member", "viewer"))
def test_non_admins_cannot_open_the_connect_page(client, world, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("dashboard:account_connect", args=["r4"])).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/projects/00000000-0000-0000-0000-000000000000/",
        "/projects/not-a-uuid/",
        "/accounts/999999/",
        "/accounts/connect/nope/",
        "/projects/new/?account=abc",
        "/projects/new/?account=999999",
        "/batches/00000000-0000-0000-0000-000000000000/",
        "/batches/not-a-uuid/rows/1/",
    ],
)
def test_guessed_or_malformed_ids_are_404(client, world, owner, url):
    client.force_login(owner)
    assert client.get(url).status_code == 404


def test_malformed_posts_never_500(client, world, member, sandbox):
    client.force_login(member)
    account = world["account"].pk
    for data, create_status, validate_status in (
        ({}, 404, 404),  # no account: nothing to show a form for
        ({"account": "x"}, 404, 404),
        ({"account": account}, 200, 404),  # the form again, with errors; no field to check
        ({"account": account, "idempotency_key": "garbage", "name": "ok"}, 200, 404),
    ):
        assert client.post(reverse("dashboard:project_new"), data).status_code == create_status, (
            data
        )
        assert (
            client.post(reverse("dashboard:project_validate"), data).status_code == validate_status
        )
    assert Project.objects.count() == 2
    assert sandbox.calls("r4") == []
