"""A rate_limit fault's 429, per vendor: today's answer by default; with `retry_after`,
the wait told only where the vendor's contract has a place for it (VENDORS.md: Dev Kit
for AI's body `retry_after`, beside X-RateLimit-*; none of the four documents a
Retry-After header)."""

import pytest
import requests

from providers.base import ErrorKind, ProviderError
from providers.registry import get_provider
from tests.providers.sandbox_calls import CREATE, DEMO, VENDORS, cheap_get, create


def storm(sandbox, vendor, **options):
    sandbox.inject("rate_limit", vendor=vendor, account="a1", **options)
    return cheap_get(sandbox, vendor, "a1")


@pytest.mark.parametrize(
    ("vendor", "header", "body"),
    [
        ("r4", "30", {"error": {"code": "rate_limit_exceeded"}}),
        ("photon", "10", {"error": "Too many requests"}),
        ("devkit4ai", "42", {"retry_after": 42}),
        ("otas", None, {"status": 0, "status_description": "rate_limited"}),
    ],
)
def test_without_retry_after_the_429_is_todays(sandbox, vendor, header, body):
    answer = storm(sandbox, vendor)

    assert answer.status_code == 429
    assert answer.headers.get("Retry-After") == header
    assert_contains(answer.json(), body)


def test_dev_kit_for_ai_tells_the_wait_in_its_body_beside_its_rate_limit_headers(sandbox):
    answer = storm(sandbox, "devkit4ai", retry_after=3)

    assert answer.status_code == 429
    assert answer.json() == {"detail": "Rate limit exceeded. Try again later.", "retry_after": 3}
    assert answer.headers["X-RateLimit-Limit"] and answer.headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in answer.headers  # not in its contract


@pytest.mark.parametrize("vendor", ["r4", "photon", "otas"])
def test_a_vendor_with_no_documented_wait_sends_its_429_without_one(sandbox, vendor):
    usual = storm(sandbox, vendor)
    told = storm(sandbox, vendor, retry_after=3)

    assert told.status_code == 429 and told.json() == usual.json()
    assert "Retry-After" not in told.headers
    assert "3" not in told.text


@pytest.mark.parametrize("vendor", VENDORS)
def test_retry_after_only_changes_the_429(sandbox, vendor):
    sandbox.inject("error_500", vendor=vendor, retry_after=3, path_contains=CREATE[vendor][0])
    assert create(sandbox, vendor, "a1").status_code == 500
    assert create(sandbox, vendor, "a1").status_code in (200, 201)


def test_the_faults_endpoint_takes_retry_after(sandbox):
    fault = {"kind": "rate_limit", "vendor": "devkit4ai", "retry_after": 5, "times": 2}
    assert requests.post(f"{sandbox.url}/_sandbox/faults", json=fault, timeout=5).ok

    assert [cheap_get(sandbox, "devkit4ai").json().get("retry_after") for _ in "123"] == [
        5,
        5,
        None,  # after the fault: the stand-in's own 401
    ]


@pytest.mark.parametrize("wait", [-1, 1.5, "5", True])
def test_a_retry_after_that_is_no_whole_number_of_seconds_is_refused(sandbox, wait):
    fault = {"kind": "rate_limit", "retry_after": wait}
    assert requests.post(f"{sandbox.url}/_sandbox/faults", json=fault, timeout=5).status_code == 400
    with pytest.raises(ValueError):
        sandbox.inject("rate_limit", retry_after=wait)


@pytest.mark.parametrize(("vendor", "expected"), [("devkit4ai", 3), ("r4", None)])
def test_the_dashboard_clients_read_the_wait_as_each_vendor_tells_it(sandbox, vendor, expected):
    provider, base = get_provider(vendor), sandbox.base_url(vendor, "a1")
    stored, _ = provider.connect(base_url=base, credentials=DEMO[vendor])
    sandbox.inject("rate_limit", vendor=vendor, account="a1", retry_after=3)

    with pytest.raises(ProviderError) as caught:
        provider.create_project(
            base_url=base, credentials=stored, payload={"name": "P1"}, reference="r"
        )

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == expected


def assert_contains(whole, part):
    """Every key of `part` is in `whole` with that value (nested dicts alike)."""
    for key, value in part.items():
        if isinstance(value, dict):
            assert_contains(whole[key], value)
        else:
            assert whole[key] == value, (key, whole)
