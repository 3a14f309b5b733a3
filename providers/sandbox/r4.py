"""R4 stand-in, exactly as documented: X-API-Key, limits, {"error": {code, message}}."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections import defaultdict, deque
from datetime import UTC, datetime

from providers.sandbox.core import SandboxRequest, SandboxResponse, SandboxState, VendorStandIn

PREFIX = "/api/v1/machine"
DEFAULT_SIGNING_SECRET = "r4-sandbox-signing-secret"  # a stand-in's, not a real secret
_KEY_RE = re.compile(r"^(rk_[A-Za-z0-9]{4,64})\.([A-Za-z0-9_\-]{16,256})$")


def mint_key(access_id: str, signing_secret: str = DEFAULT_SIGNING_SECRET) -> str:
    """A key this sandbox accepts. Keys are derived, so they survive sandbox restarts."""
    secret = hmac.new(signing_secret.encode(), access_id.encode(), hashlib.sha256).hexdigest()[:40]
    return f"rk_{access_id}.{secret}"


def _error(status: int, code: str, message: str) -> SandboxResponse:
    return SandboxResponse(status, {"error": {"code": code, "message": message}})


UNAUTHORIZED = "Invalid or missing API key. Please provide your API key in the X-API-Key header."
CREATION_FAILED = "Failed to create the project. Please verify your input and try again."


class R4StandIn(VendorStandIn):
    slug = "r4"

    @classmethod
    def demo_credentials(cls) -> dict[str, str]:
        return {"api_key": mint_key("demo0001")}

    base_path = PREFIX
    rate_limit_per_minute = 100

    def __init__(self, state: SandboxState, signing_secret: str = DEFAULT_SIGNING_SECRET) -> None:
        super().__init__(state)
        self.initial_signing_secret = signing_secret
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.signing_secret = self.initial_signing_secret
            self.projects: dict[str, dict[str, dict]] = defaultdict(dict)  # tenant -> id -> project
            self.hits: dict[str, deque[float]] = defaultdict(deque)

    def error_response(self, status: int) -> SandboxResponse:
        if status == 429:
            return SandboxResponse(
                429,
                {
                    "error": {
                        "code": "rate_limit_exceeded",
                        "message": "Rate limit exceeded. Try again later.",
                    }
                },
                headers={"Retry-After": "30"},
            )
        if status == 400:
            return _error(400, "project_creation_failed", CREATION_FAILED)
        return _error(500, "internal_error", "An internal error occurred.")

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        if not request.path.startswith(PREFIX):
            return _error(404, "not_found", "Not found.")
        path = request.path[len(PREFIX) :].rstrip("/") or "/"
        tenant, failure = self._authenticate(request)
        if failure:
            return failure
        if self._over_rate_limit(tenant):
            return self.error_response(429)
        if path == "/me" and request.method == "GET":
            return SandboxResponse(
                200,
                {
                    "scope": "tenant",
                    "tenant": {"id": tenant, "name": f"Sandbox tenant {tenant}"},
                    "policy": {"projects": ["read", "create"]},
                },
            )
        if path == "/project" and request.method == "POST":
            return self._create(tenant, request)
        if path == "/project" and request.method == "GET":
            with self.lock:
                return SandboxResponse(200, {"projects": list(self.projects[tenant].values())})
        match = re.fullmatch(r"/project/([^/]+)", path)
        if match and request.method == "GET":
            with self.lock:
                project = self.projects[tenant].get(match.group(1))
            if project is None:
                return _error(404, "project_not_found", "Project not found.")
            return SandboxResponse(200, project)
        return _error(404, "not_found", "Not found.")

    def _authenticate(self, request: SandboxRequest) -> tuple[str, SandboxResponse | None]:
        key = request.headers.get("x-api-key", "")
        if not key:
            return "", _error(401, "missing_api_key", UNAUTHORIZED)
        match = _KEY_RE.match(key)
        if not match or not hmac.compare_digest(
            key, mint_key(match.group(1)[3:], self.signing_secret)
        ):
            return "", _error(401, "invalid_api_key", UNAUTHORIZED)
        return match.group(1)[3:], None

    def _over_rate_limit(self, tenant: str) -> bool:
        now = time.monotonic()
        with self.lock:
            window = self.hits[tenant]
            while window and now - window[0] > 60:
                window.popleft()
            if len(window) >= self.rate_limit_per_minute:
                return True
            window.append(now)
        return False

    def _create(self, tenant: str, request: SandboxRequest) -> SandboxResponse:
        body = request.json
        if request.json_error or not isinstance(body, dict):
            return _error(400, "project_creation_failed", CREATION_FAILED)
        name, external_id, description = (
            body.get(k) for k in ("name", "externalId", "description")
        )
        valid = (
            isinstance(name, str)
            and 1 <= len(name) <= 255
            and (external_id is None or (isinstance(external_id, str) and len(external_id) <= 255))
            and (description is None or (isinstance(description, str) and len(description) <= 1000))
        )
        if not valid:
            return _error(400, "project_creation_failed", CREATION_FAILED)
        project_id = secrets.token_hex(12)
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        with self.lock:
            self.projects[tenant][project_id] = {
                "id": project_id,
                "name": name,
                "externalId": external_id,
                "description": description,
                "createdAt": now,
                "updatedAt": now,
            }
        return SandboxResponse(201, {"id": project_id})
