"""A create that the account's approval rule will hold is said before it is sent: live on
the form's name, and in the API's validate advice. Saying it changes nothing and calls no one."""

import uuid

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import ApprovalMode, BatchSource, Project, ProjectStatus
from dashboard.services import RowInput
from dashboard.services.projects import APPROVAL_NOTICE
from tests.batches.html import parse

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def advice_on_the_name(client, account, name):
    data = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "_field": "name"}
    response = client.post(reverse("dashboard:project_validate"), {**data, "name": name}, **HX)
    assert response.status_code == 200
    paragraphs = parse(response.content).find_all("p")
    return [p.text for p in paragraphs if "advice" in (p.attrs.get("class") or "").split()]


def test_the_live_form_says_a_matching_name_will_wait_once(
    client, r4_account, member, prod_rule, sandbox
):
    client.force_login(member)
    assert advice_on_the_name(client, r4_account, "prod-billing") == [APPROVAL_NOTICE]
    assert advice_on_the_name(client, r4_account, "dev-billing") == []
    assert Project.objects.count() == 0 and sandbox.calls() == []


def test_every_create_waits_so_every_valid_name_says_so(client, r4_account, member, owner):
    services.approval_rule_save(account=r4_account, user=owner, mode=ApprovalMode.EVERY)
    client.force_login(member)
    assert advice_on_the_name(client, r4_account, "anything") == [APPROVAL_NOTICE]
    # A name the vendor refuses is refused, not also announced as waiting.
    assert advice_on_the_name(client, r4_account, "x" * 300) == []


def test_no_rule_says_nothing(client, r4_account, member):
    client.force_login(member)
    assert advice_on_the_name(client, r4_account, "prod-billing") == []


def test_the_apis_validate_says_it_too(member_api, r4_account, prod_rule, sandbox):
    def advice(name):
        body = {"account": r4_account.pk, "fields": {"name": name}}
        answer = member_api.post("/api/v1/projects/validate", body)
        assert answer.status_code == 200, answer.content
        return answer.json()["advice"].get("name", [])

    assert advice("prod-api") == [APPROVAL_NOTICE]
    assert advice("dev-api") == []
    assert Project.objects.count() == 0 and sandbox.calls() == []


def test_the_apis_validate_leaves_a_held_create_out_of_the_plan(
    member_api, r4_account, prod_rule, monkeypatch, sandbox
):
    monkeypatch.setattr("providers.r4.R4.plan_limit", lambda self, plan: 0)

    def errors(name):
        body = {"account": r4_account.pk, "fields": {"name": name}}
        return member_api.post("/api/v1/projects/validate", body).json()["errors"]

    assert "allows 0 active projects" in errors("dev-api")["account"][0]
    assert errors("prod-api") == {}  # held: approval checks the limit
    body = {"account": r4_account.pk, "fields": {"name": "prod-api"}}
    created = member_api.post("/api/v1/projects", body, key=str(uuid.uuid4()))
    assert created.status_code in (201, 202), created.content
    assert Project.objects.get().status == ProjectStatus.AWAITING


def test_the_batch_preview_says_which_rows_will_wait(client, team, member, r4_account, prod_rule):
    batch = services.batch_create(
        team=team,
        user=member,
        name="Launch",
        source=BatchSource.CSV,
        rows=[
            RowInput(account=str(r4_account.pk), fields={"name": n}) for n in ("prod-a", "dev-b")
        ],
    )
    rows = {row.number: row for row in batch.rows.all()}
    assert rows[1].advice == {"name": [APPROVAL_NOTICE]} and rows[1].errors == {}
    assert rows[2].advice == {}
    client.force_login(member)
    page = parse(client.get(batch.get_absolute_url()).content)
    notices = [p for p in page.find_all("p", **{"class": "advice"}) if p.text == APPROVAL_NOTICE]
    assert len(notices) == 1
    assert Project.objects.count() == 0
