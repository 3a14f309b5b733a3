"""The one way every vendor's answer is read (Provider.read_answer and its hooks), the shared
project bodies, and the shared readings of vendor error messages and credentials."""

import json

import pytest
from pydantic import Field

from providers.base import ErrorKind, ProviderError, masked_tail
from providers.bodies import ActivatableProject, Identified, ProjectBody, ProjectsListed, read
from providers.errors import field_named_in
from providers.http import VendorResponse
from providers.otas import OTAS
from providers.photon import Photon
from providers.r4 import R4
from providers.sandbox.otas import DEMO_EMAIL, DEMO_PASSWORD

WRONG_TYPES = [None, True, 0, "x", [], [{"id": "p1"}], {}]


def answer(status, body):
    text = body if isinstance(body, str) else json.dumps(body)
    return VendorResponse(status=status, headers={}, text=text)


@pytest.mark.parametrize("body", WRONG_TYPES)
def test_a_success_of_the_wrong_json_type_is_unreadable_never_a_crash(body):
    with pytest.raises(ProviderError) as caught:
        R4().read_answer(answer(200, body), Identified)
    assert caught.value.kind == ErrorKind.UNAVAILABLE
    assert caught.value.code == "unreadable_answer"


@pytest.mark.parametrize("body", WRONG_TYPES)
def test_a_create_answered_in_the_wrong_json_type_may_have_made_the_project(body):
    with pytest.raises(ProviderError) as caught:
        R4().read_answer(answer(201, body), Identified, creating=True)
    assert caught.value.kind == ErrorKind.OUTCOME_UNKNOWN and caught.value.status == 201


def test_a_failure_goes_through_the_vendors_error_mapping():
    refused = {"error": {"code": "invalid_api_key", "message": "bad key"}}
    with pytest.raises(ProviderError) as caught:
        R4().read_answer(answer(401, refused), Identified)
    assert caught.value.kind == ErrorKind.AUTH and caught.value.code == "invalid_api_key"
    with pytest.raises(ProviderError) as caught:
        R4().read_answer(answer(502, "<html>bad gateway</html>"), Identified, creating=True)
    assert caught.value.kind == ErrorKind.OUTCOME_UNKNOWN and caught.value.status == 502


def test_a_readable_success_is_the_model():
    assert R4().read_answer(answer(200, {"id": 42, "extra": [1]}), Identified).id == "42"


def test_otas_counts_a_2xx_with_envelope_status_0_as_a_failure():
    refused = {"status": 0, "status_description": "invalid_token", "response_body": {}}
    with pytest.raises(ProviderError) as caught:
        OTAS().read_answer(answer(200, refused), Identified)
    assert caught.value.kind == ErrorKind.AUTH and caught.value.code == "invalid_token"
    assert not OTAS().succeeded(answer(200, {"id": "p1"}))  # no envelope: no success


def test_photon_counts_a_200_with_an_error_body_as_its_refusal():
    with pytest.raises(ProviderError) as caught:
        Photon().read_answer(answer(200, {"error": "name already used"}), Identified)
    assert caught.value.kind == ErrorKind.INVALID
    assert caught.value.field_errors == {"name": "Photon refused the project: name already used"}


def test_an_otas_listing_without_its_projects_is_unreadable_not_empty(sandbox):
    otas, base = OTAS(), sandbox.base_url("otas")
    stored, _ = otas.connect(
        base_url=base, credentials={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    )
    sandbox.inject("mutate", vendor="otas", method="GET", field="response_body.projects")
    with pytest.raises(ProviderError) as caught:
        otas.list_projects(base_url=base, credentials=stored)
    assert caught.value.code == "unreadable_answer"


@pytest.mark.parametrize(
    "data", [{"name": "n"}, {"id": ""}, {"id": None}, {"id": ["p1"]}, {"id": "p1", "name": []}]
)
def test_a_project_body_refuses_a_missing_or_wrongly_typed_field(data):
    assert read(ProjectBody, data) is None
    assert read(ActivatableProject, data) is None


def test_a_project_body_takes_a_numeric_id_and_ignores_unknown_keys():
    project = read(ActivatableProject, {"id": 7, "name": "n", "is_active": False, "x": {}})
    assert (project.id, project.name, project.status) == ("7", "n", "inactive")
    assert read(ActivatableProject, {"id": "p"}).status == ""
    assert read(ActivatableProject, {"id": "p", "is_active": "maybe"}) is None


class DataListed(ProjectsListed):
    projects: list = Field(validation_alias="data")


@pytest.mark.parametrize("model,key", [(ProjectsListed, "projects"), (DataListed, "data")])
def test_a_listing_is_bare_or_under_its_key_and_nothing_else(model, key):
    assert read(model, [{"id": "a"}]).projects == [{"id": "a"}]
    assert read(model, {key: [{"id": "b"}]}).projects == [{"id": "b"}]
    for body in (None, {}, {key: None}, {"other": []}, "[]"):
        assert read(model, body) is None


def test_field_named_in_finds_the_first_field_a_message_names():
    words = {"external id": "externalId", "description": "description", "name": "name"}
    assert field_named_in("The External ID is taken", words) == "externalId"
    assert field_named_in("description too long; name too", words) == "description"
    assert field_named_in("NAME must be unique", words) == "name"
    assert field_named_in("something else went wrong", words) is None


def test_a_credential_shows_its_last_four_only_when_long():
    assert masked_tail("a" * 12 + "WXYZ") == "••••WXYZ"
    assert masked_tail("a" * 11 + "WXYZ") == "••••"
    assert masked_tail("") == "••••"
