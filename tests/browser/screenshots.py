"""Makes the README's screenshots: `make screenshots` (not part of the suite).

It drives Chromium against the sandbox with the same data as the accessibility test, so
the pictures can be made again after any change to a page.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import log_in, wait_for_htmx_settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = Path(__file__).resolve().parents[2] / "static" / "screenshots"


def test_make_screenshots(browser, live_server, a_team_with_everything):
    _admin, accounts, projects = a_team_with_everything
    OUT.mkdir(parents=True, exist_ok=True)
    desktop = browser.new_context(viewport={"width": 1280, "height": 800})
    page = desktop.new_page()
    log_in(page, live_server, "ada")

    def shot(name: str, path: str | None = None) -> None:
        if path:
            page.goto(live_server.url + path)
        wait_for_htmx_settled(page)
        page.screenshot(path=OUT / f"{name}.png", full_page=True)

    shot("projects", reverse("dashboard:project_list"))
    page.goto(live_server.url + reverse("dashboard:project_new") + f"?account={accounts['r4'].pk}")
    wait_for_htmx_settled(page)
    page.get_by_label("Name").fill("Payments " * 40)
    expect(page.locator("#feedback-name .error")).to_be_visible()
    shot("new-project-live-check")
    photon = projects["created with a secret"]
    page.goto(live_server.url + reverse("dashboard:project_detail", args=[photon.reference]))
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator("code.secret.revealed")).to_be_visible()
    shot("project-page")
    shot(
        "project-pending", reverse("dashboard:project_detail", args=[projects["pending"].reference])
    )
    shot("accounts", reverse("dashboard:account_list"))
    shot("team", reverse("dashboard:team_list"))
    shot("activity", reverse("dashboard:activity"))
    desktop.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    log_in(page, live_server, "ada")
    page.screenshot(path=OUT / "projects-phone.png")
    phone.close()
