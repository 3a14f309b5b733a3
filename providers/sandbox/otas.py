"""OTAS stand-in, as the real server answers (not only as its docs say):
201 on create, `response` (not `response_body`) on login, `errors[]` on refusals,
and the raw X-OTAS-USER-TOKEN header with no "Bearer".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime

from providers.sandbox.core import SandboxRequest, SandboxResponse, SandboxState, VendorStandIn

SIGNING_SECRET = b"otas-sandbox-signing-secret"  # a stand-in's, not a real secret
DEMO_EMAIL = "demo@otas.test"
DEMO_PASSWORD = "sandbox-password"
TOKEN_TTL = 30 * 24 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def mint_token(email: str, ttl: int = TOKEN_TTL) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps({"email": email, "exp": int(time.time()) + ttl}).encode())
    signature = _b64(hmac.new(SIGNING_SECRET, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{signature}"


def _email_from(token: str) -> str | None:
    try:
        head, body, signature = token.split(".")
        expected = _b64(
            hmac.new(SIGNING_SECRET, f"{head}.{body}".encode(), hashlib.sha256).digest()
        )
        if not hmac.compare_digest(signature, expected):
            return None
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, TypeError):
        return None
    return claims.get("email") if claims.get("exp", 0) > time.time() else None


def _envelope(http_status: int, status: int, description: str, **extra) -> SandboxResponse:
    return SandboxResponse(
        http_status, {"status": status, "status_description": description, **extra}
    )


class OTASStandIn(VendorStandIn):
    slug = "otas"

    @classmethod
    def demo_credentials(cls) -> dict[str, str]:
        return {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.users: dict[str, dict] = {}
            self.projects: dict[str, dict] = {}
        self.add_user(DEMO_EMAIL, DEMO_PASSWORD)

    def add_user(self, email: str, password: str) -> dict:
        user = {"id": str(uuid.uuid4()), "email": email, "password": password, "first_name": "Demo"}
        with self.lock:
            self.users[email] = user
        return user

    def error_response(self, status: int) -> SandboxResponse:
        if status == 400:
            return _envelope(
                400, 0, "project_creation_failed", errors=["project_name: This field is invalid."]
            )
        if status == 429:
            return _envelope(429, 0, "rate_limited")
        return _envelope(500, 0, "project_creation_failed")

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        path, method = request.path, request.method
        if path in ("/api/user/v1/login/", "/api/user/v1/create/") and method == "POST":
            return self._user(request, create=path.endswith("create/"))
        token = request.headers.get("x-otas-user-token")
        if not token:
            return _envelope(400, 0, "missing_token")
        email = _email_from(token)
        if email is None or email not in self.users:
            return _envelope(401, 0, "invalid_token")
        if path == "/api/project/v1/create/" and method == "POST":
            return self._create(email, request)
        if path == "/api/project/v1/list/" and method == "GET":
            with self.lock:
                mine = [
                    p for p in self.projects.values() if p["created_by"] == self.users[email]["id"]
                ]
            return _envelope(200, 1, "projects_listed", response_body={"projects": mine})
        return SandboxResponse(404, {"detail": "Not found."})

    def _user(self, request: SandboxRequest, *, create: bool) -> SandboxResponse:
        body = request.json
        if request.json_error or not isinstance(body, dict):
            return _envelope(400, 0, "invalid_json")
        email, password = str(body.get("email", "")), str(body.get("password", ""))
        if create:
            if not email or not password or email in self.users:
                return _envelope(
                    400, 0, "user_creation_failed", errors=["email: invalid or already used."]
                )
            user = self.add_user(email, password)
        else:
            user = self.users.get(email)
            if user is None or not hmac.compare_digest(password, user["password"]):
                return _envelope(401, 0, "login_failed")
        public = {k: v for k, v in user.items() if k != "password"}
        # The real server says `response` here, where other endpoints say `response_body`.
        return _envelope(
            201 if create else 200,
            1,
            "user_created" if create else "login_success",
            response={"user": public, "jwt_token": mint_token(email)},
        )

    def _create(self, email: str, request: SandboxRequest) -> SandboxResponse:
        body = request.json
        if request.json_error or not isinstance(body, dict):
            return _envelope(400, 0, "invalid_json")
        errors = []
        name = body.get("project_name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 255:
            errors.append("project_name: Ensure this field has between 1 and 255 characters.")
        description = body.get("project_description")
        if description is not None and (not isinstance(description, str) or len(description) > 300):
            errors.append("project_description: Ensure this field has no more than 300 characters.")
        domain = body.get("project_domain")
        if domain is not None and (not isinstance(domain, str) or len(domain) > 200):
            errors.append("project_domain: Ensure this field has no more than 200 characters.")
        # Like the real server, the domain's form is not checked.
        if errors:
            return _envelope(400, 0, "project_creation_failed", errors=errors)
        user = self.users[email]
        now = datetime.now(UTC).isoformat()
        project = {
            "id": str(uuid.uuid4()),
            "name": name.strip(),
            "description": description or "",
            "domain": domain or "",
            "created_at": now,
            "updated_at": now,
            "is_active": True,
            "created_by": user["id"],
            "privilege": 1,
        }
        with self.lock:
            self.projects[project["id"]] = project
        shown = {k: project[k] for k in ("id", "name", "description", "domain")}
        return _envelope(201, 1, "project_created", response_body={"project": shown})
