"""The Dev Kit for AI client against its stand-in: login, refresh, headers, errors."""

import time

import pytest

from dashboard.validation.vendor_fields import clean_credentials, clean_project
from providers.base import ErrorKind, ProviderError
from providers.devkit4ai import DevKit4AI
from providers.sandbox.devkit4ai import DEMO_DEVELOPER_KEY, DEMO_EMAIL, DEMO_PASSWORD

devkit = DevKit4AI()
TYPED = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "developer_key": DEMO_DEVELOPER_KEY}


@pytest.fixture
def stand_in(sandbox):
    return sandbox.vendors["devkit4ai"]


def base(sandbox):
    return sandbox.base_url("devkit4ai")


def connect(sandbox, **typed):
    return devkit.connect(base_url=base(sandbox), credentials={**TYPED, **typed})


def paths(sandbox):
    return [c["path"] for c in sandbox.calls("devkit4ai")]


def test_connect_keeps_tokens_and_never_the_password(sandbox):
    stored, check = connect(sandbox)
    assert set(stored) == {
        "email",
        "developer_key",
        "access_token",
        "access_expires_at",
        "refresh_token",
        "refresh_expires_at",
    }
    assert DEMO_PASSWORD not in str(dict(stored).values())
    assert check.identity == DEMO_EMAIL
    assert paths(sandbox) == ["/api/v1/auth/login", "/api/v1/projects/"]


def test_every_developer_call_sends_the_three_headers(sandbox):
    stored, _ = connect(sandbox)
    headers = sandbox.calls("devkit4ai", path="/api/v1/projects/")[-1]["headers"]
    assert headers["authorization"] == f"Bearer {stored['access_token']}"
    assert headers["x-user-role"] == "developer"
    assert headers["x-developer-key"] == DEMO_DEVELOPER_KEY


@pytest.mark.parametrize(
    ("typed", "field", "words"),
    [
        ({"password": "wrong-password"}, "password", "email or password is wrong"),
        ({"email": "inactive@sandbox.devkit.test"}, "email", "not activated"),
        ({"developer_key": "dk_wrong_but_wellformed_key"}, "developer_key", "developer key"),
    ],
)
def test_each_connect_failure_has_its_own_message_on_its_field(sandbox, typed, field, words):
    with pytest.raises(ProviderError) as caught:
        connect(sandbox, **typed)
    assert words in caught.value.field_errors[field]


def test_the_stand_in_really_expires_access_tokens(sandbox, stand_in):
    stand_in.access_ttl = 0  # every token it issues is dead on arrival
    with pytest.raises(ProviderError) as caught:
        connect(sandbox)
    assert caught.value.kind == ErrorKind.AUTH
    # The login token looked expired, so it was refreshed; the fresh one failed too: no loop.
    assert paths(sandbox) == ["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/projects/"]


def test_an_expired_access_token_is_refreshed_before_the_call(sandbox, stand_in):
    stored, _ = connect(sandbox)
    stored["access_expires_at"] = str(int(time.time()) - 1)
    old_refresh = stored["refresh_token"]
    devkit.create_project(
        base_url=base(sandbox), credentials=stored, payload={"name": "Staging - API"}, reference="r"
    )
    assert paths(sandbox)[-2:] == ["/api/v1/auth/refresh", "/api/v1/projects/"]
    assert stored["refresh_token"] != old_refresh  # rotated in place, for the caller to store


def test_a_401_refreshes_once_and_retries_once(sandbox, stand_in):
    stored, _ = connect(sandbox)
    stored["access_token"] = (
        stored["access_token"][:-4] + "AAAA"
    )  # the server rejects it; we think it's fresh
    result = devkit.create_project(
        base_url=base(sandbox), credentials=stored, payload={"name": "Prod - API"}, reference="r"
    )
    assert result.remote_id
    assert paths(sandbox)[-3:] == ["/api/v1/projects/", "/api/v1/auth/refresh", "/api/v1/projects/"]


def test_a_second_401_after_refresh_is_sign_in_again_not_a_loop(sandbox, stand_in, monkeypatch):
    stored, _ = connect(sandbox)
    from providers.sandbox.devkit4ai import _detail

    real = stand_in._developer
    monkeypatch.setattr(
        stand_in, "_developer", lambda r: ("", _detail(401, "Could not validate credentials"))
    )
    with pytest.raises(ProviderError) as caught:
        devkit.create_project(
            base_url=base(sandbox),
            credentials=stored,
            payload={"name": "Prod - API"},
            reference="r",
        )
    assert caught.value.kind == ErrorKind.AUTH and "sign in again" in caught.value.message
    assert paths(sandbox).count("/api/v1/auth/refresh") == 1
    assert paths(sandbox).count("/api/v1/projects/") == 3  # verify, then the call and its one retry
    monkeypatch.setattr(stand_in, "_developer", real)


def test_an_expired_refresh_token_makes_no_call_at_all(sandbox, stand_in):
    stored, _ = connect(sandbox)
    stored["access_expires_at"] = stored["refresh_expires_at"] = "1"
    before = len(sandbox.calls("devkit4ai"))
    with pytest.raises(ProviderError) as caught:
        devkit.create_project(
            base_url=base(sandbox),
            credentials=stored,
            payload={"name": "Prod - API"},
            reference="r",
        )
    assert caught.value.kind == ErrorKind.AUTH and caught.value.code == "refresh_expired"
    assert len(sandbox.calls("devkit4ai")) == before


def test_a_refused_refresh_is_sign_in_again(sandbox, stand_in):
    stored, _ = connect(sandbox)
    stored["access_expires_at"] = "1"
    stand_in.revoked_refresh.add(stored["refresh_token"])
    with pytest.raises(ProviderError) as caught:
        devkit.verify(base_url=base(sandbox), credentials=stored)
    assert caught.value.kind == ErrorKind.AUTH and caught.value.code == "refresh_refused"


def test_the_vendors_role_refusal_is_a_clear_forbidden(sandbox, stand_in):
    stored, _ = connect(sandbox)
    stand_in.accepted_role = "admin"  # the server wants a role we don't send
    with pytest.raises(ProviderError) as caught:
        devkit.create_project(
            base_url=base(sandbox),
            credentials=stored,
            payload={"name": "Prod - API"},
            reference="r",
        )
    assert caught.value.kind == ErrorKind.FORBIDDEN and caught.value.code == "developer_role"
    assert "developer role" in caught.value.message


@pytest.mark.parametrize(("shape", "status"), [("full", 201), ("full", 200), ("id_only", 201)])
def test_both_answer_shapes_and_statuses(sandbox, stand_in, shape, status):
    stand_in.create_shape, stand_in.create_status = shape, status
    stored, _ = connect(sandbox)
    result = devkit.create_project(
        base_url=base(sandbox),
        credentials=stored,
        payload={"name": "Prod - API", "description": "Main API"},
        reference="r",
    )
    assert len(result.remote_id) == 36
    if shape == "full":
        assert result.details["description"] == "Main API" and result.details["is_active"] is True
    else:
        assert result.details == {}


def test_422_detail_items_map_to_their_fields(sandbox):
    stored, _ = connect(sandbox)
    with pytest.raises(ProviderError) as caught:  # bypasses our own check on purpose
        devkit.create_project(
            base_url=base(sandbox),
            credentials=stored,
            payload={"name": "ab", "description": "d" * 501},
            reference="r",
        )
    assert caught.value.kind == ErrorKind.INVALID
    assert "3-100" in caught.value.field_errors["name"]
    assert "500" in caught.value.field_errors["description"]


def test_the_vendor_tier_limit_is_its_own_message(sandbox, stand_in):
    stored, _ = connect(sandbox)
    for i in range(5):
        devkit.create_project(
            base_url=base(sandbox), credentials=stored, payload={"name": f"Prod {i}"}, reference="r"
        )
    with pytest.raises(ProviderError) as caught:
        devkit.create_project(
            base_url=base(sandbox), credentials=stored, payload={"name": "Prod 6"}, reference="r"
        )
    assert caught.value.code == "tier_limit" and "tier" in caught.value.message


def test_429_says_when_to_retry(sandbox):
    stored, _ = connect(sandbox)
    sandbox.inject("rate_limit", vendor="devkit4ai")
    with pytest.raises(ProviderError) as caught:
        devkit.create_project(
            base_url=base(sandbox), credentials=stored, payload={"name": "Prod"}, reference="r"
        )
    assert caught.value.kind == ErrorKind.RATE_LIMITED and caught.value.retry_after == 42
    assert "42 seconds" in caught.value.message


@pytest.mark.parametrize("shape", ["array", "object"])
def test_both_list_shapes_verify(sandbox, stand_in, shape):
    stand_in.list_shape = shape
    stored, _ = connect(sandbox)
    devkit.create_project(
        base_url=base(sandbox), credentials=stored, payload={"name": "Prod"}, reference="r"
    )
    assert devkit.verify(base_url=base(sandbox), credentials=stored).details == {"projects": 1}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "ab"}, "name"),
        ({"name": "   abc  "[:4]}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"name": "ok name", "description": "d" * 501}, "description"),
        ({"name": "a\x00bc"}, "name"),
    ],
)
def test_the_create_pages_limits(data, field):
    _, errors = clean_project(devkit, data)
    assert field in errors


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"developer_key": "has spaces in the key!!"}, "developer_key"),
        ({"password": ""}, "password"),
    ],
)
def test_malformed_connect_input_is_refused_locally(typed, field):
    _, errors = clean_credentials(devkit, {**TYPED, **typed})
    assert field in errors


def test_the_hint_shows_the_email_and_the_key_tail_only():
    assert devkit.credential_hint(TYPED) == f"{DEMO_EMAIL} · key ••••cdef"


@pytest.mark.parametrize("shape", ["array", "object"])
def test_list_and_get_projects(sandbox, stand_in, shape):
    stand_in.list_shape = shape
    stored, _ = connect(sandbox)
    made = devkit.create_project(
        base_url=base(sandbox),
        credentials=stored,
        payload={"name": "Prod API", "description": "d"},
        reference="r",
    )
    listed = devkit.list_projects(base_url=base(sandbox), credentials=stored)
    assert [(p.remote_id, p.name, p.status, p.description) for p in listed] == [
        (made.remote_id, "Prod API", "active", "d")
    ]
    assert listed[0].created_at is not None
    got = devkit.get_project(base_url=base(sandbox), credentials=stored, remote_id=made.remote_id)
    assert got.name == "Prod API"
    assert devkit.get_project(base_url=base(sandbox), credentials=stored, remote_id="nope") is None
