"""Hostile input in every field of the template pages (the shared list of nasty values and
generated ones): never a 500, and a refused request leaves every table as it was and calls
no vendor."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.dashboard.test_fuzz_views import FUZZED, NASTY, VALUES, changed_tables, snapshot

TEMPLATE_FIELDS = ("name", "account", "name_pattern", "description", "externalId", "show_fields")
CASES = {
    "new template": ("owner", "post", lambda w: reverse("dashboard:template_new"), TEMPLATE_FIELDS),
    "edit template": ("owner", "post", lambda w: w["template"].get_absolute_url(), TEMPLATE_FIELDS),
    "fields swapped": ("owner", "get", lambda w: reverse("dashboard:template_new"), ("account",)),
    "batch from template": (
        "member",
        "post",
        lambda w: reverse("dashboard:template_batch_new"),
        ("template", "name", "value_app", "value_env", "extra_accounts"),
    ),
    "batch page": (
        "member",
        "get",
        lambda w: reverse("dashboard:template_batch_new"),
        ("template",),
    ),
    "project from template": (
        "member",
        "get",
        lambda w: reverse("dashboard:project_new"),
        ("template",),
    ),
}


def good(w) -> dict:
    return {
        "name": "Fuzzed",
        "account": str(w["account"].pk),
        "name_pattern": "{app}-{env}",
        "description": "",
        "externalId": "",
        "template": str(w["template"].pk),
        "value_app": "checkout",
        "value_env": "dev",
    }


@pytest.fixture
def world(template, r4_account, second_r4, sandbox):
    return {"template": template, "account": r4_account, "sandbox": sandbox}


def send_and_check(client, world, case, field, value):
    _, method, url, _ = CASES[case]
    before = snapshot()
    response = getattr(client, method)(url(world), {**good(world), field: value})
    assert response.status_code != 500, f"{case}: {field}={value[:80]!r}"
    if response.status_code != 302:
        assert changed_tables(before, snapshot()) == [], f"{case}: {field}={value[:80]!r}"
    assert world["sandbox"].calls() == []


@pytest.mark.parametrize("case", CASES)
def test_every_nasty_value_in_every_field(client, request, world, case):
    role, _, _, fields = CASES[case]
    client.force_login(request.getfixturevalue(role))
    for field in fields:
        for value in NASTY:
            send_and_check(client, world, case, field, value)


@pytest.mark.parametrize("case", CASES)
def test_generated_values_in_every_field(client, request, world, case):
    role, _, _, fields = CASES[case]
    client.force_login(request.getfixturevalue(role))

    @FUZZED
    @given(field=st.sampled_from(fields), value=VALUES)
    def check(field, value):
        send_and_check(client, world, case, field, value)

    check()
