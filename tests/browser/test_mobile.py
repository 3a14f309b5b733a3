"""At 390 by 844 (a phone), no page's document is wider than the viewport."""

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import ProjectStatus, Role
from tests.approvals.made import approval_pages
from tests.browser.conftest import log_in
from tests.browser.test_accessibility import batch_pages, template_pages
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, photon_account
from tests.notifications_pages.made import notification_pages
from tests.policies.pages import policy_pages
from tests.sso.stand_in import demo_provider  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, r4_account, sandbox):
    user = UserFactory(username="phone")
    MembershipFactory(user=user, team=r4_account.team, role=Role.ADMIN)
    project = ProjectFactory(
        account=r4_account,
        name="A project with a rather long name to wrap on a phone screen",
        status=ProjectStatus.CREATED,
        remote_id="0123456789abcdef01234567",
        created_by=user,
    )
    token = services.api_token_create(
        by=user, team=r4_account.team, name="A pipeline token with a long name", role=Role.ADMIN
    ).token
    photon = photon_account(r4_account.team, sandbox, label="Photon bots with a long label")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server, "phone")
    pages = [
        reverse("dashboard:project_list"),
        reverse("dashboard:project_detail", args=[project.reference]),
        reverse("dashboard:project_new") + f"?account={r4_account.pk}",
        reverse("dashboard:account_list"),
        reverse("dashboard:account_detail", args=[r4_account.pk]),
        reverse("dashboard:account_connect", args=["r4"]),
        reverse("dashboard:account_import", args=[r4_account.pk]),
        reverse("dashboard:api_token_list"),
        reverse("dashboard:api_token_revoke", args=[token.pk]),
        *batch_pages(user, r4_account).values(),
        *template_pages(user, {"r4": r4_account, "photon": photon}).values(),
        *notification_pages(user, r4_account.team).values(),
        *approval_pages(user, r4_account).values(),
        *policy_pages(user, r4_account).values(),
    ]
    too_wide = {}
    for path in pages:
        assert page.goto(live_server.url + path).status == 200, path
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
    context.close()
    assert too_wide == {}


def test_the_login_page_with_single_sign_on_fits_a_phone(
    browser,
    live_server,
    settings,
    demo_provider,  # noqa: F811
):
    from tests.sso.conftest import use_provider

    use_provider(settings, demo_provider.url)
    settings.OIDC_BUTTON_LABEL = "Sign in with Example Corporation's Single Sign-On Service"
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    too_wide = {}
    for password_login, path in [
        (True, "/login/"),
        (False, "/login/"),
        (False, "/oidc/callback/?code=forged&state=forged"),
    ]:
        settings.PASSWORD_LOGIN = password_login
        page.goto(live_server.url + path)
        button = page.get_by_role("link", name=settings.OIDC_BUTTON_LABEL)
        assert button.is_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
    context.close()
    assert too_wide == {}
