"""Real Chromium through Playwright. Debian's /usr/bin/chromium; browsers are never downloaded."""

import os
from pathlib import Path

import pytest
from django.utils import timezone

from dashboard import services
from dashboard.models import ProjectStatus, Role
from providers.registry import get_provider
from providers.sandbox.server import STAND_INS
from tests.factories import MembershipFactory, ProjectFactory, TeamFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise pytest.UsageError(
            f"{CHROMIUM} is missing and REQUIRE_BROWSER_TESTS=1 (apt-get install chromium)"
        )
    skip = pytest.mark.skip(
        reason=f"SKIPPED browser test: {CHROMIUM} is missing (apt-get install chromium)"
    )
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls in
    # the test itself are still plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: "Content Security Policy" in msg.text and page.csp_violations.append(msg.text),
    )
    yield page
    context.close()


def wait_for_htmx_settled(page) -> None:
    """htmx binds swapped-in content when it settles (~20 ms later); type only after that."""
    from playwright.sync_api import expect

    busy = page.locator(".htmx-added, .htmx-settling, .htmx-swapping, .htmx-request")
    expect(busy).to_have_count(0)


def log_in(page, live_server, username: str) -> None:
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()


def log_in_as_a_new_admin(page, live_server, username: str) -> None:
    """`username`, the admin of a new team "Rocket", logged in."""
    admin = UserFactory(username=username)
    MembershipFactory(user=admin, team=TeamFactory(name="Rocket"), role=Role.ADMIN)
    log_in(page, live_server, username)


def connect_through_the_form(page, label: str, base_url: str, typed: dict[str, str]) -> None:
    """Fill the open connect page (`typed`: each sign-in field's label and value) and send it."""
    page.get_by_label("Label").fill(label)
    page.get_by_label("Base URL").fill(base_url)
    for field, value in typed.items():
        page.get_by_label(field).fill(value)
    page.get_by_role("button", name="Verify and connect").click()


@pytest.fixture
def a_team_with_everything(sandbox):
    """A staff team admin with an account at every vendor and a project in every state."""
    admin = UserFactory(username="ada", is_staff=True, is_superuser=True)
    team = TeamFactory(name="Rocket")
    MembershipFactory(user=admin, team=team, role=Role.ADMIN)
    MembershipFactory(user=UserFactory(username="bo"), team=team, role=Role.MEMBER)
    accounts = {
        stand_in.slug: services.account_connect(
            team=team,
            user=admin,
            vendor=stand_in.slug,
            label=f"{get_provider(stand_in.slug).name} sandbox",
            base_url=sandbox.base_url(stand_in.slug),
            credentials_input=stand_in.demo_credentials(),
        )
        for stand_in in STAND_INS
    }
    r4 = accounts["r4"]
    projects = {
        "pending": ProjectFactory(account=r4, created_by=admin, queued_at=timezone.now()),
        "created": ProjectFactory(
            account=r4, created_by=admin, status=ProjectStatus.CREATED, remote_id="0" * 24
        ),
        "failed": ProjectFactory(
            account=r4,
            created_by=admin,
            status=ProjectStatus.FAILED,
            error_message="R4 refused the project.",
            error_fields={"name": "This name is taken."},
            error_status=409,
        ),
        "unknown": ProjectFactory(
            account=r4, created_by=admin, status=ProjectStatus.UNKNOWN, attempted_at=timezone.now()
        ),
    }
    photon = services.project_create(
        account=accounts["photon"],
        user=admin,
        data={"name": "Bot", "platforms": ["imessage"], "spectrum": True},
        idempotency_key="6b8f2f8e-8a7b-4a40-9d52-2f0f4d6d1c11",
    )
    projects["created with a secret"] = photon
    return admin, accounts, projects
