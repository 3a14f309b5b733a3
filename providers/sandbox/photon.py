"""Photon stand-in: RFC 8628 device login with an approval page, sessions, projects.

Tunable per instance for fast tests: `interval`, `expires_in`, `omit_timing`,
`token_location` ("body" | "data" | "header"), `create_shape` ("documented" |
"success" | "error200"), and `scripted_token_answers` to force the next token
endpoint answers (e.g. ["slow_down", "authorization_pending", 429]), and
`regenerate_answer_delays` to answer the next regenerates late: each new secret replaces
the old one at once, and only its answer waits that many seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import secrets
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs

from providers.sandbox.core import SandboxRequest, SandboxResponse, SandboxState, VendorStandIn

CLIENT_ID = "photon-cli"
DEFAULT_SIGNING_SECRET = "photon-sandbox-signing-secret"  # a stand-in's, not a real secret
PLATFORMS = {"imessage", "whatsapp_business", "voice"}
_TOKEN_RE = re.compile(r"^pht_([a-z0-9]{3,32})\.([0-9a-f]{40})$")


def mint_token(user: str, signing_secret: str = DEFAULT_SIGNING_SECRET) -> str:
    """An access token this sandbox accepts for `user` (derived, so it survives restarts)."""
    mac = hmac.new(signing_secret.encode(), user.encode(), hashlib.sha256).hexdigest()[:40]
    return f"pht_{user}.{mac}"


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class PhotonStandIn(VendorStandIn):
    slug = "photon"

    @classmethod
    def demo_credentials(cls) -> dict[str, str]:
        return {"access_token": mint_token("demo")}

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.signing_secret = DEFAULT_SIGNING_SECRET
            self.interval = 5
            self.expires_in = 1800
            self.omit_timing = False
            self.token_location = "body"
            self.create_shape = "documented"
            self.enforce_interval = True
            self.scripted_token_answers: list[str | int] = []
            self.regenerate_answer_delays: list[float] = []
            self.devices: dict[str, dict] = {}  # device_code -> state
            self.projects: dict[str, dict] = {}  # id -> project (with userId)

    def error_response(self, status: int) -> SandboxResponse:
        if status == 400:
            return SandboxResponse(400, {"error": "Invalid project name"})
        if status == 429:
            return SandboxResponse(
                429, {"error": "Too many requests"}, headers={"Retry-After": "10"}
            )
        return SandboxResponse(500, {"error": "Internal server error"})

    # --- routing ----------------------------------------------------------------

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        path, method = request.path.rstrip("/") or "/", request.method
        if path == "/api/auth/device/code" and method == "POST":
            return self._device_code(request)
        if path == "/api/auth/device/token" and method == "POST":
            return self._device_token(request)
        if path == "/device":
            return self._approval_page(request)
        user = self._user(request)
        if user is None:
            return SandboxResponse(401, {"error": "Unauthorized"})
        if path == "/api/auth/get-session" and method == "GET":
            return SandboxResponse(
                200,
                {
                    "session": {"id": f"sess_{user}", "userId": f"user_{user}"},
                    "user": {
                        "id": f"user_{user}",
                        "email": f"{user}@sandbox.photon.test",
                        "name": user.title(),
                    },
                },
            )
        if path == "/api/profile" and method == "GET":
            return SandboxResponse(
                200, {"id": f"user_{user}", "email": f"{user}@sandbox.photon.test"}
            )
        if path == "/api/projects" and method == "POST":
            return self._create(user, request)
        if path == "/api/projects" and method == "GET":
            with self.lock:
                return SandboxResponse(
                    200, [p for p in self.projects.values() if p["userId"] == f"user_{user}"]
                )
        match = re.fullmatch(r"/api/projects/([^/]+)(/regenerate-secret)?", path)
        if match:
            with self.lock:
                project = self.projects.get(match.group(1))
                if project is None or project["userId"] != f"user_{user}":
                    return (
                        SandboxResponse(200, None)
                        if not match.group(2)
                        else SandboxResponse(404, {"error": "Project not found"})
                    )
                if match.group(2) and method == "POST":
                    project["projectSecret"] = "ps_" + secrets.token_urlsafe(24)
                    renewed = {"success": True, "projectSecret": project["projectSecret"]}
                    delays = self.regenerate_answer_delays
                    delay = delays.pop(0) if delays else 0.0
                elif method == "GET":
                    return SandboxResponse(200, project)
                else:
                    return SandboxResponse(404, {"error": "Not found"})
            time.sleep(delay)  # outside the lock: later requests go on meanwhile
            return SandboxResponse(200, renewed)
        return SandboxResponse(404, {"error": "Not found"})

    def _user(self, request: SandboxRequest) -> str | None:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        match = _TOKEN_RE.match(token)
        if match and hmac.compare_digest(token, mint_token(match.group(1), self.signing_secret)):
            return match.group(1)
        return None

    # --- device login -----------------------------------------------------------

    def _device_code(self, request: SandboxRequest) -> SandboxResponse:
        body = request.json if isinstance(request.json, dict) else {}
        if body.get("client_id") != CLIENT_ID:
            return SandboxResponse(
                400, {"error": "invalid_client", "error_description": "Unknown client_id"}
            )
        device_code = secrets.token_urlsafe(32)
        user_code = "-".join(secrets.token_hex(2).upper() for _ in range(2))
        with self.lock:
            self.devices[device_code] = {
                "user_code": user_code,
                "status": "pending",
                "user": None,
                "interval": self.interval,
                "expires_at": time.monotonic() + self.expires_in,
                "last_poll": None,
            }
            # Under the prefix it was asked at, so a tagged account's page is its own.
            page = f"{self._origin(request)}{request.prefix or '/photon'}/device"
            answer = {
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": page,
                "verification_uri_complete": f"{page}?user_code={user_code}",
                "expires_in": self.expires_in,
                "interval": self.interval,
            }
            if self.omit_timing:
                del answer["expires_in"], answer["interval"]
        return SandboxResponse(200, answer)

    def _device_token(self, request: SandboxRequest) -> SandboxResponse:
        body = request.json if isinstance(request.json, dict) else {}
        if (
            body.get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code"
            or body.get("client_id") != CLIENT_ID
        ):
            return _oauth_error("invalid_request", "grant_type and client_id are required")
        with self.lock:
            if self.scripted_token_answers:
                scripted = self.scripted_token_answers.pop(0)
                if scripted == 429:
                    return SandboxResponse(429, {"error": "Too many requests"})
                return _oauth_error(str(scripted), f"scripted {scripted}")
            device = self.devices.get(str(body.get("device_code")))
            if device is None:
                return _oauth_error("invalid_grant", "Unknown device code")
            now = time.monotonic()
            if now > device["expires_at"]:
                return _oauth_error("expired_token", "The device code has expired")
            too_soon = (
                device["last_poll"] is not None and now - device["last_poll"] < device["interval"]
            )
            device["last_poll"] = now
            if self.enforce_interval and too_soon:
                device["interval"] += 5
                return _oauth_error("slow_down", "Polling too frequently")
            if device["status"] == "denied":
                return _oauth_error("access_denied", "The user denied the request")
            if device["status"] == "pending":
                return _oauth_error("authorization_pending", "Waiting for the user")
            del self.devices[str(body.get("device_code"))]  # a device code is used once
            token = mint_token(device["user"], self.signing_secret)
        if self.token_location == "header":
            return SandboxResponse(200, {"success": True}, headers={"set-auth-token": token})
        answer = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 604800,
            "scope": "openid profile email",
        }
        return SandboxResponse(200, {"data": answer} if self.token_location == "data" else answer)

    def approve(self, user_code: str, user: str = "sandbox", *, deny: bool = False) -> bool:
        """What a person does on the approval page; also callable from tests."""
        with self.lock:
            for device in self.devices.values():
                if (
                    device["user_code"] == user_code.strip().upper()
                    and device["status"] == "pending"
                ):
                    device["status"] = "denied" if deny else "approved"
                    device["user"] = user
                    return True
        return False

    def _approval_page(self, request: SandboxRequest) -> SandboxResponse:
        message = ""
        code = (request.query.get("user_code") or [""])[0]
        if request.method == "POST":
            form = {k: v[0] for k, v in parse_qs(request.body.decode(errors="replace")).items()}
            code = form.get("user_code", "")
            user = re.sub(r"[^a-z0-9]", "", form.get("user", "sandbox").lower())[:32] or "sandbox"
            deny = form.get("action") == "deny"
            if self.approve(code, user if len(user) >= 3 else "sandbox", deny=deny):
                message = (
                    "Denied. You can close this page."
                    if deny
                    else "Approved. Return to the dashboard."
                )
            else:
                message = "That code is unknown or already used."
        page = f"""<!doctype html><html><head><title>Photon sandbox: approve</title></head><body>
<h1>Photon sandbox: approve a device</h1>
<p role="status">{html.escape(message)}</p>
<form method="post">
<label>Code <input name="user_code" value="{html.escape(code)}"></label>
<label>User <input name="user" value="sandbox"></label>
<button name="action" value="approve">Approve</button>
<button name="action" value="deny">Deny</button>
</form>
</body></html>"""
        return SandboxResponse(200, page, content_type="text/html")

    @staticmethod
    def _origin(request: SandboxRequest) -> str:
        return f"http://{request.headers.get('host', '127.0.0.1')}"

    # --- projects ---------------------------------------------------------------

    def _create(self, user: str, request: SandboxRequest) -> SandboxResponse:
        body = request.json
        if request.json_error or not isinstance(body, dict):
            return SandboxResponse(400, {"error": "Invalid JSON body"})
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            return _validation("name", "Expected string length greater or equal to 1")
        if "location" in body and not isinstance(body["location"], str):
            return _validation("location", "Expected string")
        for flag in ("spectrum", "template", "observability"):
            if flag in body and not isinstance(body[flag], bool):
                return _validation(flag, "Expected boolean")
        platforms = body.get("platforms", [])
        if not isinstance(platforms, list) or any(p not in PLATFORMS for p in platforms):
            return _validation("platforms", "Expected one of imessage, whatsapp_business, voice")
        if self.create_shape == "error200":
            return SandboxResponse(200, {"error": "Project limit reached for this workspace"})
        spectrum = bool(body.get("spectrum"))
        now = _now_iso()
        project = {
            "id": str(uuid.uuid4()),
            "name": name,
            "location": body.get("location", "United States"),
            "status": "running",
            "spectrum": spectrum,
            "spectrumProjectId": f"spc_{secrets.token_hex(6)}" if spectrum else None,
            "projectSecret": f"ps_{secrets.token_urlsafe(24)}" if spectrum else None,
            "template": bool(body.get("template")),
            "observability": bool(body.get("observability")),
            "platforms": platforms,
            "userId": f"user_{user}",
            "createdAt": now,
            "updatedAt": now,
        }
        with self.lock:
            self.projects[project["id"]] = project
        if self.create_shape == "success":
            return SandboxResponse(
                200, {"success": True, "id": project["id"], "ownerStatus": "owner"}
            )
        return SandboxResponse(200, project)


def _oauth_error(error: str, description: str) -> SandboxResponse:
    return SandboxResponse(400, {"error": error, "error_description": description})


def _validation(prop: str, message: str) -> SandboxResponse:
    return SandboxResponse(
        422,
        {
            "type": "validation",
            "property": prop,
            "message": message,
            "summary": f"Property '{prop}': {message}",
        },
    )
