"""Idempotency-Key as the IETF draft describes it: the first answer is replayed, another
body is 422, a key still in flight is 409, and refused input is not remembered."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import services
from dashboard.models import IdempotentRequest, Project, Role
from dashboard.services.api_requests import key_reference, request_fingerprint

pytestmark = pytest.mark.django_db(transaction=True)


def body(account, name="Checkout - Staging", **fields):
    return {"account": str(account.pk), "fields": {"name": name, **fields}}


def creates(sandbox) -> int:
    return len([c for c in sandbox.calls("r4") if c["method"] == "POST"])


def test_the_same_key_and_body_replay_the_first_answer(member_api, r4_account, sandbox):
    first = member_api.post("/api/v1/projects", body(r4_account), key="deploy-42")
    # The same request, spaced and ordered differently, is the same request.
    raw = json.dumps({"fields": {"name": "Checkout - Staging"}, "account": r4_account.pk}, indent=2)
    again = member_api.post("/api/v1/projects", raw=raw, key="deploy-42")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert first["Location"] == f"/api/v1/projects/{first.json()['reference']}"
    assert Project.objects.count() == 1 and creates(sandbox) == 1


def test_the_same_key_with_another_body_is_refused(member_api, r4_account, sandbox):
    member_api.post("/api/v1/projects", body(r4_account), key="deploy-42")
    other = member_api.post("/api/v1/projects", body(r4_account, "Other"), key="deploy-42")
    assert other.status_code == 422
    assert other.json()["type"].endswith("#idempotency-key-reused")
    assert Project.objects.count() == 1 and creates(sandbox) == 1


def _unanswered(user, team, account, key, *, claimed_ago=timedelta(0)):
    fields = {"name": "Checkout - Staging"}
    fingerprint = request_fingerprint(
        "POST", "/api/v1/projects", {"account": str(account.pk), "fields": fields}
    )
    now = timezone.now()
    IdempotentRequest.objects.create(
        team=team, user=user, key=key, fingerprint=fingerprint,
        created_at=now - claimed_ago, claimed_at=now - claimed_ago,
    )  # fmt: skip
    return fingerprint


def test_a_key_still_in_flight_is_409(member_api, member, team, r4_account, sandbox):
    _unanswered(member, team, r4_account, "deploy-42")
    answer = member_api.post("/api/v1/projects", body(r4_account), key="deploy-42")
    assert answer.status_code == 409
    assert answer.json()["type"].endswith("#idempotency-key-in-flight")
    assert Project.objects.count() == 0 and creates(sandbox) == 0


def test_a_key_whose_request_died_is_taken_over_and_finds_its_project(
    member_api, member, team, r4_account, sandbox, settings
):
    """The first request recorded its project, then died before storing its answer: the
    retry finds that project through the derived key and sends nothing again."""
    claim = timedelta(seconds=settings.API_IDEMPOTENCY_CLAIM_SECONDS + 1)
    fingerprint = _unanswered(member, team, r4_account, "deploy-42", claimed_ago=claim)
    reference = key_reference(
        team_id=team.pk, user_id=member.pk, key="deploy-42", fingerprint=fingerprint
    )
    died = services.project_create(
        account=r4_account, user=member, data={"name": "Checkout - Staging"},
        idempotency_key=reference,
    )  # fmt: skip
    answer = member_api.post("/api/v1/projects", body(r4_account), key="deploy-42")
    assert answer.status_code == 202
    assert answer.json()["reference"] == str(died.reference)
    assert Project.objects.count() == 1 and creates(sandbox) == 1


def test_refused_input_is_not_remembered(member_api, r4_account, sandbox):
    refused = member_api.post("/api/v1/projects", body(r4_account, "x" * 256), key="k")
    assert refused.status_code == 422 and "name" in refused.json()["errors"]
    assert IdempotentRequest.objects.count() == 0
    fixed = member_api.post("/api/v1/projects", body(r4_account, "Checkout"), key="k")
    assert fixed.status_code == 202 and creates(sandbox) == 1


def test_a_plan_limit_refusal_is_a_problem_and_makes_no_row(api_as, owner, team, sandbox):
    from tests.factories import connect_devkit4ai

    account = connect_devkit4ai(team, owner, sandbox)
    services.account_set_plan(account=account, user=owner, plan="free_starter")
    for n in range(5):
        Project.objects.create(
            team=team, account=account, vendor="devkit4ai", name=f"p{n}", status="created",
            idempotency_key=uuid.uuid4(),
        )  # fmt: skip
    client = api_as(owner, team, role=Role.ADMIN)
    answer = client.post("/api/v1/projects", body(account, "Staging - Portal"), key="k")
    assert answer.status_code == 422
    assert "5 active projects" in answer.json()["detail"]
    assert Project.objects.count() == 5 and IdempotentRequest.objects.count() == 0


def test_keys_belong_to_a_user_in_a_team(api_as, member, owner, team, r4_account, sandbox):
    mine = api_as(member, team).post("/api/v1/projects", body(r4_account), key="same")
    theirs = api_as(owner, team).post("/api/v1/projects", body(r4_account), key="same")
    assert mine.status_code == theirs.status_code == 202
    assert mine.json()["reference"] != theirs.json()["reference"]
    assert Project.objects.count() == 2


def test_a_key_is_kept_a_day_and_then_forgotten(member_api, r4_account, sandbox, settings):
    member_api.post("/api/v1/projects", body(r4_account), key="deploy-42")
    day_ago = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_KEY_HOURS, minutes=1)
    IdempotentRequest.objects.update(created_at=day_ago)
    other = member_api.post("/api/v1/projects", body(r4_account, "Other"), key="deploy-42")
    assert other.status_code == 202 and Project.objects.count() == 2
    IdempotentRequest.objects.update(created_at=day_ago)
    assert services.api_requests_prune() >= 1
    assert IdempotentRequest.objects.count() == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "tab\there", "nul\x00"])
def test_a_bad_key_is_refused_before_anything(member_api, r4_account, sandbox, key):
    answer = member_api.post("/api/v1/projects", body(r4_account), key=key)
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.json()["errors"]
    assert Project.objects.count() == 0 and sandbox.calls() == []


def test_a_create_without_a_key_is_refused(member_api, r4_account, sandbox):
    answer = member_api.post("/api/v1/projects", body(r4_account))
    assert answer.status_code == 422 and "Idempotency-Key" in answer.json()["errors"]
    assert Project.objects.count() == 0
