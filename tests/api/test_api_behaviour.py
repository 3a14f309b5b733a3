"""What the endpoints answer: shapes, paging, the dry run, the secret, the audit trail and
the per-token rate limit kept in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.models import ApiRateWindow, AuditAction, AuditEvent, Project, Role
from tests.factories import ProjectFactory, connect_devkit4ai

pytestmark = pytest.mark.django_db(transaction=True)


def test_vendors_describe_the_forms_fields(member_api):
    vendors = {v["slug"]: v for v in member_api.get("/api/v1/vendors").json()}
    assert set(vendors) == {"r4", "photon", "devkit4ai", "otas"}
    r4_name = next(f for f in vendors["r4"]["fields"] if f["name"] == "name")
    assert r4_name["required"] is True and r4_name["max_length"] == 255
    assert r4_name["json_type"] == "string"
    devkit_name = next(f for f in vendors["devkit4ai"]["fields"] if f["name"] == "name")
    assert devkit_name["naming_advice"]
    assert [p["active_project_limit"] for p in vendors["devkit4ai"]["plans"]] == [5, 20, None]


def test_accounts_show_plan_usage(api_as, owner, team, sandbox):
    account = connect_devkit4ai(team, owner, sandbox)
    account.plan = "free_starter"
    account.save()
    ProjectFactory.create_batch(3, account=account, status="created")
    ProjectFactory(account=account, status="failed")
    client = api_as(owner, team, role=Role.ADMIN)
    listed = client.get("/api/v1/accounts").json()["items"]
    assert [a["usage"] for a in listed] == [{"active_projects": 3, "limit": 5}]
    one = client.get(f"/api/v1/accounts/{account.pk}").json()
    assert one["id"] == str(account.pk) and one["plan_label"] == "Free Starter"
    assert "credentials" not in one and one["credential_hint"] == account.credential_hint


def test_validate_gives_errors_and_advice_without_calling_or_storing(api_as, owner, team, sandbox):
    account = connect_devkit4ai(team, owner, sandbox)
    calls = len(sandbox.calls())
    client = api_as(owner, team, role=Role.ADMIN)
    answer = client.post(
        "/api/v1/projects/validate", {"account": account.pk, "fields": {"name": "test"}}
    ).json()
    assert answer["valid"] is True and answer["errors"] == {}
    assert any("generic" in advice for advice in answer["advice"]["name"])
    assert len(sandbox.calls()) == calls and Project.objects.count() == 0


def test_validate_counts_the_plan_limit(api_as, owner, team, sandbox):
    account = connect_devkit4ai(team, owner, sandbox)
    account.plan = "free_starter"
    account.save()
    ProjectFactory.create_batch(5, account=account, status="created")
    client = api_as(owner, team, role=Role.ADMIN)
    body = {"account": account.pk, "fields": {"name": "Staging - Portal"}}
    answer = client.post("/api/v1/projects/validate", body).json()
    assert answer["valid"] is False and "5 active projects" in answer["errors"]["account"][0]


def test_the_list_pages_by_cursor_with_a_link_header(member_api, r4_account):
    made = ProjectFactory.create_batch(12, account=r4_account)
    seen, url, pages = [], "/api/v1/projects?limit=5&sort=name", 0
    while url:
        answer = member_api.get(url)
        body = answer.json()
        seen += [item["reference"] for item in body["items"]]
        url, pages = body["next"], pages + 1
        if url:
            assert answer["Link"] == f'<{url}>; rel="next"'
            url = url.replace("http://testserver", "")
        else:
            assert "Link" not in answer
    assert pages == 3 and sorted(seen) == sorted(str(p.reference) for p in made)
    names = [p.name for p in sorted(made, key=lambda p: p.name)]
    first = member_api.get("/api/v1/projects", limit="200", sort="name").json()["items"]
    assert [item["name"] for item in first] == names


def test_the_list_filters(member_api, r4_account):
    ProjectFactory(account=r4_account, status="failed", name="Broken")
    ProjectFactory(account=r4_account, status="created", name="Fine")
    failed = member_api.get("/api/v1/projects", status="failed").json()["items"]
    assert [p["name"] for p in failed] == ["Broken"]
    found = member_api.get("/api/v1/projects", q="Fine").json()["items"]
    assert [p["name"] for p in found] == ["Fine"]
    mine = member_api.get("/api/v1/projects", account=str(r4_account.pk)).json()["items"]
    assert len(mine) == 2


def test_the_detail_shows_sent_answered_and_steps_but_no_secret(admin_api, r4_account):
    project = ProjectFactory(account=r4_account, status="created", secrets={"apiKey": "s3cr3t"})
    answer = admin_api.get(f"/api/v1/projects/{project.reference}")
    body = answer.json()
    assert body["reference"] == str(project.reference) and body["secret_names"] == ["apiKey"]
    assert "s3cr3t" not in answer.content.decode()
    assert body["created_at"].endswith("Z")


def test_the_secret_is_for_admins_audited_and_not_cached(api_as, owner, member, team, r4_account):
    project = ProjectFactory(account=r4_account, status="created", secrets={"apiKey": "s3cr3t"})
    url = f"/api/v1/projects/{project.reference}/secret"
    assert api_as(member, team, role=Role.MEMBER).post(url, {}).status_code == 403
    admin = api_as(owner, team, role=Role.ADMIN, name="wire-up")
    answer = admin.post(url, {})
    assert answer.json() == {"name": "apiKey", "value": "s3cr3t"}
    assert "no-store" in answer["Cache-Control"]
    event = AuditEvent.objects.get(action=AuditAction.PROJECT_SECRET_REVEALED)
    assert event.actor == owner and event.via == "API token “wire-up”"
    assert admin.post(url, {"name": "other"}).status_code == 404


def test_api_actions_are_audited_as_the_user_via_the_token(
    api_as, member, team, r4_account, sandbox, client
):
    api = api_as(member, team, name="preview-envs")
    body = {"account": r4_account.pk, "fields": {"name": "Checkout - Preview"}}
    assert api.post("/api/v1/projects", body, key="k").status_code == 202
    requested = AuditEvent.objects.get(action=AuditAction.PROJECT_REQUESTED)
    assert requested.actor == member and requested.via == "API token “preview-envs”"
    client.force_login(member)
    page = client.get(f"/projects/{Project.objects.get().reference}/")
    assert "via API token “preview-envs”" in page.content.decode()
    # The next request in this thread, through the pages, is not "via" anything.
    from tests.dashboard.forms import post_new_project

    post_new_project(client, r4_account, name="Checkout - Form")
    latest = AuditEvent.objects.filter(action=AuditAction.PROJECT_REQUESTED).latest("id")
    assert latest.via == ""


def test_the_rate_limit_is_per_token_and_kept_in_the_database(api_as, member, team, settings):
    settings.API_RATE_LIMIT = 3
    busy, quiet = api_as(member, team, name="busy"), api_as(member, team, name="quiet")
    assert [busy.get("/api/v1/vendors").status_code for _ in range(3)] == [200] * 3
    limited = busy.get("/api/v1/vendors")
    assert limited.status_code == 429 and limited.json()["type"].endswith("#rate-limited")
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert quiet.get("/api/v1/vendors").status_code == 200
    # Another process sees the same count: it is a row, not memory.
    window = ApiRateWindow.objects.get(token__name="busy")
    assert window.requests == 4
    ApiRateWindow.objects.update(window_start=timezone.now() - timedelta(minutes=2))
    assert busy.get("/api/v1/vendors").status_code == 200


def test_actions_say_409_when_the_project_is_not_in_their_state(member_api, r4_account):
    created = ProjectFactory(account=r4_account, status="created", remote_id="r4-1")
    pending = ProjectFactory(account=r4_account, status="pending")
    for url in (
        f"/api/v1/projects/{created.reference}/check",
        f"/api/v1/projects/{created.reference}/retry",
        f"/api/v1/projects/{pending.reference}/refresh",
    ):
        answer = member_api.post(url, {})
        assert answer.status_code == 409, (url, answer.content)
        assert answer.json()["type"].endswith("#not-now")


def test_a_vendor_that_cannot_be_reached_is_502_in_its_words(member_api, team, owner):
    from tests.factories import R4AccountFactory

    unreachable = R4AccountFactory(team=team, created_by=owner)  # 127.0.0.1:9: nobody there
    project = ProjectFactory(account=unreachable, status="created", remote_id="r4-1")
    answer = member_api.post(f"/api/v1/projects/{project.reference}/refresh", {})
    assert answer.status_code == 502 and answer.json()["type"].endswith("#vendor-failed")
    assert "R4" in answer.json()["detail"]


def test_check_looks_for_a_lost_answer_and_never_resends(member_api, r4_account, sandbox):
    lost = ProjectFactory(
        account=r4_account, status="unknown", attempted_at=timezone.now() - timedelta(hours=1)
    )
    answer = member_api.post(f"/api/v1/projects/{lost.reference}/check", {})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["project"]["reference"] == str(lost.reference) and body["outcome"]
    assert [c["method"] for c in sandbox.calls("r4")] == ["GET"]


def test_under_asgi_the_api_answers_and_audits_via_the_token(member, team, r4_account):
    """The audit label's scope is the request's: under ASGI (another context per layer)
    ending it must not fail after the work is done."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    from tests.dashboard.api_tokens import bearer, new_token

    _, token = new_token(member, team, name="asgi")
    headers = {"Authorization": bearer(token), "Idempotency-Key": "asgi-1"}
    body = {"account": r4_account.pk, "fields": {"name": "Checkout - ASGI"}}
    answer = async_to_sync(AsyncClient().post)(
        "/api/v1/projects", body, content_type="application/json", headers=headers
    )
    assert answer.status_code == 202, answer.content
    requested = AuditEvent.objects.get(action=AuditAction.PROJECT_REQUESTED)
    assert requested.via == "API token “asgi”"
