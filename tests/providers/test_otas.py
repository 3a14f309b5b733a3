"""The OTAS client against its stand-in: login, raw token header, the status envelope."""

import pytest

from dashboard.validation.vendor_fields import clean_credentials, clean_project
from providers.base import ErrorKind, ProviderError
from providers.otas import OTAS
from providers.sandbox.core import SandboxResponse
from providers.sandbox.otas import DEMO_EMAIL, DEMO_PASSWORD, mint_token

otas = OTAS()
TOKEN = mint_token(DEMO_EMAIL)


def base(sandbox):
    return sandbox.base_url("otas")


def create(sandbox, **payload):
    payload.setdefault("project_name", "My Agent App")
    return otas.create_project(
        base_url=base(sandbox), credentials={"user_token": TOKEN}, payload=payload, reference="r"
    )


def test_login_reads_the_token_under_response_and_keeps_only_it(sandbox):
    stored, check = otas.connect(
        base_url=base(sandbox), credentials={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    )
    assert set(stored) == {"user_token"} and stored["user_token"].count(".") == 2
    assert check.identity == DEMO_EMAIL
    listed = sandbox.calls("otas", path="/api/project/v1/list/")[-1]
    assert listed["headers"]["x-otas-user-token"] == stored["user_token"]  # raw, no "Bearer"


def test_wrong_password_is_a_field_error(sandbox):
    with pytest.raises(ProviderError) as caught:
        otas.connect(base_url=base(sandbox), credentials={"email": DEMO_EMAIL, "password": "nope"})
    assert caught.value.kind == ErrorKind.AUTH and "wrong" in caught.value.field_errors["password"]


def test_a_pasted_token_is_verified_by_listing(sandbox):
    stored, check = otas.connect(base_url=base(sandbox), credentials={"user_token": TOKEN})
    assert stored == {"user_token": TOKEN} and check.details == {"projects": 0}


def test_an_invalid_token_is_refused_on_its_field(sandbox):
    with pytest.raises(ProviderError) as caught:
        otas.connect(base_url=base(sandbox), credentials={"user_token": TOKEN[:-3] + "abc"})
    assert caught.value.kind == ErrorKind.AUTH and caught.value.code == "invalid_token"
    assert "user_token" in caught.value.field_errors


def test_create_reads_the_201_envelope(sandbox):
    result = create(
        sandbox,
        project_description="Recommendation agent",
        project_domain="https://app.example.com",
    )
    assert len(result.remote_id) == 36
    assert result.details == {
        "description": "Recommendation agent",
        "domain": "https://app.example.com",
    }
    assert sandbox.calls("otas", method="POST")[-1]["json"] == {
        "project_name": "My Agent App",
        "project_description": "Recommendation agent",
        "project_domain": "https://app.example.com",
    }


def test_the_documented_200_success_is_accepted_too(sandbox, monkeypatch):
    monkeypatch.setattr(
        sandbox.vendors["otas"],
        "handle",
        lambda r: SandboxResponse(
            200,
            {
                "status": 1,
                "status_description": "project_created",
                "response_body": {
                    "project": {"id": "b2c3d4e5", "name": "x", "description": "", "domain": ""}
                },
            },
        ),
    )
    assert create(sandbox).remote_id == "b2c3d4e5"


def test_status_0_with_http_200_is_a_failure(sandbox, monkeypatch):
    monkeypatch.setattr(
        sandbox.vendors["otas"],
        "handle",
        lambda r: SandboxResponse(
            200,
            {
                "status": 0,
                "status_description": "project_creation_failed",
                "errors": ["Quota exceeded"],
            },
        ),
    )
    with pytest.raises(ProviderError) as caught:
        create(sandbox)
    assert caught.value.kind == ErrorKind.INVALID and "Quota exceeded" in caught.value.message


def test_errors_list_items_land_on_the_fields_they_name(sandbox):
    with pytest.raises(ProviderError) as caught:  # bypasses our own checks on purpose
        create(sandbox, project_name=" ", project_description="d" * 301)
    assert "255" in caught.value.field_errors["project_name"]
    assert "300" in caught.value.field_errors["project_description"]
    assert caught.value.code == "project_creation_failed"


@pytest.mark.parametrize(
    ("headers", "code"), [({}, "missing_token"), ({"user_token": "a.b.c"}, "invalid_token")]
)
def test_token_failures_are_auth_errors(sandbox, headers, code):
    with pytest.raises(ProviderError) as caught:
        otas.create_project(
            base_url=base(sandbox),
            credentials=headers,
            payload={"project_name": "x"},
            reference="r",
        )
    assert caught.value.kind == ErrorKind.AUTH and caught.value.code == code


def test_invalid_json_and_500(sandbox, monkeypatch):
    monkeypatch.setattr(
        sandbox.vendors["otas"],
        "handle",
        lambda r: SandboxResponse(400, {"status": 0, "status_description": "invalid_json"}),
    )
    with pytest.raises(ProviderError) as caught:
        create(sandbox)
    assert caught.value.code == "invalid_json"
    monkeypatch.undo()
    sandbox.inject("error_500", vendor="otas")
    with pytest.raises(ProviderError) as caught:
        create(sandbox)
    assert caught.value.kind == ErrorKind.UNAVAILABLE and caught.value.status == 500


@pytest.mark.parametrize("fault", ["drop", "timeout_after_create", "malformed_json", "html_error"])
def test_lost_answers_are_outcome_unknown(sandbox, fault):
    sandbox.inject(fault, vendor="otas", delay=1.5)
    with pytest.raises(ProviderError) as caught:
        create(sandbox)
    assert caught.value.kind == ErrorKind.OUTCOME_UNKNOWN


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"project_name": ""}, "project_name"),
        ({"project_name": "  "}, "project_name"),
        ({"project_name": "n" * 256}, "project_name"),
        ({"project_name": "a\x1b"}, "project_name"),
        ({"project_name": "ok", "project_description": "d" * 301}, "project_description"),
        ({"project_name": "ok", "project_domain": "myapp.example.com"}, "project_domain"),
        ({"project_name": "ok", "project_domain": "ftp://myapp.example.com"}, "project_domain"),
        ({"project_name": "ok", "project_domain": "javascript:alert(1)"}, "project_domain"),
        (
            {"project_name": "ok", "project_domain": "https://user:pw@myapp.example.com"},
            "project_domain",
        ),
        (
            {"project_name": "ok", "project_domain": "https://" + "a" * 190 + ".com"},
            "project_domain",
        ),
    ],
)
def test_field_limits_and_domain_validation(data, field):
    _, errors = clean_project(otas, data)
    assert field in errors


def test_good_domains_pass():
    for domain in (
        "https://myapp.example.com",
        "http://localhost:3000/app",
        "https://a.io/" + "p" * 180,
    ):
        _, errors = clean_project(otas, {"project_name": "ok", "project_domain": domain})
        assert errors == {}, domain


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({}, "email"),
        ({"email": "a@b.c"}, "password"),
        ({"password": "x"}, "email"),
        ({"user_token": "not a jwt"}, "user_token"),
    ],
)
def test_connect_input_needs_login_or_a_token(typed, field):
    _, errors = clean_credentials(otas, typed)
    assert field in errors


def test_a_pasted_token_wins_and_nothing_else_is_kept():
    cleaned, errors = clean_credentials(
        otas, {"email": "a@b.c", "password": "pw", "user_token": TOKEN}
    )
    assert errors == {} and cleaned == {"user_token": TOKEN}


def test_list_projects_reads_response_body(sandbox):
    made = create(sandbox, project_description="desc")
    listed = otas.list_projects(base_url=base(sandbox), credentials={"user_token": TOKEN})
    assert [(p.remote_id, p.name, p.description, p.status) for p in listed] == [
        (made.remote_id, "My Agent App", "desc", "active")
    ]
    assert (
        otas.get_project(base_url=base(sandbox), credentials={"user_token": TOKEN}, remote_id="x")
        is None
    )


def test_a_429_reads_as_rate_limiting_like_every_vendors(sandbox):
    sandbox.inject("rate_limit", vendor="otas", method="POST")
    with pytest.raises(ProviderError) as caught:
        create(sandbox)
    assert caught.value.kind == ErrorKind.RATE_LIMITED and caught.value.retryable
    assert "limiting requests" in caught.value.message


def test_a_listed_row_it_cannot_read_is_counted_not_dropped(sandbox):
    create(sandbox, name="One")
    create(sandbox, name="Two")
    path = "response_body.projects.0.name"
    sandbox.inject("mutate", vendor="otas", method="GET", field=path, value=None)
    listed = otas.list_projects(base_url=base(sandbox), credentials={"user_token": TOKEN})
    assert len(listed) == 1 and listed.unreadable == 1
