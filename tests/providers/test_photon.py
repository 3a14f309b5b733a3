"""The Photon client against the Photon stand-in, over real HTTP on loopback."""

import pytest

from dashboard.validation.vendor_fields import clean_credentials, clean_project
from providers.base import ErrorKind, ProviderError
from providers.device_login import PollState
from providers.photon import Photon
from providers.sandbox.photon import mint_token

photon = Photon()
TOKEN = mint_token("ada")


@pytest.fixture
def stand_in(sandbox):
    return sandbox.vendors["photon"]


def base(sandbox):
    return sandbox.base_url("photon")


def create(sandbox, **payload):
    payload.setdefault("name", "Support bot")
    return photon.create_project(
        base_url=base(sandbox),
        credentials={"access_token": TOKEN},
        payload=payload,
        reference="ref",
    )


def test_verify_reads_the_session_user(sandbox):
    check = photon.verify(base_url=base(sandbox), credentials={"access_token": TOKEN})
    assert check.identity == "ada@sandbox.photon.test"
    assert sandbox.calls("photon")[-1]["headers"]["authorization"] == f"Bearer {TOKEN}"


def test_verify_falls_back_to_profile_when_get_session_is_missing(sandbox, stand_in, monkeypatch):
    from providers.sandbox.core import SandboxResponse

    real = stand_in.handle
    monkeypatch.setattr(
        stand_in,
        "handle",
        lambda r: (
            SandboxResponse(404, {"error": "Not found"})
            if r.path == "/api/auth/get-session"
            else real(r)
        ),
    )
    check = photon.verify(base_url=base(sandbox), credentials={"access_token": TOKEN})
    assert check.identity == "ada@sandbox.photon.test"
    assert [c["path"] for c in sandbox.calls("photon")] == ["/api/auth/get-session", "/api/profile"]


def test_verify_refuses_a_forged_token(sandbox):
    with pytest.raises(ProviderError) as caught:
        photon.verify(
            base_url=base(sandbox), credentials={"access_token": mint_token("ada", "forged")}
        )
    assert caught.value.kind == ErrorKind.AUTH and "access_token" in caught.value.field_errors


# --- device login -----------------------------------------------------------------


def start(sandbox):
    return photon.start_device_login(base_url=base(sandbox))


def poll(sandbox, authorization):
    return photon.poll_device_login(base_url=base(sandbox), device_code=authorization.device_code)


def test_device_code_request_is_as_documented(sandbox, stand_in):
    authorization = start(sandbox)
    sent = sandbox.calls("photon")[-1]["json"]
    assert sent == {"client_id": "photon-cli", "scope": "openid profile email"}
    assert authorization.interval == 5 and authorization.expires_in == 1800
    assert authorization.verification_uri_complete.endswith(f"user_code={authorization.user_code}")


def test_missing_interval_and_expiry_default_to_5_and_1800(sandbox, stand_in):
    stand_in.omit_timing = True
    stand_in.interval = 1
    authorization = start(sandbox)
    assert (authorization.interval, authorization.expires_in) == (5, 1800)


@pytest.mark.parametrize("location", ["body", "data", "header"])
def test_the_token_is_accepted_from_body_data_or_header(sandbox, stand_in, location):
    stand_in.token_location = location
    stand_in.enforce_interval = False
    authorization = start(sandbox)
    assert poll(sandbox, authorization).state == PollState.PENDING
    stand_in.approve(authorization.user_code, "ada")
    result = poll(sandbox, authorization)
    assert result.state == PollState.APPROVED and result.token == TOKEN
    assert TOKEN not in repr(result)
    sent = sandbox.calls("photon", path="/api/auth/device/token")[-1]["json"]
    assert sent == {
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": authorization.device_code,
        "client_id": "photon-cli",
    }


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        ("slow_down", PollState.SLOW_DOWN),
        (429, PollState.RATE_LIMITED),
        ("access_denied", PollState.DENIED),
        ("expired_token", PollState.EXPIRED),
        ("invalid_grant", PollState.FAILED),
        ("invalid_request", PollState.FAILED),
        ("authorization_pending", PollState.PENDING),
    ],
)
def test_each_token_endpoint_answer_maps_to_one_state(sandbox, stand_in, answer, state):
    authorization = start(sandbox)
    stand_in.scripted_token_answers = [answer]
    assert poll(sandbox, authorization).state == state


def test_polling_too_fast_gets_slow_down_from_the_stand_in(sandbox, stand_in):
    authorization = start(sandbox)
    assert poll(sandbox, authorization).state == PollState.PENDING
    assert poll(sandbox, authorization).state == PollState.SLOW_DOWN


def test_denial_on_the_approval_page(sandbox, stand_in):
    stand_in.enforce_interval = False
    authorization = start(sandbox)
    stand_in.approve(authorization.user_code, deny=True)
    assert poll(sandbox, authorization).state == PollState.DENIED


def test_a_lost_poll_answer_is_unavailable_not_an_error(sandbox):
    authorization = start(sandbox)
    sandbox.inject("drop", vendor="photon", path_contains="device/token")
    assert poll(sandbox, authorization).state == PollState.UNAVAILABLE


# --- create -------------------------------------------------------------------------


def test_create_sends_exactly_the_documented_json(sandbox):
    create(
        sandbox,
        location="Germany",
        spectrum=True,
        template=False,
        observability=True,
        platforms=["imessage", "voice"],
        extra="never sent",
    )
    sent = sandbox.calls("photon", method="POST")[-1]["json"]
    assert sent == {
        "name": "Support bot",
        "location": "Germany",
        "spectrum": True,
        "template": False,
        "observability": True,
        "platforms": ["imessage", "voice"],
    }


def test_full_project_answer_keeps_the_secret_apart(sandbox):
    result = create(sandbox, spectrum=True)
    assert len(result.remote_id) == 36
    assert result.secrets["projectSecret"].startswith("ps_")
    assert "projectSecret" not in result.details
    assert result.details["status"] == "running" and result.details["spectrumProjectId"].startswith(
        "spc_"
    )
    assert {"userId", "createdAt", "updatedAt", "location"} <= set(result.details)


def test_the_deployed_answer_without_a_secret_still_gets_the_spectrum_secret(sandbox, stand_in):
    stand_in.create_shape = "success"  # 200 {success, id, ownerStatus}, as deployed
    result = create(sandbox, spectrum=True)
    stored = stand_in.projects[result.remote_id]["projectSecret"]
    assert result.secrets == {"projectSecret": stored} and stored
    assert result.details == {"ownerStatus": "owner"}
    paths = [(c["method"], c["path"]) for c in sandbox.calls("photon")]
    assert ("GET", f"/api/projects/{result.remote_id}") in paths  # read back, not re-created
    assert sum(1 for method, path in paths if method == "POST") == 1  # one create, no regenerate


def test_when_reading_it_back_fails_the_secret_is_regenerated(sandbox, stand_in):
    stand_in.create_shape = "success"
    sandbox.inject("error_500", vendor="photon", method="GET", path_contains="/api/projects/")
    result = create(sandbox, spectrum=True)
    assert result.secrets["projectSecret"] == stand_in.projects[result.remote_id]["projectSecret"]
    assert any(c["path"].endswith("/regenerate-secret") for c in sandbox.calls("photon"))


def test_without_spectrum_no_secret_is_sought(sandbox, stand_in):
    stand_in.create_shape = "success"
    result = create(sandbox, spectrum=False)
    assert result.secrets == {} and len(sandbox.calls("photon")) == 1


def test_error_with_status_200_is_a_refusal(sandbox, stand_in):
    stand_in.create_shape = "error200"
    with pytest.raises(ProviderError) as caught:
        create(sandbox)
    assert caught.value.kind == ErrorKind.INVALID and caught.value.status == 200
    assert "Project limit reached" in caught.value.message


def test_422_validation_lands_on_the_named_field(sandbox):
    with pytest.raises(ProviderError) as caught:
        create(sandbox, name="   ")  # bypasses our own check on purpose
    assert caught.value.kind == ErrorKind.INVALID
    assert "greater or equal to 1" in caught.value.field_errors["name"]


def test_400_error_body_names_its_field(sandbox):
    sandbox.inject("error_400", vendor="photon")
    with pytest.raises(ProviderError) as caught:
        create(sandbox)
    assert caught.value.kind == ErrorKind.INVALID and "name" in caught.value.field_errors


def test_401_is_an_auth_error(sandbox):
    with pytest.raises(ProviderError) as caught:
        photon.create_project(
            base_url=base(sandbox),
            credentials={"access_token": "x" * 20},
            payload={"name": "n"},
            reference="r",
        )
    assert caught.value.kind == ErrorKind.AUTH


@pytest.mark.parametrize("fault", ["drop", "timeout_after_create", "malformed_json", "html_error"])
def test_lost_answers_are_outcome_unknown(sandbox, fault):
    sandbox.inject(fault, vendor="photon", delay=1.5)
    with pytest.raises(ProviderError) as caught:
        create(sandbox)
    assert caught.value.kind == ErrorKind.OUTCOME_UNKNOWN


def test_regenerate_secret_returns_a_new_one(sandbox):
    result = create(sandbox, spectrum=True)
    new = photon.regenerate_secret(
        base_url=base(sandbox), credentials={"access_token": TOKEN}, remote_id=result.remote_id
    )
    assert new.startswith("ps_") and new != result.secrets["projectSecret"]


# --- input rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "n" * 256}, "name"),
        ({"name": "a\x07"}, "name"),
        ({"name": "ok", "location": "l" * 256}, "location"),
        ({"name": "ok", "platforms": ["imessage", "fax"]}, "platforms"),
    ],
)
def test_project_field_rules(data, field):
    _, errors = clean_project(photon, data)
    assert field in errors


def test_checkboxes_and_platforms_clean_to_booleans_and_a_list():
    cleaned, errors = clean_project(
        photon, {"name": " Bot ", "spectrum": "on", "platforms": ["voice", "imessage"]}
    )
    assert errors == {}
    assert cleaned == {
        "name": "Bot",
        "location": "",
        "spectrum": True,
        "template": False,
        "observability": False,
        "platforms": ["imessage", "voice"],
    }


@pytest.mark.parametrize("token", ["", "has space in it here", "tok\x00en-long-enough-123"])
def test_malformed_tokens_are_refused(token):
    _, errors = clean_credentials(photon, {"access_token": token})
    assert "access_token" in errors


def test_a_bearer_prefix_is_tolerated_and_only_the_tail_is_shown():
    cleaned, errors = clean_credentials(photon, {"access_token": f"Bearer {TOKEN}"})
    assert errors == {} and cleaned["access_token"] == TOKEN
    assert photon.credential_hint(cleaned) == f"token ••••{TOKEN[-4:]}"


def test_list_and_get_projects(sandbox):
    made = create(sandbox)
    listed = photon.list_projects(base_url=base(sandbox), credentials={"access_token": TOKEN})
    assert [(p.remote_id, p.name, p.status) for p in listed] == [
        (made.remote_id, "Support bot", "running")
    ]
    assert (
        photon.get_project(
            base_url=base(sandbox), credentials={"access_token": TOKEN}, remote_id=made.remote_id
        ).name
        == "Support bot"
    )
    gone = photon.get_project(
        base_url=base(sandbox),
        credentials={"access_token": TOKEN},
        remote_id="00000000-0000-0000-0000-000000000000",
    )
    assert gone is None  # Photon answers 200 null


def test_a_listed_row_it_cannot_read_is_counted_not_dropped(sandbox):
    create(sandbox, name="One")
    create(sandbox, name="Two")
    sandbox.inject("mutate", vendor="photon", method="GET", field="0.name", value=None)
    listed = photon.list_projects(base_url=base(sandbox), credentials={"access_token": TOKEN})
    assert len(listed) == 1 and listed.unreadable == 1
