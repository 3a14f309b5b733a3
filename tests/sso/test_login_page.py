"""The login page with SSO on and off, PASSWORD_LOGIN, and how long access lasts."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest
import requests
from django.contrib.sessions.models import Session

from tests.factories import PASSWORD, UserFactory
from tests.sso.conftest import sign_in, signed_in_as

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Each <a>, <input> and <div> of a page: its attributes and its text."""

    def __init__(self, content: bytes) -> None:
        super().__init__()
        self.found: list[dict] = []
        self._open: list[dict] = []
        self.feed(content.decode())

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("a", "input", "div"):
            element = {"tag": tag, **dict(attrs), "text": ""}
            self.found.append(element)
            if tag != "input":
                self._open.append(element)

    def handle_endtag(self, tag) -> None:
        if tag in ("a", "div") and self._open:
            self._open.pop()

    def handle_data(self, data) -> None:
        for element in self._open:
            element["text"] += data

    def where(self, **wanted) -> list[dict]:
        return [e for e in self.found if all(e.get(k) == v for k, v in wanted.items())]


def password_inputs(answer) -> int:
    return len(Elements(answer.content).where(tag="input", name="password"))


def sso_buttons(answer) -> list[str]:
    links = Elements(answer.content).where(tag="a")
    return [a["text"].strip() for a in links if a["href"].startswith("/oidc/authenticate/")]


def log_in(client, username: str):
    return client.post("/login/", {"username": username, "password": PASSWORD})


def test_without_an_issuer_the_page_is_as_before_and_no_provider_is_asked(
    client, settings, monkeypatch
):
    settings.OIDC_ISSUER = ""

    def no_call(*args, **kwargs):
        raise AssertionError("a request to an identity provider")

    monkeypatch.setattr(requests.Session, "send", no_call)
    page = client.get("/login/")
    assert (password_inputs(page), sso_buttons(page)) == (1, [])
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=a&state=b").status_code == 404
    user = UserFactory()
    assert log_in(client, user.username)["Location"] == "/"
    assert signed_in_as(client) == user
    client.post("/logout/")
    assert signed_in_as(client) is None


def test_with_an_issuer_the_page_offers_the_button_and_the_password(client, sso):
    page = client.get("/login/?next=/accounts/")
    assert sso_buttons(page) == ["Sign in with Stand-in"]
    button = Elements(page.content).where(tag="a", **{"class": "button primary"})
    assert [a["href"] for a in button] == ["/oidc/authenticate/?next=/accounts/"]
    assert password_inputs(page) == 1


@pytest.fixture
def sso_only(settings, sso):
    settings.PASSWORD_LOGIN = False
    return sso


def test_password_login_off_removes_the_form(client, sso_only):
    page = client.get("/login/")
    assert (password_inputs(page), sso_buttons(page)) == (0, ["Sign in with Stand-in"])
    link = Elements(page.content).where(tag="a", href="?with=password")
    assert [a["text"] for a in link] == ["Superuser? Sign in with a password"]
    assert password_inputs(client.get("/login/?with=password")) == 1


@pytest.mark.parametrize("kind", ["member", "staff", "wrong password"])
def test_password_login_off_refuses_a_post_but_a_superusers(client, sso_only, kind):
    user = UserFactory(is_staff=kind == "staff")
    data = {"username": user.username, "password": PASSWORD}
    if kind == "wrong password":
        data["password"] = "not-it"
    answer = client.post("/login/", data)
    assert answer.status_code == 403
    errors = [e["text"] for e in Elements(answer.content).where(tag="div", role="alert")]
    assert errors == [
        "Password sign-in is for superusers only. Everyone else: Sign in with Stand-in."
    ]
    assert signed_in_as(client) is None


def test_password_login_off_still_lets_a_superuser_in(client, sso_only):
    root = UserFactory(is_superuser=True, is_staff=True)
    answer = log_in(client, root.username)
    assert (answer.status_code, answer["Location"]) == (302, "/")
    assert signed_in_as(client) == root


def test_password_login_off_without_sso_keeps_superusers_only(client, settings):
    settings.OIDC_ISSUER = ""
    settings.PASSWORD_LOGIN = False
    assert log_in(client, UserFactory().username).status_code == 403
    assert log_in(client, UserFactory(is_superuser=True).username).status_code == 302


def test_a_session_ends_session_max_age_after_the_sign_in_however_busy(client, sso, settings):
    settings.SESSION_MAX_AGE = 3
    sso.set_user("ivy", email="ivy@example.com")
    signed_at = time.time()
    sign_in(client, sso, "ivy")
    key = client.session.session_key
    ends = Session.objects.get(session_key=key).expire_date.timestamp()
    assert signed_at + 2 <= ends <= time.time() + 3
    time.sleep(1)
    session = client.session
    session["touched"] = True  # a save, which renews an ordinary session's expiry
    session.save()
    assert Session.objects.get(session_key=key).expire_date.timestamp() == ends
    assert client.get("/").status_code == 200
    time.sleep(max(0, ends - time.time()) + 0.5)
    assert client.get("/")["Location"].startswith("/login/")


@pytest.mark.parametrize("through", ["provider", "password"])
def test_a_deactivated_user_loses_access_at_the_next_request(client, sso, through):
    if through == "provider":
        sso.set_user("jo", email="jo@example.com")
        sign_in(client, sso, "jo")
        user = signed_in_as(client)
    else:
        user = UserFactory()
        log_in(client, user.username)
    assert client.get("/").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/")["Location"].startswith("/login/")


def test_the_csp_lets_the_logout_form_go_on_to_the_issuer_only_when_one_is_set():
    import subprocess
    import sys

    from tests.processes import ROOT, process_env

    code = "from django.conf import settings; print(*map(str, settings.SECURE_CSP['form-action']))"

    def form_action(**env) -> str:
        run = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=process_env(**env),
            capture_output=True,
            text=True,
            timeout=60,
        )
        return run.stdout.strip().splitlines()[-1]

    issuer = "https://sso.example.com/realms/staff/"
    assert form_action(OIDC_ISSUER=issuer) == "'self' https://sso.example.com"
    assert form_action(OIDC_ISSUER="") == "'self'"


def test_startup_checks_name_settings_that_would_lock_people_out(settings):
    from django.core import checks

    def ids() -> list[str]:
        ours = ("dashboard.E008", "dashboard.E009", "dashboard.W002")
        return sorted(m.id for m in checks.run_checks() if m.id in ours)

    assert ids() == []
    settings.OIDC_ISSUER = "https://id.example"
    settings.OIDC_RP_CLIENT_SECRET = ""
    assert ids() == ["dashboard.E008"]
    settings.OIDC_ISSUER = "http://id.example"
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = "c", "s"
    settings.DEBUG = False
    assert ids() == ["dashboard.E009"]
    settings.DEBUG = True
    settings.OIDC_ISSUER = ""
    settings.PASSWORD_LOGIN = False
    assert ids() == ["dashboard.W002"]
