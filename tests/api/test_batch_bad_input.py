"""Hostile input to the batch endpoints: a 422 (413 for a body past the size limit) naming
where, no batch, no row, no key remembered, no vendor call, never a 500."""

from __future__ import annotations

import json

import pytest

from dashboard.models import AuditEvent, Batch, BatchRow, IdempotentRequest, Project

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nothing_written(sandbox):
    events = AuditEvent.objects.count()
    yield
    assert Batch.objects.count() == BatchRow.objects.count() == 0
    assert IdempotentRequest.objects.count() == 0 and Project.objects.count() == 0
    assert AuditEvent.objects.count() == events and sandbox.calls() == []


def create(api, payload=None, *, raw=None):
    return api.post("/api/v1/batches", payload, raw=raw, key="pipeline-7")


def refused_at(answer, where: str) -> None:
    assert answer.status_code == 422, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    keys = answer.json()["errors"]
    assert any(key == where or key.startswith(f"{where}.") for key in keys), answer.json()


@pytest.mark.parametrize(
    ("rows", "where"),
    [
        ({}, "rows"),
        ("a,b", "rows"),
        ([], "rows"),
        (None, "rows"),
        ([1], "rows.0"),
        ([[]], "rows.0"),
        ([{"account": "1"}], "rows.0.fields"),
        ([{"fields": {"name": "a"}}], "rows.0.account"),
        ([{"account": "1", "fields": []}], "rows.0.fields"),
        ([{"account": "1", "fields": "name=a"}], "rows.0.fields"),
    ],
)
def test_rows_of_the_wrong_shape(member_api, r4_account, nothing_written, rows, where):
    refused_at(create(member_api, {"name": "b", "rows": rows}), where)


@pytest.mark.parametrize(
    "account",
    [True, None, 1.0, 1.5, "\uff11", "٣", "²", "9" * 40, 2**70, 10**400, -1, 0, "0", "-1",
     "1 ", " 1", "1.0", "", "abc", "Production", [1], {"id": 1}],
)  # fmt: skip
def test_an_account_that_is_not_an_id(member_api, r4_account, nothing_written, account):
    payload = {"name": "b", "rows": [{"account": account, "fields": {"name": "a"}}]}
    refused_at(create(member_api, raw=json.dumps(payload)), "rows.0.account")


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"name": 12}, "rows.0.fields.name"),
        ({"name": 10**400}, "rows.0.fields.name"),
        ({"name": 1.5}, "rows.0.fields.name"),
        ({"name": {"a": 1}}, "rows.0.fields.name"),
        ({"name": [1]}, "rows.0.fields.name"),
        ({"name": [["a"]]}, "rows.0.fields.name"),
        ({"name": "nul\x00inside"}, "rows.0.fields.name"),
        ({"name": "bell\x07"}, "rows.0.fields.name"),
        ({"name": "escape\x1b[31m"}, "rows.0.fields.name"),
        ({"name": "c1\x85"}, "rows.0.fields.name"),
        ({"name": ["ok", "nul\x00"]}, "rows.0.fields.name"),
        ({"": "x"}, "rows.0.fields."),
        ({"k" * 101: "x"}, f"rows.0.fields.{'k' * 101}.[key]"),
    ],
)
def test_field_values_that_no_vendor_field_can_hold(
    member_api, r4_account, nothing_written, fields, where
):
    good = {"account": r4_account.pk, "fields": {"name": "fine"}}
    payload = {"name": "b", "rows": [{"account": r4_account.pk, "fields": fields}, good]}
    answer = create(member_api, payload)
    assert answer.status_code == 422, answer.content
    assert any(key.startswith(where) for key in answer.json()["errors"]), answer.json()


@pytest.mark.parametrize(
    "raw_field", ['"na\\u0000me"', '"x\\u0007"', '"a\\ud800b"'], ids=["nul", "bell", "surrogate"]
)
def test_control_characters_in_a_field_name_or_value(
    member_api, r4_account, nothing_written, raw_field
):
    for fields in (f'{{"name": {raw_field}}}', f'{{{raw_field}: "x"}}'):
        raw = f'{{"name": "b", "rows": [{{"account": {r4_account.pk}, "fields": {fields}}}]}}'
        answer = create(member_api, raw=raw)
        assert answer.status_code == 422, (raw, answer.content)
        assert any(key.startswith("rows.0.fields") for key in answer.json()["errors"])


@pytest.mark.parametrize("name", ["", "x" * 101, "nul\x00", "bell\x07", "   ", 5, None, ["b"]])
def test_a_bad_batch_name(member_api, r4_account, nothing_written, name):
    payload = {"name": name, "rows": [{"account": r4_account.pk, "fields": {}}]}
    refused_at(create(member_api, payload), "name")


def test_more_rows_than_a_batch_holds(member_api, r4_account, nothing_written, settings):
    settings.BATCH_MAX_ROWS = 3
    payload = {"name": "b", "rows": [{"account": r4_account.pk, "fields": {}}] * 4}
    refused_at(create(member_api, payload), "rows")


def test_more_rows_than_the_schema_allows(member_api, r4_account, nothing_written, settings):
    payload = {"name": "b", "rows": [{"account": 1, "fields": {}}] * (settings.BATCH_MAX_ROWS + 1)}
    answer = create(member_api, payload)
    refused_at(answer, "rows")
    assert len(answer.json()["errors"]) == 1  # one message, not one a row


def test_a_body_past_the_size_limit_is_413(member_api, r4_account, nothing_written, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    payload = {"name": "b", "rows": [{"account": r4_account.pk, "fields": {"name": "x" * 20_000}}]}
    answer = create(member_api, payload)
    assert answer.status_code == 413, answer.content
    assert answer.json()["type"].endswith("#too-large")


@pytest.mark.parametrize(
    "raw", ["", "{", "[]", "null", '"rows"', "\x00", '{"name": "b", "rows": [' + "[" * 5000]
)
def test_bodies_that_are_not_a_batch(member_api, nothing_written, raw):
    answer = create(member_api, raw=raw)
    assert answer.status_code in (400, 422), answer.content
    assert answer["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "params",
    [{"after": "-1"}, {"after": "\uff11"}, {"after": "9" * 50}, {"after": "x"},
     {"show": "everything"}, {"show": "\x00"}],
)  # fmt: skip
def test_row_page_parameters_that_mean_nothing(member_api, r4_account, sandbox, params):
    batch = create(member_api, {"name": "b", "rows": [{"account": r4_account.pk, "fields": {}}]})
    answer = member_api.get(batch.json()["url"], **params)
    refused_at(answer, next(iter(params)))


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "201"}, {"limit": "²"}, {"after": "garbage"}]
)
def test_list_parameters_that_mean_nothing(member_api, params):
    refused_at(member_api.get("/api/v1/batches", **params), next(iter(params)))


def one_good_row(api, account):
    return create(api, {"name": "b", "rows": [{"account": account.pk, "fields": {"name": "a"}}]})


@pytest.mark.parametrize(
    "raw", ['{"skip_invalid": "yes"}', '{"skip_invalid": 1}', '{"skip_invalid": null}', "[]",
            "[1]", "5", '"x"', "null", "true", "", "{"],
)  # fmt: skip
def test_a_send_body_of_the_wrong_type(member_api, r4_account, sandbox, raw):
    batch = one_good_row(member_api, r4_account)
    answer = member_api.post(f"{batch.json()['url']}/send", raw=raw)
    assert answer.status_code in (400, 422), answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert Project.objects.count() == 0 and sandbox.calls() == []


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "tab\there"])
def test_a_bad_key_on_a_send(member_api, r4_account, sandbox, key):
    batch = one_good_row(member_api, r4_account)
    answer = member_api.post(f"{batch.json()['url']}/send", {}, key=key)
    refused_at(answer, "Idempotency-Key")
    assert Project.objects.count() == 0 and sandbox.calls() == []
