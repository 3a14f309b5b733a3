"""A team admin makes a project template in the browser (the vendor fields follow the
chosen account), starts a project from it, then expands it into a batch and lands on the
preview: every row checked, nothing sent."""

import pytest
from playwright.sync_api import expect

from dashboard.models import Batch, BatchSource, ProjectTemplate
from tests.browser.conftest import log_in, wait_for_htmx_settled
from tests.factories import photon_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_makes_a_template_and_expands_it_into_a_batch(
    page, live_server, owner, team, r4_account, sandbox
):
    photon_account(team, sandbox, label="Photon bots")
    log_in(page, live_server, "owner")
    page.get_by_role("navigation").get_by_role("link", name="Templates").click()
    expect(page.get_by_role("heading", name="Project templates")).to_be_visible()
    page.get_by_role("link", name="New template").click()

    page.get_by_label("Template name").fill("Checkout")
    account = page.get_by_label("Account", exact=True)
    account.select_option(label="Photon · Photon bots")
    expect(page.get_by_label("Spectrum")).to_be_visible()  # swapped in by htmx
    expect(page.get_by_label("Description")).to_have_count(0)
    account.select_option(label=f"R4 · {r4_account.label}")
    expect(page.get_by_label("Description")).to_be_visible()
    wait_for_htmx_settled(page)
    page.get_by_label("Name pattern").fill("{app}-{env}")
    page.get_by_label("Description").fill("Checkout service")
    page.get_by_role("button", name="Save template").click()

    expect(page.get_by_role("status")).to_contain_text("Template “Checkout” saved.")
    template = ProjectTemplate.objects.get()
    assert (template.account, template.defaults) == (
        r4_account,
        {"description": "Checkout service"},
    )

    # A single project from it: the defaults filled in, the pattern as a hint at the name.
    page.get_by_role("link", name="New project from this template").click()
    expect(page.get_by_label("Description")).to_have_value("Checkout service")
    expect(page.locator("#id_name_helptext")).to_contain_text("{app}-{env}")
    expect(page.get_by_label("Name")).to_have_value("")

    # A batch from it: 2 apps by 3 environments.
    page.go_back()
    page.get_by_role("link", name="New batch from this template").click()
    page.get_by_label("Values for {app}").fill("checkout, search")
    page.get_by_label("Values for {env}").fill("dev\nstaging\nprod")
    page.get_by_role("button", name="Check the rows").click()

    summary = page.locator("#batch-summary")
    expect(summary).to_contain_text("6 rows 6 valid 0 invalid")
    expect(page.get_by_role("heading", name="Checkout", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("search-prod")
    batch = Batch.objects.get()
    assert batch.source == BatchSource.TEMPLATE and batch.rows.count() == 6
    assert sandbox.calls() == []  # nothing is sent before the send
    assert page.csp_violations == []


def test_a_batch_from_a_template_says_what_is_missing_at_its_field(
    page, live_server, owner, team, r4_account, sandbox
):
    from tests.project_templates.conftest import save

    template = save(team, owner, r4_account)
    log_in(page, live_server, "owner")
    page.goto(live_server.url + "/batches/")
    page.get_by_role("link", name="New batch from a template").click()
    page.get_by_label("Template").select_option(
        label=f"Checkout — R4 · {r4_account.label} (Rocket)"
    )
    expect(page.get_by_label("Values for {env}")).to_be_visible()  # swapped in by htmx
    assert page.url.endswith(f"?template={template.pk}")
    page.get_by_label("Values for {app}").fill("checkout")
    page.get_by_role("button", name="Check the rows").click()
    expect(page.locator("#feedback-value_env")).to_contain_text(
        "Give at least one value for {env}."
    )
    assert not Batch.objects.exists()
    assert page.csp_violations == []
