"""Plain HTTP calls to the sandbox, as each vendor's contract has them (no dashboard code),
for the tests of the sandbox itself."""

from __future__ import annotations

import requests

from providers.sandbox.devkit4ai import DEMO_DEVELOPER_KEY, DEMO_EMAIL, DEMO_PASSWORD
from providers.sandbox.otas import DEMO_EMAIL as OTAS_EMAIL
from providers.sandbox.otas import DEMO_PASSWORD as OTAS_PASSWORD
from providers.sandbox.photon import mint_token
from providers.sandbox.r4 import mint_key
from providers.sandbox.server import STAND_INS

VENDORS = ("r4", "photon", "devkit4ai", "otas")
TIMEOUT = 10
DEMO = {cls.slug: cls.demo_credentials() for cls in STAND_INS}  # as the connect form takes them


def headers(base: str, vendor: str) -> dict[str, str]:
    """The auth headers of the demo user; logging in first where the vendor needs it."""
    if vendor == "r4":
        return {"X-API-Key": mint_key("demo0001")}
    if vendor == "photon":
        return {"Authorization": f"Bearer {mint_token('demo')}"}
    if vendor == "devkit4ai":
        login = requests.post(
            f"{base}/api/v1/auth/login",
            json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
            timeout=TIMEOUT,
        )
        return {
            "Authorization": f"Bearer {login.json()['access_token']}",
            "X-User-Role": "developer",
            "X-Developer-Key": DEMO_DEVELOPER_KEY,
        }
    login = requests.post(
        f"{base}/api/user/v1/login/",
        json={"email": OTAS_EMAIL, "password": OTAS_PASSWORD},
        timeout=TIMEOUT,
    )
    return {"X-OTAS-USER-TOKEN": login.json()["response"]["jwt_token"]}


CREATE = {  # vendor -> (path below the base URL, body)
    "r4": ("/project", {"name": "Tagged project"}),
    "photon": ("/api/projects/", {"name": "Tagged project"}),
    "devkit4ai": ("/api/v1/projects/", {"name": "Tagged project"}),
    "otas": ("/api/project/v1/create/", {"project_name": "Tagged project"}),
}
CHEAP = {  # vendor -> a GET that needs no login first and changes nothing
    "r4": "/me",
    "photon": "/api/profile",
    "devkit4ai": "/api/v1/projects/",
    "otas": "/api/project/v1/list/",
}


def create(sandbox, vendor: str, account: str | None = None, **auth) -> requests.Response:
    base = sandbox.base_url(vendor, account)
    path, body = CREATE[vendor]
    sent = auth or headers(base, vendor)
    return requests.post(f"{base}{path}", json=body, headers=sent, timeout=TIMEOUT)


def cheap_get(sandbox, vendor: str, account: str | None = None, **kwargs) -> requests.Response:
    """One request with no side effect (its answer may be a 401: only the trip counts)."""
    url = f"{sandbox.base_url(vendor, account)}{CHEAP[vendor]}"
    return requests.get(url, timeout=kwargs.pop("timeout", TIMEOUT), **kwargs)
