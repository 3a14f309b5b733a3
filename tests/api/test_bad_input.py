"""Hostile input to the API: a clear problem+json, no vendor call, no row, never a 500."""

from __future__ import annotations

import pytest

from dashboard.models import ApiRateWindow, AuditEvent, IdempotentRequest, Project

pytestmark = pytest.mark.django_db(transaction=True)

TOO_LONG = "x" * 256


def nothing_changed(sandbox, events_before: int) -> None:
    assert Project.objects.count() == 0
    assert IdempotentRequest.objects.count() == 0
    assert sandbox.calls() == []
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": TOO_LONG}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({}, "name"),
        ({"name": None}, "name"),
        ({"name": "Bad\x07bell"}, "name"),
        ({"name": "nul\x00inside"}, "name"),
        ({"name": 12}, "name"),
        ({"name": 10**400}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": {"a": 1}}, "name"),
        ({"name": True}, "name"),
        ({"name": "ok", "nmae": "typo"}, "nmae"),
        ({"name": "ok", "externalId": 5}, "externalId"),
        ({"name": "ok", "description": "d" * 5000}, "description"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/projects", "/api/v1/projects/validate"])
def test_refused_fields_are_named(member_api, r4_account, sandbox, fields, field, path):
    before = AuditEvent.objects.count()
    answer = member_api.post(path, {"account": str(r4_account.pk), "fields": fields}, key="k")
    if path.endswith("validate") and answer.status_code == 200:
        assert answer.json()["valid"] is False and field in answer.json()["errors"]
    else:
        assert answer.status_code == 422, answer.content
        assert answer["Content-Type"] == "application/problem+json"
        assert field in answer.json()["errors"], answer.json()
    nothing_changed(sandbox, before)


@pytest.mark.parametrize("account", ["\uff11", "٣", "9" * 40, "-1", "0", "1.0", " 1", "", 2**70])
def test_unknown_or_odd_account_ids_are_not_found(member_api, r4_account, sandbox, account):
    before = AuditEvent.objects.count()
    body = {"account": account, "fields": {"name": "Checkout"}}
    answer = member_api.post("/api/v1/projects", body, key="k")
    assert answer.status_code in (404, 422), answer.content
    nothing_changed(sandbox, before)


@pytest.mark.parametrize(
    "raw",
    ["", "{", "[]", "null", "5", '"text"', '{"account": 1}', '{"fields": {}}',
     '{"account": true, "fields": {}}', '{"account": 1, "fields": []}',
     '{"account": 1, "fields": "name"}', "\x00", '{"account": 1, "fields": {}}' + " " * 10],
)  # fmt: skip
def test_bodies_of_the_wrong_shape(member_api, r4_account, sandbox, raw):
    before = AuditEvent.objects.count()
    answer = member_api.post("/api/v1/projects", raw=raw, key="k")
    assert answer.status_code in (400, 404, 422), answer.content
    assert answer["Content-Type"] == "application/problem+json"
    nothing_changed(sandbox, before)


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "201"}, {"limit": "abc"}, {"limit": "\uff11"}, {"limit": "9" * 50},
     {"after": "garbage"}, {"after": "x" * 3000}, {"sort": "password"}, {"vendor": "nope"},
     {"status": "deleted"}, {"q": "q" * 101}],
)  # fmt: skip
def test_list_parameters_that_mean_nothing_are_422(member_api, sandbox, params):
    answer = member_api.get("/api/v1/projects", **params)
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"]


@pytest.mark.parametrize("account", ["\uff11", "9" * 40, "abc"])
def test_an_account_filter_outside_the_team_is_404(member_api, account):
    assert member_api.get("/api/v1/projects", account=account).status_code == 404


@pytest.mark.parametrize("reference", ["not-a-uuid", "\uff11" * 8, "0" * 32 + "\uff10", "x" * 2000])
def test_odd_references_are_not_found(member_api, reference):
    assert member_api.get(f"/api/v1/projects/{reference}").status_code == 404
    assert member_api.post(f"/api/v1/projects/{reference}/retry", {}).status_code == 404
    assert member_api.get(f"/api/v1/batches/{reference}").status_code == 404
    for action in ("send", "cancel", "retry"):
        assert member_api.post(f"/api/v1/batches/{reference}/{action}", {}).status_code == 404


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "bearer vdash_x", "Basic dXNlcjpwYXNz", "Bearer vdash_\x00",
     "Bearer " + "a" * 5000, "Token vdash_abc", "Bearer  vdash_abc  extra"],
)  # fmt: skip
def test_bad_authorization_headers_are_401(client, header):
    answer = client.get("/api/v1/accounts", headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert ApiRateWindow.objects.count() == 0


def test_a_session_cookie_never_signs_an_api_request_in(client, member):
    client.force_login(member)
    answer = client.get("/api/v1/accounts")
    assert answer.status_code == 401
    assert (
        client.post("/api/v1/projects/validate", {}, content_type="application/json").status_code
        == 401
    )


def test_a_lone_surrogate_in_a_field_is_refused_not_a_500(member_api, r4_account, sandbox):
    raw = '{"account": ' + str(r4_account.pk) + ', "fields": {"name": "a\\ud800b"}}'
    answer = member_api.post("/api/v1/projects", raw=raw, key="k")
    assert answer.status_code == 422, answer.content
    assert Project.objects.count() == 0 and sandbox.calls() == []
