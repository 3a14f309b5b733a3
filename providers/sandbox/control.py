"""The sandbox's own endpoints under /_sandbox/, for a sandbox in another process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.sandbox.core import SandboxRequest, SandboxResponse

if TYPE_CHECKING:
    from providers.sandbox.server import Sandbox


def answer(sandbox: Sandbox, request: SandboxRequest) -> SandboxResponse:
    route = (request.method, request.path)
    body = request.json if isinstance(request.json, dict) else None
    if route == ("POST", "/reset"):
        sandbox.reset()
        return SandboxResponse(200, {"ok": True})
    if route == ("POST", "/faults") and body is not None:
        return _applied(sandbox.inject, body)
    if route == ("POST", "/latency") and body is not None:
        return _applied(sandbox.set_latency, body)
    if route == ("GET", "/requests"):
        filters = {
            name: request.query[name][0] for name in ("vendor", "account") if name in request.query
        }
        return SandboxResponse(200, {"requests": sandbox.calls(**filters)})
    if route == ("GET", "/in_flight"):
        return SandboxResponse(200, sandbox.in_flight())
    return SandboxResponse(404, {"error": "unknown control endpoint"})


def _applied(change, body: dict) -> SandboxResponse:
    try:
        change(**body)
    except (TypeError, ValueError) as exc:
        return SandboxResponse(400, {"error": str(exc)})
    return SandboxResponse(200, {"ok": True})
