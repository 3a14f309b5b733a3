"""The R4 client against the R4 stand-in, over real HTTP on loopback."""

import pytest

from dashboard.validation.vendor_fields import clean_credentials, clean_project
from providers.base import ErrorKind, ProviderError
from providers.r4 import R4
from providers.sandbox.r4 import mint_key

r4 = R4()
KEY = mint_key("prov0001")


def create(sandbox, payload=None, reference="ref-1", key=KEY):
    return r4.create_project(
        base_url=sandbox.base_url("r4"),
        credentials={"api_key": key},
        payload=payload or {"name": "Production Infrastructure"},
        reference=reference,
    )


def test_verify_returns_the_tenant(sandbox):
    check = r4.verify(base_url=sandbox.base_url("r4"), credentials={"api_key": KEY})
    assert check.identity == "Sandbox tenant prov0001"
    assert sandbox.calls("r4")[-1]["headers"]["x-api-key"] == KEY


def test_verify_with_a_wrong_secret_is_an_auth_error_on_the_key_field(sandbox):
    forged = KEY.split(".")[0] + ".not-the-real-secret-at-all-000"
    with pytest.raises(ProviderError) as caught:
        r4.verify(base_url=sandbox.base_url("r4"), credentials={"api_key": forged})
    assert caught.value.kind == ErrorKind.AUTH
    assert caught.value.code == "invalid_api_key"
    assert "api_key" in caught.value.field_errors
    assert "not-the-real-secret" not in str(caught.value)


def test_create_sends_exactly_the_documented_body(sandbox):
    result = create(
        sandbox, {"name": "Infra", "externalId": "PROJ-001", "description": "All of it"}
    )
    assert len(result.remote_id) == 24
    sent = sandbox.calls("r4", method="POST")[-1]
    assert sent["json"] == {"name": "Infra", "externalId": "PROJ-001", "description": "All of it"}
    assert sent["headers"]["content-type"] == "application/json"
    assert sent["headers"]["user-agent"].startswith("vendor-dashboard/")


def test_blank_external_id_carries_our_reference_and_blank_description_is_left_out(sandbox):
    create(sandbox, {"name": "Infra", "externalId": "", "description": ""}, reference="our-uuid")
    assert sandbox.calls("r4", method="POST")[-1]["json"] == {
        "name": "Infra",
        "externalId": "our-uuid",
    }
    listed = sandbox.vendors["r4"].projects["prov0001"]
    assert [p["externalId"] for p in listed.values()] == ["our-uuid"]


def test_vendor_validation_refusal_is_invalid_with_its_code(sandbox):
    with pytest.raises(ProviderError) as caught:
        create(sandbox, {"name": "x" * 256})  # bypasses our own check on purpose
    assert caught.value.kind == ErrorKind.INVALID
    assert caught.value.code == "project_creation_failed"
    assert caught.value.status == 400
    assert "verify your input" in caught.value.message


@pytest.mark.parametrize(
    ("fault", "kind", "created_at_vendor"),
    [
        ("error_500", ErrorKind.UNAVAILABLE, False),
        ("rate_limit", ErrorKind.RATE_LIMITED, False),
        ("malformed_json", ErrorKind.OUTCOME_UNKNOWN, True),
        ("html_error", ErrorKind.OUTCOME_UNKNOWN, False),
        ("drop", ErrorKind.OUTCOME_UNKNOWN, False),
        ("timeout_after_create", ErrorKind.OUTCOME_UNKNOWN, True),
    ],
)
def test_each_fault_maps_to_one_error_kind(sandbox, fault, kind, created_at_vendor):
    sandbox.inject(fault, vendor="r4", delay=1.5)
    with pytest.raises(ProviderError) as caught:
        create(sandbox)
    assert caught.value.kind == kind
    assert bool(sandbox.vendors["r4"].projects["prov0001"]) is created_at_vendor
    assert len(sandbox.calls("r4", method="POST")) == 1  # a POST is never retried


def test_rate_limit_error_says_when_to_retry(sandbox):
    sandbox.inject("rate_limit", vendor="r4")
    with pytest.raises(ProviderError) as caught:
        create(sandbox)
    assert caught.value.retry_after == 30
    assert "30 seconds" in caught.value.message


def test_slow_answer_within_the_timeout_succeeds(sandbox):
    sandbox.inject("slow", vendor="r4", delay=0.3)
    assert create(sandbox).remote_id


def test_the_stand_in_enforces_100_requests_a_minute(sandbox, monkeypatch):
    monkeypatch.setattr(sandbox.vendors["r4"], "rate_limit_per_minute", 3)
    for _ in range(3):
        r4.verify(base_url=sandbox.base_url("r4"), credentials={"api_key": KEY})
    with pytest.raises(ProviderError) as caught:
        r4.verify(base_url=sandbox.base_url("r4"), credentials={"api_key": KEY})
    assert caught.value.kind == ErrorKind.RATE_LIMITED


def test_missing_key_is_refused_by_the_stand_in(sandbox):
    with pytest.raises(ProviderError) as caught:
        create(sandbox, key="")
    assert caught.value.kind == ErrorKind.AUTH
    assert caught.value.code == "missing_api_key"


def test_get_project_and_list(sandbox):
    result = create(sandbox)
    from providers import http

    got = http.send(
        "GET", f"{sandbox.base_url('r4')}/project/{result.remote_id}", headers={"X-API-Key": KEY}
    )
    assert got.json()["name"] == "Production Infrastructure"
    missing = http.send(
        "GET", f"{sandbox.base_url('r4')}/project/{'0' * 24}", headers={"X-API-Key": KEY}
    )
    assert missing.status == 404 and missing.json()["error"]["code"] == "project_not_found"
    listed = http.send("GET", f"{sandbox.base_url('r4')}/project", headers={"X-API-Key": KEY})
    assert [p["id"] for p in listed.json()["projects"]] == [result.remote_id]


# --- Input rules (no HTTP) ----------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "   \t "}, "name", "required"),
        ({"name": "x" * 256}, "name", "most this vendor accepts is 255"),
        ({"name": "bad\x00name"}, "name", "control characters"),
        ({"name": "two\nlines"}, "name", "control characters"),
        ({"name": "ok\x1b[31m"}, "name", "control characters"),
        ({"name": "ok", "externalId": "e" * 256}, "externalId", "255"),
        ({"name": "ok", "description": "d" * 1001}, "description", "1000"),
        ({"name": "ok", "description": "bell\x07"}, "description", "control characters"),
    ],
)
def test_project_field_limits(data, field, words):
    _, errors = clean_project(r4, data)
    assert words in errors[field]


def test_limits_are_inclusive_and_values_are_trimmed():
    cleaned, errors = clean_project(
        r4,
        {
            "name": "  " + "n" * 255 + "  ",
            "externalId": "e" * 255,
            "description": "line one\nline two" + "d" * 983,
        },
    )
    assert errors == {}
    assert cleaned["name"] == "n" * 255


@pytest.mark.parametrize(
    "key",
    [
        "",
        "rk_abc",
        "abc.defghijklmnopqrstu",
        "rk_.defghijklmnopqrstu",
        "rk_abc 123.defghijklmnopqrstu",
        "rk_abc123.defghijklmnop\x00qrstu",
        "RK_abc123.defghijklmnopqrstu",
    ],
)
def test_malformed_keys_are_refused_before_any_call(key):
    _, errors = clean_credentials(r4, {"api_key": key})
    assert "api_key" in errors


def test_only_the_access_part_of_a_key_is_ever_shown():
    assert r4.credential_hint({"api_key": KEY}) == "rk_prov0001.••••"
    assert KEY.split(".")[1] not in r4.credential_hint({"api_key": KEY})


@pytest.mark.parametrize("key", ["rk_a.b", "rk_abc123.short", "rk_ABC-123_x.s3cr3t.with.dots"])
def test_keys_of_the_documented_shape_go_to_r4_whatever_their_length(key):
    # The docs show rk_<access>.<secret> and no lengths or alphabets: R4 judges those.
    cleaned, errors = clean_credentials(R4(), {"api_key": key})
    assert errors == {} and cleaned["api_key"] == key
    assert R4().credential_hint(cleaned) == key.split(".")[0] + ".••••"


def test_a_list_answer_without_projects_is_unreadable_not_empty(sandbox):
    # "No projects" would make a lost create look absent, and open the way to a duplicate.
    sandbox.inject("mutate", vendor="r4", method="GET", field="projects", value=None)
    with pytest.raises(ProviderError) as caught:
        r4.list_projects(base_url=sandbox.base_url("r4"), credentials={"api_key": KEY})
    assert caught.value.kind == ErrorKind.UNAVAILABLE


def test_a_listed_row_it_cannot_read_is_counted_not_dropped(sandbox):
    # A listing that silently lost a row would pass for whole, and a lost create for absent.
    create(sandbox, reference="ref-a")
    create(sandbox, reference="ref-b")
    sandbox.inject("mutate", vendor="r4", method="GET", field="projects.0.name", value=None)
    listed = r4.list_projects(base_url=sandbox.base_url("r4"), credentials={"api_key": KEY})
    assert len(listed) == 1 and listed.unreadable == 1
    whole = r4.list_projects(base_url=sandbox.base_url("r4"), credentials={"api_key": KEY})
    assert len(whole) == 2 and whole.unreadable == 0
