"""axe-core finds no serious or critical violation on any page a team uses."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from dashboard import services
from dashboard.models import BatchSource
from dashboard.services import RowInput
from tests.approvals.made import approval_pages
from tests.batches.sent import sent_batch
from tests.browser.conftest import log_in, wait_for_htmx_settled
from tests.notifications_pages.made import HOOK_URL, notification_pages
from tests.policies.pages import policy_pages
from tests.sso.stand_in import demo_provider  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRAVE = {"serious", "critical"}


def grave_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {node['html'][:120]} {node['failureSummary'][:160]}"
        for v in results.response["violations"]
        if v["impact"] in GRAVE
        for node in v["nodes"]
    ]


def test_no_page_has_a_serious_or_critical_violation(
    page, live_server, a_team_with_everything, settings
):
    _admin, accounts, projects = a_team_with_everything
    found = {}

    def check(name: str) -> None:
        wait_for_htmx_settled(page)
        violations = grave_violations(page)
        if violations:
            found[name] = violations

    page.goto(live_server.url + reverse("login"))
    check("login")
    log_in(page, live_server, "ada")
    paths = {
        "list": reverse("dashboard:project_list"),
        "list filtered to nothing": reverse("dashboard:project_list")
        + "?status=failed&vendor=otas",
        "accounts": reverse("dashboard:account_list"),
        "team": reverse("dashboard:team_list"),
        "activity": reverse("dashboard:activity"),
        "api tokens": reverse("dashboard:api_token_list"),
        "password change": reverse("password_change"),
        "admin index": reverse("admin:index"),
    }
    for vendor, account in accounts.items():
        paths[f"new project ({vendor})"] = (
            reverse("dashboard:project_new") + f"?account={account.pk}"
        )
        paths[f"connect ({vendor})"] = reverse("dashboard:account_connect", args=[vendor])
        paths[f"account ({vendor})"] = reverse("dashboard:account_detail", args=[account.pk])
        paths[f"import ({vendor})"] = reverse("dashboard:account_import", args=[account.pk])
    for state, project in projects.items():
        paths[f"project {state}"] = reverse("dashboard:project_detail", args=[project.reference])
    paths.update(batch_pages(_admin, accounts["r4"]))
    paths.update(template_pages(_admin, accounts))
    paths.update(notification_pages(_admin, accounts["r4"].team))
    paths.update(approval_pages(_admin, accounts["r4"]))
    paths.update(policy_pages(_admin, accounts["r4"]))
    for name, path in paths.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        check(name)

    # A form showing a live error, and a revealed secret.
    page.goto(live_server.url + reverse("dashboard:project_new") + f"?account={accounts['r4'].pk}")
    wait_for_htmx_settled(page)
    page.get_by_label("Name").fill("x" * 300)
    # R4's refusal and the team's (its policy, from policy_pages), side by side.
    expect(page.locator("#feedback-name .error")).to_have_count(2)
    check("new project with a live error")
    page.goto(live_server.url + paths["project created with a secret"])
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator("code.secret.revealed")).to_be_visible()
    check("revealed secret")

    # An approval rule refused at its pattern, and a held create approved in place.
    page.goto(live_server.url + paths["approval rule"])
    page.get_by_label("A create needs approval when its name matches a pattern").check()
    page.get_by_label("Name pattern").fill("^(a|aa)+$")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#pattern-error")).to_be_visible()
    check("approval rule with an error")
    page.goto(live_server.url + paths["approvals"])
    page.get_by_role("button", name="Approve and send").click()
    expect(page.get_by_text("Approved and queued")).to_be_visible()
    check("approvals after an approval")

    # A new batch refused at its fields, and a batch row being fixed in place.
    page.goto(live_server.url + reverse("dashboard:batch_new"))
    page.get_by_role("button", name="Check the rows").click()
    expect(page.locator("#feedback-csv_text .error")).to_be_visible()
    check("new batch with errors")
    page.goto(live_server.url + paths["batch preview"])
    page.get_by_role("link", name="Edit row 2").click()
    expect(page.locator("#row-2 form")).to_be_visible()
    check("batch row fixed in place")

    # A template refused at its fields, and a batch from a template refused at its values.
    page.goto(live_server.url + paths["new template (photon)"])
    page.get_by_label("Name pattern").fill("{app")
    page.get_by_role("button", name="Save template").click()
    expect(page.locator("#feedback-name_pattern .error")).to_be_visible()
    check("new template with errors")
    page.goto(live_server.url + paths["new batch from a template"])
    page.get_by_role("button", name="Check the rows").click()
    expect(page.locator("#feedback-value_env .error")).to_be_visible()
    check("new batch from a template with errors")

    # The policy page refusing a pattern that backtracks, at its field.
    page.goto(live_server.url + paths["policy"])
    page.get_by_label("Name pattern").fill("(x+x+)+y")
    page.get_by_role("button", name="Save policy").click()
    expect(page.locator("#feedback-name_pattern .error")).to_be_visible()
    check("policy with errors")

    # A new API token, shown once, and the confirmation before revoking it.
    page.goto(live_server.url + reverse("dashboard:api_token_list"))
    page.get_by_label("Name").fill("Accessibility CI")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-api-token")).to_be_visible()
    check("new api token")
    page.get_by_role("link", name="Revoke Accessibility CI").click()
    expect(page.get_by_role("button", name="Revoke")).to_be_visible()
    check("revoke api token")

    # A destination refused at its URL, then one added with its secret shown once, and a
    # log's test event answered in place.
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    page.goto(live_server.url + paths["new destination"])
    page.get_by_label("URL").fill("https://10.0.0.5/hook")
    page.get_by_role("button", name="Add destination").click()
    expect(page.locator("#feedback-url .error")).to_be_visible()
    check("new destination with errors")
    page.get_by_label("URL").fill(HOOK_URL)
    page.get_by_role("button", name="Add destination").click()
    expect(page.locator("#new-signing-secret")).to_be_visible()
    check("new destination's secret")
    page.goto(live_server.url + paths["delivery log"])
    page.get_by_role("button", name="Send a test event").click()
    expect(page.get_by_text("A test event is on its way")).to_be_visible()
    check("delivery log after a test event")

    # Device sign-in, started as a person would.
    page.goto(live_server.url + reverse("dashboard:account_connect", args=["photon"]))
    device_form = page.locator("form", has=page.get_by_role("button", name="Start sign-in"))
    device_form.get_by_label("Label").fill("Photon second")
    device_form.get_by_label("Base URL").fill(accounts["photon"].base_url)
    device_form.get_by_role("button", name="Start sign-in").click()
    expect(page.get_by_test_id("user-code")).to_be_visible()
    check("device sign-in")

    assert found == {}, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)
    assert page.csp_violations == []


def batch_pages(user, account) -> dict[str, str]:
    """The batch pages, with a draft that has an invalid row, a batch still sending and a
    finished one with failures."""
    draft = services.batch_create(
        team=account.team,
        user=user,
        name="Checkout environments",
        source=BatchSource.CSV,
        rows=[
            RowInput(account=str(account.pk), fields={"name": "checkout-dev"}),
            RowInput(account=str(account.pk), fields={"name": "x" * 300}),
            RowInput(account="nope", fields={"name": "checkout-qa"}),
        ],
    )
    sending = sent_batch(account, user, ["created", "waiting", "sending"], name="Sending")
    finished = sent_batch(
        account, user, ["created", "failed", "retryable", "unknown", "cancelled"], name="Done"
    )
    return {
        "batches": reverse("dashboard:batch_list"),
        "new batch": reverse("dashboard:batch_new"),
        "batch preview": draft.get_absolute_url(),
        "batch preview, invalid only": draft.get_absolute_url() + "?show=invalid",
        "batch row fix without js": reverse("dashboard:batch_row_edit", args=[draft.reference, 2]),
        "batch sending": sending.get_absolute_url(),
        "batch finished": finished.get_absolute_url(),
        "batch finished, failed only": finished.get_absolute_url() + "?show=failed",
    }


def template_pages(user, accounts) -> dict[str, str]:
    """The template pages, with a template of each kind of field (R4: text, Photon: boxes)."""
    from tests.project_templates.conftest import save

    r4 = save(accounts["r4"].team, user, accounts["r4"], defaults={"description": "Checkout"})
    photon = save(
        accounts["photon"].team, user, accounts["photon"], name="Bots",
        name_pattern="bot-{env}", defaults={"spectrum": True, "platforms": ["voice"]},
    )  # fmt: skip
    batch_new = reverse("dashboard:template_batch_new")
    return {
        "templates": reverse("dashboard:template_list"),
        "new template": reverse("dashboard:template_new"),
        "new template (photon)": reverse("dashboard:template_new")
        + f"?account={accounts['photon'].pk}",
        "edit template": photon.get_absolute_url(),
        "delete template": reverse("dashboard:template_delete", args=[r4.pk]),
        "new batch from a template, none chosen": batch_new,
        "new batch from a template": batch_new + f"?template={r4.pk}",
        "new project from a template": reverse("dashboard:project_new") + f"?template={r4.pk}",
    }


def test_the_login_page_with_single_sign_on_has_no_serious_or_critical_violation(
    page,
    live_server,
    settings,
    demo_provider,  # noqa: F811
):
    from tests.sso.conftest import use_provider

    use_provider(settings, demo_provider.url)
    found = {}
    for name, password_login, path in [
        ("button and password", True, "/login/"),
        ("button only", False, "/login/"),
        ("superusers' password", False, "/login/?with=password"),
        ("a refusal", False, "/oidc/callback/?code=forged&state=forged"),
    ]:
        settings.PASSWORD_LOGIN = password_login
        page.goto(live_server.url + path)
        expect(page.get_by_role("link", name="Sign in with Stand-in")).to_be_visible()
        violations = grave_violations(page)
        if violations:
            found[name] = violations
    expect(page.get_by_role("status")).to_be_visible()  # the refusal's words were checked too
    assert found == {}
