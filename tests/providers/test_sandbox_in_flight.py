"""Calls in flight at the sandbox, per account: exact under threads, back to 0 whatever
happened to a call."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from providers.sandbox.core import SandboxRequest, SandboxResponse, VendorStandIn
from tests.providers.sandbox_calls import cheap_get


def at_once(calls: list) -> list:
    """Run every call in its own thread, released together; their results (or errors)."""
    gate = threading.Barrier(len(calls))

    def run(call):
        gate.wait()
        try:
            return call()
        except requests.RequestException as exc:
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def wait_until_idle(sandbox, deadline: float = 5.0) -> dict:
    ends = time.monotonic() + deadline
    while any(c["now"] for c in sandbox.in_flight().values()) and time.monotonic() < ends:
        time.sleep(0.01)
    return sandbox.in_flight()


@pytest.mark.parametrize("n", [1, 8])
def test_n_calls_at_once_to_one_account_count_exactly_n(sandbox, n):
    sandbox.set_latency(0.3, vendor="r4")

    at_once([lambda: cheap_get(sandbox, "r4", "a1")] * n)

    assert sandbox.in_flight() == {"r4~a1": {"max": n, "now": 0, "calls": n}}


def test_accounts_and_vendors_are_counted_apart(sandbox):
    sandbox.set_latency(0.3)
    calls = (
        [lambda: cheap_get(sandbox, "r4", "a1")] * 5
        + [lambda: cheap_get(sandbox, "r4", "a2")] * 3
        + [lambda: cheap_get(sandbox, "r4")] * 2
        + [lambda: cheap_get(sandbox, "devkit4ai", "a1")] * 4
    )

    at_once(calls)

    assert sandbox.in_flight() == {
        "r4~a1": {"max": 5, "now": 0, "calls": 5},
        "r4~a2": {"max": 3, "now": 0, "calls": 3},
        "r4": {"max": 2, "now": 0, "calls": 2},
        "devkit4ai~a1": {"max": 4, "now": 0, "calls": 4},
    }
    answer = requests.get(f"{sandbox.url}/_sandbox/in_flight", timeout=5)
    assert answer.json() == sandbox.in_flight()


def test_a_client_that_keeps_k_calls_going_is_seen_at_exactly_k(sandbox):
    # Each thread sends its next call as soon as its last is answered: the sandbox sees
    # the client's own limit, no more (an answered call is out) and no less.
    sandbox.set_latency(0.02, vendor="otas")
    limit = threading.Semaphore(3)

    def calls_in_turn():
        for _ in range(4):
            with limit:
                cheap_get(sandbox, "otas", "k3")

    at_once([calls_in_turn] * 9)

    assert sandbox.in_flight() == {"otas~k3": {"max": 3, "now": 0, "calls": 36}}


def test_calls_leave_the_count_when_their_connection_is_dropped(sandbox):
    sandbox.set_latency(0.2, vendor="photon")
    sandbox.inject("drop", vendor="photon", account="d", times=None)

    results = at_once([lambda: cheap_get(sandbox, "photon", "d")] * 4)

    assert all(isinstance(r, requests.ConnectionError) for r in results)
    assert wait_until_idle(sandbox) == {"photon~d": {"max": 4, "now": 0, "calls": 4}}


def test_a_call_that_never_gets_its_answer_counts_until_the_sandbox_gives_up(sandbox):
    sandbox.inject("timeout_after_create", vendor="r4", delay=0.4)

    with pytest.raises(requests.Timeout):
        cheap_get(sandbox, "r4", "t", timeout=0.1)

    assert sandbox.in_flight()["r4~t"]["now"] == 1  # the sandbox is still holding it
    assert wait_until_idle(sandbox) == {"r4~t": {"max": 1, "now": 0, "calls": 1}}


class Crashing(VendorStandIn):
    slug = "crashing"

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        raise RuntimeError("a stand-in's bug")

    def reset(self) -> None:
        pass


@pytest.fixture
def crashing(sandbox):
    sandbox.add_stand_in(Crashing)
    yield sandbox
    sandbox.remove_stand_in("crashing")


def test_calls_leave_the_count_when_the_stand_in_raises(crashing):
    crashing.set_latency(0.2)  # every vendor's, a test's own too
    url = f"{crashing.url}/crashing~c/anything"

    results = at_once([lambda: requests.get(url, timeout=5)] * 3)

    assert all(isinstance(r, requests.ConnectionError) for r in results)
    assert wait_until_idle(crashing) == {"crashing~c": {"max": 3, "now": 0, "calls": 3}}


def test_reset_clears_the_counts_and_a_call_still_running_then_does_not_spoil_them(sandbox):
    sandbox.set_latency(0.3, vendor="r4")
    cheap_get(sandbox, "r4", "a1")
    assert sandbox.in_flight()["r4~a1"]["calls"] == 1

    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(cheap_get, sandbox, "r4", "a1")
        time.sleep(0.1)
        sandbox.reset()  # also clears the latency
        assert sandbox.in_flight() == {}
        cheap_get(sandbox, "r4", "a1")
        running.result()

    assert sandbox.in_flight() == {"r4~a1": {"max": 1, "now": 0, "calls": 1}}
