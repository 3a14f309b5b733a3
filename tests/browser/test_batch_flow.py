"""A batch as a person makes one, served as in production: gunicorn and a db_worker on the
test database, the vendor slow (1 s a create). A CSV with two bad rows is uploaded, one is
fixed in place, the other skipped, the rest sent; the progress bar then moves and reaches
"done" without a reload.

Real processes, because on the tests' immediate queue the send request itself would make
every vendor call: the page would open on a finished batch and its polling would never
run. Here the request only records the rows; the worker sends them, in the account's turn."""

import pytest
from playwright.sync_api import expect

from dashboard.models import Batch, BatchStatus, Project, ProjectStatus
from tests.batches.sent import sent_batch
from tests.browser.conftest import log_in, wait_for_htmx_settled
from tests.processes import UserAgent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_fix_one_skip_one_send_and_watch_it_finish(
    page, services_running, r4_account, member, sandbox
):
    sandbox.inject("slow", vendor="r4", method="POST", delay=1.0, times=None)
    web = services_running.web(workers=2, threads=2)
    services_running.worker()
    session = UserAgent(web.url, member).cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": web.url}])
    csv = (
        "account,name,description\n"
        f"{r4_account.label},checkout-dev,\n"
        f"{r4_account.pk},{'x' * 300},too long a name\n"
        f"{r4_account.pk},checkout-staging,\n"
        "no such account,checkout-qa,\n"
        f"{r4_account.pk},checkout-prod,\n"
    )

    page.goto(f"{web.url}/batches/new/")
    page.locator("#id_name").fill("Checkout environments")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "rows.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    page.get_by_role("button", name="Check the rows").click()

    summary = page.locator("#batch-summary")
    expect(summary).to_contain_text("5 rows 3 valid 2 invalid")
    expect(page.locator("#row-2")).to_contain_text("the most this vendor accepts is 255")
    expect(page.get_by_role("button", name="Send all rows")).to_be_disabled()
    assert sandbox.calls() == []  # nothing is sent before the send

    # Fix row 2 in place.
    page.get_by_role("link", name="Edit row 2").click()
    wait_for_htmx_settled(page)
    page.locator("#row-2 #id_name").fill("checkout-test")
    page.get_by_role("button", name="Save row 2").click()
    expect(page.locator("#row-2")).to_contain_text("Ready")
    expect(page.locator("#row-2")).to_contain_text("checkout-test")
    expect(summary).to_contain_text("5 rows 4 valid 1 invalid")
    assert sandbox.calls() == []

    # Skip the other, explicitly.
    page.get_by_role("button", name="Send the 4 valid rows, skipping the 1 invalid").click()
    progress = page.locator("#batch-progress")
    expect(progress).to_be_visible()
    bar = page.get_by_role("progressbar", name="Batch progress")
    navigations = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and navigations.append(1))
    first = int(bar.get_attribute("value"))
    assert first < 4, "the page opened on a finished batch: nothing left to watch"

    expect(progress).to_contain_text("Done", timeout=40_000)
    assert bar.get_attribute("value") == bar.get_attribute("max") == "4"
    expect(page.locator("#batch-announce")).to_contain_text("4 created")
    expect(page.locator("#row-5")).to_contain_text("Created")  # the rows followed
    expect(page.locator("#row-4")).to_contain_text("Skipped")
    assert navigations == []  # htmx swapped everything in; the page never reloaded

    batch = Batch.objects.get()
    assert batch.status == BatchStatus.DONE
    names = sorted(
        Project.objects.filter(status=ProjectStatus.CREATED).values_list("name", flat=True)
    )
    assert names == ["checkout-dev", "checkout-prod", "checkout-staging", "checkout-test"]
    assert len(sandbox.calls("r4", method="POST")) == 4
    assert page.csp_violations == []


def test_cancel_the_rest_asks_first_and_does_nothing_when_declined(
    page, live_server, r4_account, member, sandbox
):
    batch = sent_batch(r4_account, member, ["created", "waiting", "waiting"])
    log_in(page, live_server, "member")
    page.goto(live_server.url + batch.get_absolute_url())
    questions = []

    def decline(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.get_by_role("button", name="Cancel the rest").click()
    expect(page.get_by_role("button", name="Cancel the rest")).to_be_enabled()
    assert questions == ["Cancel the 2 rows not yet sent? They will never be sent."]
    assert Project.objects.filter(batch=batch, status=ProjectStatus.PENDING).count() == 2

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel the rest").click()
    expect(page.get_by_role("status").first).to_contain_text("2 rows not yet sent cancelled.")
    expect(page.locator("#batch-progress")).to_contain_text("Done")
    assert Project.objects.filter(batch=batch, status=ProjectStatus.PENDING).count() == 0
    assert sandbox.calls() == []
    assert page.csp_violations == []
