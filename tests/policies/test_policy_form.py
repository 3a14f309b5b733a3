"""The team's rules on the new-project form: the live check shows the team's verdict beside
the vendor's (whose rule each is), the submit is refused at the field, defaults pre-fill."""

import uuid

import pytest
from django.urls import reverse

from dashboard.models import Project
from tests.batches.html import parse
from tests.policies.conftest import SLOW_NAME

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def live(client, account, field, **values):
    data = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "_field": field, **values}
    response = client.post(reverse("dashboard:project_validate"), data, **HX)
    assert response.status_code == 200
    return parse(response.content)


def submit(client, account, **values):
    data = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), **values}
    return client.post(reverse("dashboard:project_new"), data, **HX)


def texts(tree, cls):
    return [p.text for p in tree.find_all("p") if cls in (p.attrs.get("class") or "").split()]


def test_a_pattern_as_an_error_is_said_live_as_the_teams_rule(client, strict, r4_account, member):
    client.force_login(member)
    tree = live(client, r4_account, "name", name="Billing", description="x")
    assert texts(tree, "team-rule") == ["Team rule: names must be env-app, lowercase."]
    assert len(tree.find_all("p", data_invalid=True)) == 1
    assert texts(tree, "ok") == []  # no "Looks good." beside a refusal
    tree = live(client, r4_account, "name", name="prod-billing")
    assert texts(tree, "ok") == ["Looks good to R4.", "Team rule met: env-app, lowercase."]
    assert tree.find_all("p", data_invalid=True) == []
    # The vendor's verdict and the team's, side by side, each its own.
    tree = live(client, r4_account, "name", name="B" * 300)
    errors = [p.text for p in tree.find_all("p", data_invalid=True)]
    assert len(errors) == 2
    assert "the most this vendor accepts is 255" in errors[0]
    assert errors[1] == "Team rule: names must be env-app, lowercase."


def test_a_pattern_as_advice_is_said_live_and_the_create_goes_through(
    client, advisory, r4_account, member, sandbox
):
    client.force_login(member)
    tree = live(client, r4_account, "name", name="Billing")
    assert texts(tree, "advice") == ["Team advice: names should be env-app, lowercase."]
    assert tree.find_all("p", data_invalid=True) == []
    response = submit(client, r4_account, name="Billing")
    assert response.status_code == 200 and "HX-Redirect" in response
    assert Project.objects.get().name == "Billing"


def test_the_submit_is_refused_at_the_field_with_no_row_and_no_vendor_call(
    client, strict, r4_account, member, sandbox
):
    client.force_login(member)
    tree = parse(submit(client, r4_account, name="Billing").content)
    feedback = {
        region.attrs["id"]: [p.text for p in region.find_all("p", data_invalid=True)]
        for region in tree.find_all("div", **{"class": "feedback"})
    }
    assert feedback["feedback-name"] == ["Team rule: names must be env-app, lowercase."]
    assert feedback["feedback-description"] == ["Team rule: Description is required."]
    assert Project.objects.count() == 0 and sandbox.calls() == []


def test_required_fields_are_said_live_and_marked_on_the_form(client, strict, r4_account, member):
    client.force_login(member)
    tree = live(client, r4_account, "description", name="dev-a", description="")
    assert texts(tree, "team-rule") == ["Team rule: Description is required."]
    page = parse(client.get(reverse("dashboard:project_new"), {"account": r4_account.pk}).content)
    description = page.one("textarea", name="description")
    assert description.attrs.get("aria-required") == "true"
    assert page.one("input", name="externalId").attrs.get("aria-required") is None  # defaulted


def test_defaults_pre_fill_the_form_and_fill_a_field_left_empty(
    client, strict, r4_account, member, sandbox
):
    client.force_login(member)
    page = parse(client.get(reverse("dashboard:project_new"), {"account": r4_account.pk}).content)
    assert page.one("input", name="externalId").attrs["value"] == "team-ext"
    tree = live(client, r4_account, "externalId", name="dev-a", externalId="")
    assert texts(tree, "team-rule") == ["Team default: left empty, “team-ext” is used."]
    submit(client, r4_account, name="dev-a", description="d", externalId="")
    assert Project.objects.get().payload["externalId"] == "team-ext"


def test_a_runaway_pattern_is_stopped_live_and_on_submit(
    client, runaway, r4_account, member, sandbox
):
    client.force_login(member)
    tree = live(client, r4_account, "name", name=SLOW_NAME)
    [said] = texts(tree, "team-rule")
    assert said.startswith("Team rule: this name took too long to check")
    submit(client, r4_account, name=SLOW_NAME)
    assert Project.objects.count() == 0 and sandbox.calls() == []
