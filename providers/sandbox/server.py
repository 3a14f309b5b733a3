"""The sandbox HTTP server: routes /<vendor>/... and /<vendor>~<account>/... to each
stand-in, holds answers for the latency set, counts calls in flight and applies faults."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from providers.sandbox import control
from providers.sandbox.core import (
    ACCOUNT_TAG,
    Fault,
    SandboxRequest,
    SandboxResponse,
    SandboxState,
    VendorStandIn,
    check_account,
    mutated,
)
from providers.sandbox.devkit4ai import DevKit4AIStandIn
from providers.sandbox.in_flight import account_key
from providers.sandbox.otas import OTASStandIn
from providers.sandbox.photon import PhotonStandIn
from providers.sandbox.r4 import R4StandIn

STAND_INS: tuple[type[VendorStandIn], ...] = (
    R4StandIn,
    PhotonStandIn,
    DevKit4AIStandIn,
    OTASStandIn,
)


class Sandbox:
    """One sandbox: state plus a stand-in per vendor. Runs in a thread or a process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, latency: float = 0.0) -> None:
        self.state = SandboxState()
        self.started_latency = latency  # what a reset comes back to (`sandbox --latency`)
        self.state.set_latency(latency)
        self.vendors: dict[str, VendorStandIn] = {cls.slug: cls(self.state) for cls in STAND_INS}
        self.httpd = _Server((host, port), _Handler)
        self.httpd.sandbox = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, vendor: str, account: str | None = None) -> str:
        """Where a dashboard account for `vendor` should point; with `account`, under the
        tagged prefix /<vendor>~<account>, which the log, faults and counts tell apart."""
        tag = check_account(account)
        prefix = f"{vendor}~{tag}" if tag else vendor
        return f"{self.url}/{prefix}{self.vendors[vendor].base_path}"

    def start(self) -> Sandbox:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add_stand_in(self, stand_in: type[VendorStandIn]) -> VendorStandIn:
        """Serve one more vendor (e.g. a test's own) under /<slug>/ on this sandbox."""
        self.vendors[stand_in.slug] = stand_in(self.state)
        return self.vendors[stand_in.slug]

    def remove_stand_in(self, slug: str) -> None:
        self.vendors.pop(slug, None)

    def reset(self) -> None:
        self.state.clear()
        self.state.set_latency(self.started_latency)
        for vendor in self.vendors.values():
            vendor.reset()

    def inject(self, kind: str, **options: Any) -> None:
        self.state.add_fault(Fault(kind, **options))

    def calls(self, vendor: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        return self.state.calls(vendor, **filters)

    def set_latency(self, seconds: float, vendor: str | None = None) -> None:
        """Every request to `vendor` (None: to every vendor) waits `seconds` before it is
        handled, faults or not; until reset."""
        if vendor is not None and vendor not in self.vendors:
            raise ValueError(f"unknown vendor {vendor!r}")
        self.state.set_latency(seconds, vendor)

    def in_flight(self) -> dict[str, dict[str, int]]:
        """{"<vendor>~<tag>" or "<vendor>": {"max", "now", "calls"}} since the last reset."""
        return self.state.in_flight.snapshot()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # A burst of connections (a bulk send) must not overflow the listen queue: the
    # default of 5 makes the sixth client wait a TCP retry (about a second) to get in.
    request_queue_size = 128
    sandbox: Sandbox


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "VendorSandbox/1.0"

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # quiet; the state keeps a log
        pass

    def _dispatch(self) -> None:
        sandbox = self.server.sandbox
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        prefix, _, rest = parts.path.lstrip("/").partition("/")
        vendor_slug, tagged, account = prefix.partition("~")
        request = SandboxRequest(
            method=self.command,
            path="/" + rest,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=raw,
            account=account,
            prefix="/" + prefix,
        )
        if raw:
            try:
                request.json = json.loads(raw)
            except ValueError:
                request.json_error = True
        if prefix == "_sandbox":
            self._send(control.answer(sandbox, request))
            return
        vendor = sandbox.vendors.get(vendor_slug)
        if vendor is None:
            self._send(SandboxResponse(404, {"error": "unknown vendor"}))
            return
        if tagged and not ACCOUNT_TAG.fullmatch(account):
            self._send(SandboxResponse(404, {"error": f"account tag is {ACCOUNT_TAG.pattern}"}))
            return
        # In flight from the request read until its answer is ready: a client that waits
        # for the answer before its next call is never counted twice.
        with sandbox.state.in_flight.counting(account_key(vendor_slug, account)):
            entry = sandbox.state.log(vendor_slug, request)
            fault = sandbox.state.take_fault(vendor_slug, request)
            time.sleep(sandbox.state.latency_for(vendor_slug))  # before any fault's answer
            response = _answer(vendor, request, fault, entry)
        if response is None:
            self.close_connection = True
        else:
            self._send(response)

    def _send(self, response: SandboxResponse) -> None:
        if isinstance(response.body, str):
            payload = response.body.encode()
        elif response.body is None:
            payload = b""
        else:
            payload = json.dumps(response.body).encode()
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout); nothing to do


def _answer(
    vendor: VendorStandIn, request: SandboxRequest, fault: Fault | None, entry: dict[str, Any]
) -> SandboxResponse | None:
    """The answer to send, as the fault (if any) makes it; None: close without one."""
    kind = fault.kind if fault else None
    if kind == "drop":
        return None
    if kind in ("error_400", "error_500"):
        return vendor.error_response(int(kind[-3:]))
    if kind == "rate_limit":
        return vendor.rate_limited(fault.retry_after)
    if kind == "html_error":
        page = "<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
        return SandboxResponse(502, page, content_type="text/html")
    if kind == "slow":
        time.sleep(fault.delay)
    response = vendor.handle(request)
    entry["answer"], entry["status"] = response.body, response.status
    if kind == "mutate":
        response = SandboxResponse(
            response.status,
            mutated(response.body, fault.field, fault.value),
            response.headers,
            response.content_type,
        )
    if kind == "timeout_after_create":
        time.sleep(fault.delay)  # the work is done; the answer never comes in time
        return None
    if kind == "malformed_json":
        text = json.dumps(response.body)
        response = SandboxResponse(
            response.status, text[: max(1, len(text) // 2)], response.headers
        )
    return response
