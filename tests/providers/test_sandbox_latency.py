"""Latency: every request to a vendor (or all) waits before it is answered, faults or not."""

import time

import pytest
import requests
from django.core.management import call_command

from providers.sandbox.server import Sandbox
from tests.providers.sandbox_calls import VENDORS, cheap_get

LATENCY = 0.2
SLACK = 0.15  # what a loaded test machine may add to a loopback call


def timed(call, *args, **kwargs) -> tuple[float, requests.Response]:
    started = time.monotonic()
    answer = call(*args, **kwargs)
    return time.monotonic() - started, answer


def test_one_vendors_latency_holds_it_and_no_other(sandbox):
    sandbox.set_latency(LATENCY, vendor="r4")

    for account in (None, "a1"):
        took, _ = timed(cheap_get, sandbox, "r4", account)
        assert LATENCY <= took < LATENCY + SLACK
    for vendor in ("photon", "devkit4ai", "otas"):
        took, _ = timed(cheap_get, sandbox, vendor)
        assert took < LATENCY


def test_latency_for_all_holds_every_vendor_and_a_vendors_own_wins(sandbox):
    sandbox.set_latency(LATENCY)
    sandbox.set_latency(0, vendor="otas")

    for vendor in ("r4", "photon", "devkit4ai"):
        took, _ = timed(cheap_get, sandbox, vendor)
        assert LATENCY <= took < LATENCY + SLACK
    took, _ = timed(cheap_get, sandbox, "otas")
    assert took < LATENCY


@pytest.mark.parametrize("kind", ["rate_limit", "error_500", "html_error", "error_400"])
def test_an_injected_error_comes_after_the_latency(sandbox, kind):
    sandbox.set_latency(LATENCY, vendor="devkit4ai")
    sandbox.inject(kind, vendor="devkit4ai")

    took, answer = timed(cheap_get, sandbox, "devkit4ai")

    assert answer.status_code in (422, 429, 500, 502)
    assert LATENCY <= took < LATENCY + SLACK


def test_a_slow_fault_adds_to_the_latency(sandbox):
    sandbox.set_latency(LATENCY, vendor="photon")
    sandbox.inject("slow", vendor="photon", delay=0.15)

    took, answer = timed(cheap_get, sandbox, "photon")

    assert answer.status_code == 401  # answered after both waits
    assert LATENCY + 0.15 <= took < LATENCY + 0.15 + SLACK


def test_a_dropped_connection_is_dropped_after_the_latency(sandbox):
    sandbox.set_latency(LATENCY, vendor="r4")
    sandbox.inject("drop", vendor="r4")

    started = time.monotonic()
    with pytest.raises(requests.ConnectionError):
        cheap_get(sandbox, "r4")
    assert time.monotonic() - started >= LATENCY


def test_the_control_endpoint_sets_latency_and_refuses_nonsense(sandbox):
    control = f"{sandbox.url}/_sandbox/latency"
    assert requests.post(control, json={"seconds": LATENCY, "vendor": "otas"}, timeout=5).ok
    assert requests.post(control, json={"seconds": 0.0, "vendor": None}, timeout=5).ok

    took, _ = timed(cheap_get, sandbox, "otas")
    assert LATENCY <= took < LATENCY + SLACK
    for bad in (  # as JSON text: Python's json reads NaN and Infinity
        '{"seconds": -1}',
        '{"seconds": NaN}',
        '{"seconds": Infinity}',
        '{"seconds": "0.2"}',
        '{"seconds": true}',
        '{"seconds": 0.1, "vendor": "nope"}',
        '{"vendor": "r4"}',
        '{"seconds": 0.1, "account": "a1"}',
    ):
        assert requests.post(control, data=bad, timeout=5).status_code == 400, bad


@pytest.mark.parametrize("vendor", VENDORS)
def test_reset_clears_the_latency(sandbox, vendor):
    sandbox.set_latency(LATENCY)
    sandbox.set_latency(LATENCY, vendor=vendor)
    requests.post(f"{sandbox.url}/_sandbox/reset", timeout=5)

    took, _ = timed(cheap_get, sandbox, vendor)
    assert took < LATENCY


def test_a_sandbox_started_with_latency_comes_back_to_it_on_reset():
    own = Sandbox(latency=LATENCY).start()
    try:
        own.set_latency(0)
        own.reset()
        took, _ = timed(cheap_get, own, "r4")
        assert LATENCY <= took < LATENCY + SLACK
    finally:
        own.stop()


def test_the_management_command_takes_latency(monkeypatch):
    seen = {}

    def serve(self):  # instead of serving forever: what would it answer with?
        seen["latency"] = self.state.latency_for("photon")

    monkeypatch.setattr(Sandbox, "serve_forever", serve)
    call_command("sandbox", "--port", "0", "--latency", "0.25")

    assert seen == {"latency": 0.25}
