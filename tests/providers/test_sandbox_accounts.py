"""Accounts on one sandbox, told apart by the tag in the vendor prefix: /<vendor>~<tag>/."""

import pytest
import requests

from providers.registry import get_provider
from tests.providers.sandbox_calls import DEMO, VENDORS, cheap_get, create, headers


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_create_under_a_tag_reaches_the_same_stand_in_and_is_logged_with_the_tag(sandbox, vendor):
    answer = create(sandbox, vendor, "team_a-1")

    assert answer.status_code in (200, 201), answer.text
    calls = sandbox.calls(vendor)
    assert calls and {c["account"] for c in calls} == {"team_a-1"}
    # The stand-in saw its own path: the tag is gone before it looks.
    assert not any("~" in c["path"] for c in calls)
    assert calls[-1]["method"] == "POST" and calls[-1]["answer"] is not None
    assert "Tagged project" in str(sandbox.vendors[vendor].projects)


@pytest.mark.parametrize("vendor", VENDORS)
def test_untagged_calls_are_logged_with_an_empty_account(sandbox, vendor):
    assert create(sandbox, vendor).status_code in (200, 201)
    assert {c["account"] for c in sandbox.calls(vendor)} == {""}


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_dashboard_clients_work_under_a_tagged_base_url(sandbox, vendor):
    provider, base = get_provider(vendor), sandbox.base_url(vendor, "t1")
    stored, _ = provider.connect(base_url=base, credentials=DEMO[vendor])
    payload = {"project_name" if vendor == "otas" else "name": "Through the client"}

    made = provider.create_project(
        base_url=base, credentials=stored, payload=payload, reference="r"
    )
    listed = provider.list_projects(base_url=base, credentials=stored)

    assert made.remote_id in {p.remote_id for p in listed}
    assert {c["account"] for c in sandbox.calls(vendor)} == {"t1"}


def test_base_url_puts_the_tag_in_the_prefix_before_the_vendors_base_path(sandbox):
    assert sandbox.base_url("r4", "a1") == f"{sandbox.url}/r4~a1/api/v1/machine"
    assert sandbox.base_url("photon", "a1") == f"{sandbox.url}/photon~a1"
    assert (
        sandbox.base_url("r4", "") == sandbox.base_url("r4") == f"{sandbox.url}/r4/api/v1/machine"
    )
    for bad in ("a.b", "a/b", "x" * 41, "a~b", "ä"):
        with pytest.raises(ValueError):
            sandbox.base_url("r4", bad)


@pytest.mark.parametrize("prefix", ["r4~", "r4~a.b", "r4~" + "x" * 41, "r4~a~b", "_sandbox~a"])
def test_a_prefix_with_a_bad_tag_is_refused_and_not_logged(sandbox, prefix):
    answer = requests.get(f"{sandbox.url}/{prefix}/api/v1/machine/me", timeout=5)
    assert answer.status_code == 404
    assert sandbox.calls() == [] and sandbox.in_flight() == {}


def test_a_tag_of_forty_characters_is_served(sandbox):
    tag = "A-z_9" * 8
    assert create(sandbox, "r4", tag).status_code == 201
    assert sandbox.calls("r4", account=tag)


def test_photons_device_login_points_at_the_tagged_page_and_the_page_works(sandbox, photon):
    base = sandbox.base_url("photon", "p2")
    code = requests.post(
        f"{base}/api/auth/device/code", json={"client_id": "photon-cli"}, timeout=5
    ).json()

    assert code["verification_uri"] == f"{base}/device"
    page = requests.get(code["verification_uri_complete"], timeout=5)
    assert page.status_code == 200 and code["user_code"] in page.text
    requests.post(
        code["verification_uri"],
        data={"user_code": code["user_code"], "user": "grace", "action": "approve"},
        timeout=5,
    )
    token = requests.post(
        f"{base}/api/auth/device/token",
        json={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": code["device_code"],
            "client_id": "photon-cli",
        },
        timeout=5,
    ).json()
    assert token["access_token"].startswith("pht_grace.")
    assert {c["account"] for c in sandbox.calls("photon")} == {"p2"}


def test_a_rate_limit_storm_on_one_account_leaves_the_others_alone(sandbox):
    sandbox.inject("rate_limit", vendor="r4", times=None, account="a2")
    auth = headers(sandbox.base_url("r4"), "r4")

    storm = [create(sandbox, "r4", "a2", **auth).status_code for _ in range(3)]
    others = [create(sandbox, "r4", tag, **auth).status_code for tag in ("a1", None, "a3")]

    assert storm == [429, 429, 429]
    assert others == [201, 201, 201]
    assert len(sandbox.vendors["r4"].projects["demo0001"]) == 3


def test_an_empty_account_matches_only_the_untagged_prefix(sandbox):
    sandbox.inject("error_500", vendor="devkit4ai", account="", times=None)
    assert cheap_get(sandbox, "devkit4ai", "a1").status_code == 401  # served: not logged in
    assert cheap_get(sandbox, "devkit4ai").status_code == 500


def test_a_fault_without_an_account_still_hits_every_account(sandbox):
    sandbox.inject("error_500", vendor="otas", times=2)
    assert cheap_get(sandbox, "otas", "a1").status_code == 500
    assert cheap_get(sandbox, "otas").status_code == 500
    assert cheap_get(sandbox, "otas", "a1").status_code == 400  # the fault is used up


def test_the_faults_endpoint_takes_an_account_and_the_log_filters_by_it(sandbox):
    fault = {"kind": "rate_limit", "vendor": "photon", "times": None, "account": "a2"}
    assert requests.post(f"{sandbox.url}/_sandbox/faults", json=fault, timeout=5).ok

    assert cheap_get(sandbox, "photon", "a2").status_code == 429
    assert cheap_get(sandbox, "photon", "a1").status_code == 401
    logged = requests.get(f"{sandbox.url}/_sandbox/requests?account=a2", timeout=5).json()
    assert [(r["vendor"], r["account"]) for r in logged["requests"]] == [("photon", "a2")]


@pytest.mark.parametrize("account", ["a.b", "", "x" * 41, 7])
def test_a_fault_for_an_impossible_tag_is_refused(sandbox, account):
    fault = {"kind": "rate_limit", "account": account}
    answer = requests.post(f"{sandbox.url}/_sandbox/faults", json=fault, timeout=5)
    if account == "":  # "" is the untagged prefix: a real choice
        assert answer.status_code == 200
    else:
        assert answer.status_code == 400
        with pytest.raises((ValueError, TypeError)):
            sandbox.inject("rate_limit", account=account)
