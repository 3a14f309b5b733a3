"""Every endpoint, asked by a viewer, a member, an admin, another team's admin, no token and
a revoked token: 401 without a valid token, 404 for another team's object, 403 for too
low a role in the token's own team, and never a 500."""

from __future__ import annotations

import pytest

from dashboard import services
from dashboard.models import Batch, BatchSource, Project, Role
from tests.api.conftest import ApiClient
from tests.dashboard.api_tokens import new_token
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)

VIEWER, MEMBER, ADMIN = Role.VIEWER, Role.MEMBER, Role.ADMIN

# (method, path, the least role, whether the path names one of the team's objects)
ENDPOINTS = [
    ("GET", "/api/v1/vendors", VIEWER, False),
    ("GET", "/api/v1/accounts", VIEWER, False),
    ("GET", "/api/v1/accounts/{account}", VIEWER, True),
    ("POST", "/api/v1/projects/validate", MEMBER, True),
    ("POST", "/api/v1/projects", MEMBER, True),
    ("GET", "/api/v1/projects", VIEWER, False),
    ("GET", "/api/v1/projects/{project}", VIEWER, True),
    ("POST", "/api/v1/projects/{project}/retry", MEMBER, True),
    ("POST", "/api/v1/projects/{project}/check", MEMBER, True),
    ("POST", "/api/v1/projects/{project}/refresh", MEMBER, True),
    ("POST", "/api/v1/projects/{project}/secret", ADMIN, True),
    ("POST", "/api/v1/projects/{project}/approve", ADMIN, True),
    ("POST", "/api/v1/projects/{project}/reject", ADMIN, True),
    ("GET", "/api/v1/activity", VIEWER, False),
    ("POST", "/api/v1/batches", MEMBER, False),  # another team's account: a row's error
    ("GET", "/api/v1/batches", VIEWER, False),
    ("GET", "/api/v1/batches/{batch}", VIEWER, True),
    ("POST", "/api/v1/batches/{batch}/send", MEMBER, True),
    ("POST", "/api/v1/batches/{batch}/cancel", MEMBER, True),
    ("POST", "/api/v1/batches/{batch}/retry", MEMBER, True),
]
RANK = {VIEWER: 0, MEMBER: 1, ADMIN: 2}


@pytest.fixture
def objects(r4_account, owner):
    project = ProjectFactory(
        account=r4_account, status="created", remote_id="r4-1", secrets={"apiKey": "s3cret"}
    )
    batch = services.batch_create(
        team=r4_account.team, user=owner, name="Launch", source=BatchSource.API,
        rows=[services.RowInput(account=str(r4_account.pk), fields={"name": "checkout-dev"})],
    )  # fmt: skip
    return {"account": r4_account, "project": project, "batch": batch}


def ask(client: ApiClient, method: str, path: str, objects: dict):
    url = path.format(
        account=objects["account"].pk,
        project=objects["project"].reference,
        batch=objects["batch"].reference,
    )
    if method == "GET":
        return client.get(url)
    row = {"account": str(objects["account"].pk), "fields": {"name": "Checkout - Staging"}}
    body = {"secret": {}, "send": {"skip_invalid": True}}.get(url.rsplit("/", 1)[-1], row)
    if url == "/api/v1/batches":
        body = {"name": "Matrix", "rows": [row]}
    return client.post(url, body, key="matrix-key")


@pytest.fixture
def callers(api_as, owner, member, viewer, outsider, team, other_team):
    _, revoked = new_token(owner, team, role=ADMIN, name="old")
    token_row = services.api_tokens_visible(user=owner).get(name="old")
    services.api_token_revoke(by=owner, token=token_row)
    return {
        "viewer": api_as(viewer, team, role=VIEWER),
        "member": api_as(member, team, role=MEMBER),
        "admin": api_as(owner, team, role=ADMIN),
        "outsider": api_as(outsider, other_team, role=ADMIN),
        "no token": ApiClient(None),
        "revoked": ApiClient(revoked),
    }


@pytest.mark.parametrize(("method", "path", "least", "names_an_object"), ENDPOINTS)
@pytest.mark.parametrize("caller", ["viewer", "member", "admin", "outsider", "no token", "revoked"])
def test_every_endpoint_for_every_caller(
    callers, objects, sandbox, caller, method, path, least, names_an_object
):
    answer = ask(callers[caller], method, path, objects)
    assert answer.status_code < 500, answer.content
    if answer.status_code >= 400:
        assert answer["Content-Type"] == "application/problem+json"
    if caller in ("no token", "revoked"):
        assert answer.status_code == 401
        assert answer["WWW-Authenticate"].startswith("Bearer")
    elif caller == "outsider":
        if names_an_object:
            assert answer.status_code == 404
        else:
            assert answer.status_code in (200, 201)
            for ours in (objects["project"].reference, objects["batch"].reference):
                assert str(ours) not in answer.content.decode()
            assert objects["account"].label not in answer.content.decode()
    elif RANK[caller] < RANK[least]:
        assert answer.status_code == 403
    else:
        assert answer.status_code not in (401, 403, 404), answer.content


def test_outsider_and_low_roles_change_nothing_and_call_no_vendor(callers, objects, sandbox):
    before = Project.objects.count()
    for caller in ("viewer", "outsider", "no token", "revoked"):
        for method, path, least, names_an_object in ENDPOINTS:
            if method == "POST" and least != VIEWER and (names_an_object or caller != "outsider"):
                ask(callers[caller], method, path, objects)
    assert Project.objects.count() == before
    assert list(Batch.objects.values_list("pk", "status")) == [(objects["batch"].pk, "draft")]
    assert sandbox.calls() == []


def test_the_token_role_is_capped_by_the_users_current_role(api_as, owner, member, team, objects):
    from dashboard.models import Membership

    Membership.objects.filter(user=member, team=team).update(role=ADMIN)  # the team keeps one
    admin = api_as(owner, team, role=ADMIN)
    url = f"/api/v1/projects/{objects['project'].reference}/secret"
    Membership.objects.filter(user=owner, team=team).update(role=VIEWER)
    assert admin.post(url, {}).status_code == 403
    Membership.objects.filter(user=owner, team=team).delete()
    assert admin.post(url, {}).status_code == 401
