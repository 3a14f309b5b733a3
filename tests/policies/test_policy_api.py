"""The team's rules through the API: validate says them (errors and advice, whose rule),
create refuses at the field with 422, no row and no vendor call; defaults fill in."""

import uuid

import pytest

from dashboard.models import Project
from tests.policies.conftest import SLOW_NAME

pytestmark = pytest.mark.django_db


def validate(api, account, **fields):
    answer = api.post("/api/v1/projects/validate", {"account": account.pk, "fields": fields})
    assert answer.status_code == 200
    return answer.json()


def create(api, account, **fields):
    body = {"account": account.pk, "fields": fields}
    return api.post("/api/v1/projects", body, key=str(uuid.uuid4()))


def test_a_pattern_as_an_error(member_api, strict, r4_account, sandbox):
    answer = validate(member_api, r4_account, name="Billing", description="x")
    assert answer["valid"] is False
    assert answer["errors"] == {"name": ["Team rule: names must be env-app, lowercase."]}
    refused = create(member_api, r4_account, name="Billing", description="x")
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"name": ["Team rule: names must be env-app, lowercase."]}
    assert Project.objects.count() == 0 and sandbox.calls() == []
    assert create(member_api, r4_account, name="dev-billing", description="x").status_code == 202


def test_a_pattern_as_advice(member_api, advisory, r4_account, sandbox):
    answer = validate(member_api, r4_account, name="Billing")
    assert answer["valid"] is True and answer["errors"] == {}
    assert answer["advice"]["name"] == ["Team advice: names should be env-app, lowercase."]
    assert create(member_api, r4_account, name="Billing").status_code == 202


def test_required_fields(member_api, strict, r4_account, sandbox):
    answer = validate(member_api, r4_account, name="dev-a")
    assert answer["errors"] == {"description": ["Team rule: Description is required."]}
    refused = create(member_api, r4_account, name="dev-a", description=None)
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"description": ["Team rule: Description is required."]}
    assert Project.objects.count() == 0 and sandbox.calls() == []


def test_defaults_fill_an_absent_field(member_api, strict, r4_account, sandbox):
    made = create(member_api, r4_account, name="dev-a", description="d")
    assert made.status_code == 202
    assert Project.objects.get().payload["externalId"] == "team-ext"
    mine = create(member_api, r4_account, name="dev-b", description="d", externalId="mine")
    assert Project.objects.get(reference=mine.json()["reference"]).payload["externalId"] == "mine"


def test_a_runaway_pattern_is_stopped_by_its_time_limit(member_api, runaway, r4_account, sandbox):
    answer = validate(member_api, r4_account, name=SLOW_NAME)
    assert answer["errors"]["name"][0].startswith("Team rule: this name took too long")
    assert create(member_api, r4_account, name=SLOW_NAME).status_code == 422
    assert Project.objects.count() == 0 and sandbox.calls() == []
