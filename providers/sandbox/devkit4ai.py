"""Dev Kit for AI stand-in: login, refresh with real expiry, the three developer headers,
the create page's limits, tier limits, FastAPI-style errors.

Tunable per instance: `access_ttl` / `refresh_ttl` (seconds; tests shorten them),
`create_shape` ("full" | "id_only"), `create_status` (201 | 200), `list_shape`
("array" | "object"), and `users` (see `add_user`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import UTC, datetime

from providers.sandbox.core import SandboxRequest, SandboxResponse, SandboxState, VendorStandIn

SIGNING_SECRET = b"devkit4ai-sandbox-signing-secret"  # a stand-in's, not a real secret
DEMO_EMAIL = "dev@sandbox.devkit.test"
DEMO_PASSWORD = "sandbox-password"
DEMO_DEVELOPER_KEY = "dk_sandbox_0123456789abcdef"
TIER_LIMITS = {"free_starter": 5, "cloud_starter": 20, "cloud_premium": None}
ROLE_REQUIRED = "Insufficient permissions. Developer role required."
TIER_REACHED = (
    "Maximum number of projects reached for your subscription tier. "
    "Upgrade to create more projects."
)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _sign(body: str) -> str:
    return (
        base64.urlsafe_b64encode(hmac.new(SIGNING_SECRET, body.encode(), hashlib.sha256).digest())
        .decode()
        .rstrip("=")
    )


def _token(email: str, kind: str, ttl: float) -> str:
    claims = {"sub": email, "type": kind, "exp": int(time.time() + ttl), "jti": uuid.uuid4().hex}
    body = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}"
    return f"{body}.{_sign(body)}"


def _claims(token: str, kind: str) -> dict | None:
    try:
        header, payload, signature = token.split(".")
    except ValueError:
        return None
    if not hmac.compare_digest(signature, _sign(f"{header}.{payload}")):
        return None
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if claims.get("type") != kind or claims.get("exp", 0) <= time.time():
        return None
    return claims


def _detail(status: int, detail, **extra) -> SandboxResponse:
    return SandboxResponse(status, {"detail": detail, **extra})


class DevKit4AIStandIn(VendorStandIn):
    slug = "devkit4ai"

    @classmethod
    def demo_credentials(cls) -> dict[str, str]:
        return {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "developer_key": DEMO_DEVELOPER_KEY}

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.access_ttl = 30 * 60
            self.refresh_ttl = 7 * 24 * 3600
            self.create_shape = "full"
            self.create_status = 201
            self.list_shape = "array"
            # The role the server accepts; a test sets another to see the vendor's 403.
            self.accepted_role = "developer"
            self.users: dict[str, dict] = {}
            self.revoked_refresh: set[str] = set()
            self.projects: dict[str, dict] = {}
        self.add_user(DEMO_EMAIL, DEMO_PASSWORD, DEMO_DEVELOPER_KEY)
        self.add_user(
            "inactive@sandbox.devkit.test", DEMO_PASSWORD, DEMO_DEVELOPER_KEY, activated=False
        )

    def add_user(
        self,
        email: str,
        password: str,
        developer_key: str,
        *,
        tier: str = "free_starter",
        activated: bool = True,
    ) -> None:
        with self.lock:
            self.users[email] = {
                "password": password,
                "developer_key": developer_key,
                "tier": tier,
                "activated": activated,
                "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, email)),
            }

    def error_response(self, status: int) -> SandboxResponse:
        if status == 429:
            return SandboxResponse(
                429,
                {"detail": "Rate limit exceeded. Try again later.", "retry_after": 42},
                headers={
                    "X-RateLimit-Limit": "60",
                    "X-RateLimit-Remaining": "0",
                    "Retry-After": "42",
                },
            )
        if status == 400:
            return _detail(
                422,
                [
                    {
                        "loc": ["body", "name"],
                        "msg": "Project name is invalid",
                        "type": "value_error",
                    }
                ],
            )
        return _detail(500, "Internal server error")

    def rate_limited(self, retry_after: int | None = None) -> SandboxResponse:
        # The contract tells the wait in the body's `retry_after`, beside X-RateLimit-*.
        answer = super().rate_limited(retry_after)
        if retry_after is not None:
            answer.body = {**answer.body, "retry_after": retry_after}
        return answer

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        path, method = request.path.rstrip("/") or "/", request.method
        body = request.json if isinstance(request.json, dict) else {}
        if path == "/api/v1/auth/login" and method == "POST":
            return self._login(body)
        if path == "/api/v1/auth/refresh" and method == "POST":
            return self._refresh(body)
        email, failure = self._developer(request)
        if failure:
            return failure
        owner = self.users[email]["id"]
        if path == "/api/v1/projects" and method == "POST":
            return self._create(email, owner, request)
        if path == "/api/v1/projects" and method == "GET":
            with self.lock:
                mine = [p for p in self.projects.values() if p["owner_id"] == owner]
            return SandboxResponse(200, mine if self.list_shape == "array" else {"projects": mine})
        match = re.fullmatch(r"/api/v1/projects/([^/]+)", path)
        if match and method == "GET":
            with self.lock:
                project = self.projects.get(match.group(1))
                if project is None or project["owner_id"] != owner:
                    return _detail(404, "Project not found")
                return SandboxResponse(200, project)
        return _detail(404, "Not Found")

    def _login(self, body: dict) -> SandboxResponse:
        user = self.users.get(str(body.get("email", "")))
        if user is None or not hmac.compare_digest(str(body.get("password", "")), user["password"]):
            return _detail(401, "Incorrect email or password")
        if not user["activated"]:
            return _detail(400, "Account not activated")
        email = str(body["email"])
        return SandboxResponse(
            200,
            {
                "access_token": _token(email, "access", self.access_ttl),
                "refresh_token": _token(email, "refresh", self.refresh_ttl),
                "token_type": "bearer",
            },
        )

    def _refresh(self, body: dict) -> SandboxResponse:
        token = str(body.get("refresh_token", ""))
        claims = _claims(token, "refresh")
        if claims is None or token in self.revoked_refresh:
            return _detail(401, "Invalid or expired refresh token")
        with self.lock:
            self.revoked_refresh.add(token)  # refresh tokens rotate: each is used once
        email = claims["sub"]
        return SandboxResponse(
            200,
            {
                "access_token": _token(email, "access", self.access_ttl),
                "refresh_token": _token(email, "refresh", self.refresh_ttl),
                "token_type": "bearer",
            },
        )

    def _developer(self, request: SandboxRequest) -> tuple[str, SandboxResponse | None]:
        header = request.headers.get("authorization", "")
        claims = _claims(header[7:], "access") if header.startswith("Bearer ") else None
        if claims is None or claims["sub"] not in self.users:
            return "", _detail(401, "Could not validate credentials")
        if request.headers.get("x-user-role") != self.accepted_role:
            return "", _detail(403, ROLE_REQUIRED)
        key = request.headers.get("x-developer-key", "")
        if not hmac.compare_digest(key, self.users[claims["sub"]]["developer_key"]):
            return "", _detail(403, "Invalid or inactive developer key")
        return claims["sub"], None

    def _create(self, email: str, owner: str, request: SandboxRequest) -> SandboxResponse:
        body = request.json
        if request.json_error or not isinstance(body, dict):
            return _detail(422, [{"loc": ["body"], "msg": "Invalid JSON", "type": "json_invalid"}])
        errors = []
        name, description = body.get("name"), body.get("description")
        if not isinstance(name, str) or not 3 <= len(name) <= 100:
            errors.append(
                {
                    "loc": ["body", "name"],
                    "msg": "Project name must be 3-100 characters",
                    "type": "value_error",
                }
            )
        if description is not None and (not isinstance(description, str) or len(description) > 500):
            errors.append(
                {
                    "loc": ["body", "description"],
                    "msg": "Description must be at most 500 characters",
                    "type": "value_error",
                }
            )
        if errors:
            return _detail(422, errors)
        limit = TIER_LIMITS[self.users[email]["tier"]]
        with self.lock:
            active = sum(
                1 for p in self.projects.values() if p["owner_id"] == owner and p["is_active"]
            )
            if limit is not None and active >= limit:
                return _detail(403, TIER_REACHED)
            project = {
                "id": str(uuid.uuid4()),
                "name": name,
                "description": description,
                "owner_id": owner,
                "is_active": True,
                "created_at": datetime.now(UTC).isoformat(),
                "updated_at": None,
            }
            self.projects[project["id"]] = project
        answer = project if self.create_shape == "full" else {"id": project["id"]}
        return SandboxResponse(self.create_status, answer)
