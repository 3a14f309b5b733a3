"""oidc-provider-mock as a real process on loopback (what `make run` starts), and the steps
a browser takes through it: follow the dashboard's redirect, approve as someone, and
come back with the code."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.processes import Process, free_port


class MockProvider(Process):
    def __init__(self, log_dir: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(self.port), *args]
        super().__init__(
            f"oidc-provider-mock-{self.port}", command, {**os.environ, "NO_COLOR": "1"}, log_dir
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"oidc-provider-mock exited:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/.well-known/openid-configuration", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"oidc-provider-mock did not start:\n{self.log()}")

    def set_user(self, sub: str, **claims) -> None:
        """The claims the provider will give `sub` from now on (the mock's own API)."""
        answer = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        assert answer.status_code == 204, answer.text

    def approve(self, authorize_url: str, sub: str) -> str:
        """Approve at the authorize form as `sub`; the callback URL (path and query) it sends
        the browser back to."""
        assert authorize_url.startswith(self.url), authorize_url
        answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert answer.status_code == 302, answer.text
        return path_and_query(answer.headers["Location"])

    def deny(self, authorize_url: str) -> str:
        answer = requests.post(
            authorize_url, data={"action": "deny"}, allow_redirects=False, timeout=5
        )
        assert answer.status_code == 302, answer.text
        return path_and_query(answer.headers["Location"])


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


STAND_IN_USERS = Path(__file__).resolve().parents[2] / "dashboard/sso/stand_in_users.yaml"


@pytest.fixture(scope="session")
def demo_provider(tmp_path_factory):
    """The stand-in as `make run` starts it: the demo people one click away."""
    provider = MockProvider(
        tmp_path_factory.mktemp("oidc-demo"), "--user-claims-file", str(STAND_IN_USERS)
    )
    yield provider
    provider.stop()
