"""What every vendor stand-in shares: request/response types, the request log, faults,
latency and the calls in flight."""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from providers.sandbox.in_flight import InFlight

# The optional account tag of a vendor prefix: /<vendor>~<tag>/...
ACCOUNT_TAG = re.compile(r"[A-Za-z0-9_-]{1,40}")

# Fault kinds a test can switch on (per request, by count, or for the whole instance).
FAULTS = frozenset(
    {
        "slow",  # answer normally after `delay` seconds
        "timeout_after_create",  # do the work, then never answer (client times out)
        "drop",  # close the connection without doing anything
        "error_400",  # the vendor's own validation refusal, nothing done
        "error_500",  # the vendor's own 500 body, nothing done
        "rate_limit",  # the vendor's own 429 body, nothing done
        "malformed_json",  # do the work, then send a truncated JSON body
        "html_error",  # a proxy's HTML error page (502), nothing done
        "mutate",  # do the work, then replace the value at `field` (a.b.0.c) with `value`
    }
)


@dataclass
class SandboxRequest:
    method: str
    path: str  # below the vendor prefix, without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    json: Any = None
    json_error: bool = False
    account: str = ""  # the prefix's account tag, "" for none
    prefix: str = ""  # what the path is below, e.g. "/photon~a1", for absolute URLs


@dataclass
class SandboxResponse:
    status: int
    body: Any = None  # dict/list -> JSON; str -> sent as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Fault:
    kind: str
    vendor: str | None = None
    method: str | None = None
    path_contains: str | None = None
    times: int | None = 1  # None: until cleared
    delay: float = 2.0
    field: str = ""  # for "mutate": a dotted path into the JSON answer
    value: Any = None
    account: str | None = None  # a prefix's tag; "" only the untagged prefix; None any
    retry_after: int | None = None  # for "rate_limit": seconds, as the vendor tells it

    def matches(self, vendor: str, request: SandboxRequest) -> bool:
        return (
            (self.vendor is None or self.vendor == vendor)
            and (self.account is None or self.account == request.account)
            and (self.method is None or self.method.upper() == request.method)
            and (self.path_contains is None or self.path_contains in request.path)
        )

    def check(self) -> None:
        if self.kind not in FAULTS:
            raise ValueError(f"unknown fault {self.kind!r}; one of {sorted(FAULTS)}")
        check_account(self.account)
        wait = self.retry_after
        if wait is not None and (type(wait) is not int or wait < 0):
            raise ValueError("retry_after is a whole number of seconds, 0 or more")


def check_account(account: str | None) -> str:
    """The tag as the log shows it ("" for none); ValueError for one a prefix cannot carry."""
    if account and not ACCOUNT_TAG.fullmatch(account):
        raise ValueError(f"account tag {account!r} is not {ACCOUNT_TAG.pattern}")
    return account or ""


class SandboxState:
    """Request log, fault queue, latency and calls in flight, shared by all vendor
    stand-ins of one server."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: deque[dict[str, Any]] = deque(maxlen=5000)
        self.faults: list[Fault] = []
        self.latency: dict[str | None, float] = {}  # vendor (None: all) -> seconds
        self.in_flight = InFlight()

    def log(self, vendor: str, request: SandboxRequest) -> dict[str, Any]:
        """Append a request to the log; the server adds the stand-in's answer under "answer"
        and "status"."""
        entry = {
            "vendor": vendor,
            "account": request.account,
            "method": request.method,
            "path": request.path,
            "headers": dict(request.headers),
            "json": request.json,
            "at": time.time(),
            "answer": None,
            "status": None,  # the stand-in's own answer's status (None: a fault's or none)
        }
        with self.lock:
            self.requests.append(entry)
        return entry

    def calls(
        self,
        vendor: str | None = None,
        method: str | None = None,
        path: str | None = None,
        account: str | None = None,
    ) -> list[dict[str, Any]]:
        with self.lock:
            return [
                r
                for r in self.requests
                if (vendor is None or r["vendor"] == vendor)
                and (account is None or r["account"] == account)
                and (method is None or r["method"] == method)
                and (path is None or r["path"] == path)
            ]

    def add_fault(self, fault: Fault) -> None:
        fault.check()
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, vendor: str, request: SandboxRequest) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(vendor, request):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def set_latency(self, seconds: float, vendor: str | None = None) -> None:
        """Hold every answer of `vendor` (None: every vendor) for `seconds` first; a
        vendor's own setting wins over the one for all."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError("seconds is a number, 0 or more")
        if not 0 <= seconds < math.inf:
            raise ValueError("seconds is a number, 0 or more")
        with self.lock:
            self.latency[vendor] = float(seconds)

    def latency_for(self, vendor: str) -> float:
        with self.lock:
            return self.latency.get(vendor, self.latency.get(None, 0.0))

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.faults.clear()
            self.latency.clear()
        self.in_flight.clear()


class VendorStandIn:
    """Base for one vendor's stand-in. Subclasses implement `handle` and `error_body`."""

    slug: str
    base_path = ""  # what follows /<slug> in an account's base URL

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.lock = threading.Lock()

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        raise NotImplementedError

    def error_response(self, status: int) -> SandboxResponse:
        """The vendor's own body for an injected 400, 429 or 500."""
        raise NotImplementedError

    def rate_limited(self, retry_after: int | None = None) -> SandboxResponse:
        """The 429 of a `rate_limit` fault. Without `retry_after`: the stand-in's usual one.
        With it: the 429 telling that wait wherever the vendor's contract has a place for
        it. This default is for a contract with no such place: no wait hint at all."""
        answer = self.error_response(429)
        if retry_after is not None:
            answer.headers = {k: v for k, v in answer.headers.items() if k.lower() != "retry-after"}
        return answer

    def reset(self) -> None:
        raise NotImplementedError

    @classmethod
    def demo_credentials(cls) -> dict[str, str]:
        """What `seed_demo` types into the connect form for this stand-in."""
        raise NotImplementedError


def mutated(body: Any, path: str, value: Any) -> Any:
    """A deep copy of a JSON body with the value at a dotted path (list items by index)
    replaced; a path that does not exist leaves the body as it was."""
    import copy

    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = body
    try:
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        elif isinstance(node, dict) and last in node:
            node[last] = value
    except (KeyError, IndexError, ValueError, TypeError):
        pass
    return body


def json_paths(body: Any, prefix: str = "") -> list[str]:
    """Every dotted path in a JSON body, containers and leaves (for fuzzing answers)."""
    paths = []
    items = (
        body.items()
        if isinstance(body, dict)
        else enumerate(body)
        if isinstance(body, list)
        else []
    )
    for key, child in items:
        path = f"{prefix}{key}"
        paths.append(path)
        paths.extend(json_paths(child, f"{path}."))
    return paths
