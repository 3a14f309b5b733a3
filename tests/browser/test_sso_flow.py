"""Chromium signs in through oidc-provider-mock (a real process), as on `make run`."""

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from dashboard.models import GroupMapping, Membership, Role
from tests.factories import MembershipFactory, TeamFactory
from tests.sso.conftest import use_provider
from tests.sso.stand_in import demo_provider  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_sso(settings, demo_provider):  # noqa: F811
    use_provider(settings, demo_provider.url)
    # What settings.py adds for an OIDC_ISSUER read at start-up: signing out posts a form
    # that the browser follows to the provider.
    csp = {**django_settings.SECURE_CSP}
    csp["form-action"] = [*csp["form-action"], demo_provider.url]
    settings.SECURE_CSP = csp
    team = TeamFactory(name="Demo team", managed_by_identity_provider=True)
    MembershipFactory(team=team, role=Role.ADMIN)
    GroupMapping.objects.create(group="demo-members", team=team, role=Role.MEMBER)
    return team


def test_sign_in_with_the_stand_in_lands_on_the_project_list_as_that_person(
    page, live_server, demo_sso
):
    page.goto(live_server.url + "/login/")
    page.get_by_role("link", name="Sign in with Stand-in").click()
    page.get_by_role("button", name="Authorize as grace").click()

    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    assert page.url == live_server.url + "/"
    expect(page.locator(".topbar .who")).to_have_text("grace")
    membership = Membership.objects.get(user__username="grace", team=demo_sso)
    assert membership.role == Role.MEMBER

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="End session").click()  # at the provider
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert page.url == live_server.url + "/login/"
    page.goto(live_server.url + "/")
    assert page.url.startswith(live_server.url + "/login/")
    assert page.csp_violations == []


def test_a_refused_sign_in_says_why_on_the_login_page(page, live_server, demo_sso):
    page.goto(live_server.url + "/oidc/callback/?code=forged&state=forged")
    expect(page.get_by_role("status")).to_have_text(
        "This sign-in did not start here, or has already been used. Sign in again from this page."
    )
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
