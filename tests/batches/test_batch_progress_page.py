"""A sent batch's page: counts by state, one labelled progress bar, polling that slows down
while nothing settles and stops when done, the rows by state, cancel, retry, the results
CSV; and a page that costs the same few queries at 10,000 rows."""

import csv
import io

import pytest
from django.urls import reverse

from dashboard.models import BatchStatus, Project, ProjectStatus
from dashboard.models.batches import CANCELLED
from tests.batches.html import parse
from tests.batches.sent import sent_batch

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_member(client, member):
    client.force_login(member)
    return client


def _url(name, batch, *args):
    return reverse(f"dashboard:{name}", args=[batch.reference, *args])


def _buttons(page) -> list[str]:
    return [b.text for b in page.find_all("button")]


MIXED = ["waiting", "waiting", "sending", "created", "failed", "retryable", "unknown", "cancelled"]


def test_the_page_shows_counts_one_labelled_progress_bar_and_the_buttons_that_apply(
    as_member, r4_account, member
):
    batch = sent_batch(r4_account, member, MIXED)
    page = parse(as_member.get(batch.get_absolute_url()).content)
    bar = page.one("progress")
    assert bar.attrs["aria-label"] == "Batch progress"
    assert (bar.attrs["value"], bar.attrs["max"]) == ("5", "8")
    counts = page.one("ul", aria_label="Rows by state").text
    for words in ("Waiting 2", "Sending 1", "Created 1", "Failed 2", "unknown 1", "Cancelled 1"):
        assert words in counts
    section = page.one("section", id="batch-progress")
    assert section.attrs["hx-trigger"] == "load delay:1000ms"
    assert section.attrs["hx-get"].endswith("?seen=5&wait=1000")
    assert _buttons(page).count("Retry failed rows") == 1
    assert _buttons(page).count("Cancel the rest") == 1
    for form in page.find_all("form", data_confirm=True):
        assert form.attrs["data-confirm"]  # asks first, where the script runs
    assert _buttons(page).count("Send all rows") == 0
    assert len(page.find_all("a", string=None, href=_url("batch_results", batch))) == 1
    rows = page.one("tbody").find_all("tr")
    assert [r.find_all("span")[0].text for r in rows] == [
        "Waiting", "Waiting", "Sending", "Created", "Failed", "Failed", "Outcome unknown",
        "Cancelled",
    ]  # fmt: skip
    project = Project.objects.get(batch=batch, name="row-4")
    assert rows[3].one("a").attrs["href"] == project.get_absolute_url()


def test_no_retry_without_a_retryable_row_and_no_cancel_without_a_waiting_one(
    as_member, r4_account, member
):
    batch = sent_batch(r4_account, member, ["sending", "failed", "created"])
    buttons = _buttons(parse(as_member.get(batch.get_absolute_url()).content))
    assert "Retry failed rows" not in buttons and "Cancel the rest" not in buttons


def test_a_viewer_sees_the_progress_without_the_buttons(client, viewer, r4_account, member):
    batch = sent_batch(r4_account, member, MIXED)
    client.force_login(viewer)
    page = parse(client.get(batch.get_absolute_url()).content)
    assert len(page.find_all("progress")) == 1
    assert "Retry failed rows" not in _buttons(page)
    assert client.post(_url("batch_retry", batch)).status_code == 404


def _poll(client, batch, query):
    response = client.get(_url("batch_progress", batch) + query, **HX)
    section = parse(response.content).one("section", id="batch-progress")
    return response, section


def test_polling_slows_down_while_nothing_settles_and_speeds_up_on_a_change(
    as_member, r4_account, member
):
    batch = sent_batch(r4_account, member, ["waiting", "created"])
    waits = []
    query = "?seen=1&wait=1000"
    for _ in range(5):
        response, section = _poll(as_member, batch, query)
        assert "HX-Trigger" not in response  # nothing changed: the rows stay as they are
        waits.append(section.attrs["hx-trigger"])
        query = "?" + section.attrs["hx-get"].split("?")[1]
    assert waits == [f"load delay:{ms}ms" for ms in (2000, 4000, 8000, 10000, 10000)]
    Project.objects.filter(batch=batch, status=ProjectStatus.PENDING).update(
        status=ProjectStatus.FAILED, error_kind="invalid"
    )
    response, section = _poll(as_member, batch, query)
    assert response["HX-Trigger"] == "batchChanged"
    assert "hx-trigger" not in section.attrs and "hx-get" not in section.attrs  # done: stops
    assert "Done" in section.text
    announced = parse(response.content).one(id="batch-announce")
    assert announced.attrs["hx-swap-oob"] == "innerHTML"
    assert "1 created, 1 failed" in announced.text


def test_a_change_brings_the_first_delay_back(as_member, r4_account, member):
    batch = sent_batch(r4_account, member, ["waiting", "waiting", "created"])
    response, section = _poll(as_member, batch, "?seen=0&wait=8000")
    assert section.attrs["hx-trigger"] == "load delay:1000ms"
    assert response["HX-Trigger"] == "batchChanged"
    for junk in ("?seen=x&wait=-5", "?seen=" + "9" * 40, "?wait=99999999999999999999"):
        assert _poll(as_member, batch, junk)[1].attrs["hx-trigger"] == "load delay:1000ms"


def test_a_draft_has_nothing_to_poll(as_member, team, member, r4_account):
    from tests.batches.test_batch_preview_page import make_batch, named

    draft = make_batch(team, member, named(r4_account, "a"))
    assert as_member.get(_url("batch_progress", draft), **HX).status_code == 286


def test_the_rows_filter_to_failed_and_unknown(as_member, r4_account, member):
    batch = sent_batch(r4_account, member, MIXED)

    def names(show):
        fragment = parse(as_member.get(_url("batch_rows", batch) + f"?show={show}", **HX).content)
        return [a.text for a in fragment.one("tbody").find_all("a")]

    assert names("failed") == ["row-5", "row-6"]  # not the cancelled one
    assert names("unknown") == ["row-7"]
    assert as_member.get(_url("batch_rows", batch) + "?show=failed").status_code == 302


def test_cancel_the_rest_cancels_only_the_rows_not_yet_sent(as_member, r4_account, member, sandbox):
    batch = sent_batch(r4_account, member, ["waiting", "waiting", "sending", "created"])
    response = as_member.post(_url("batch_cancel", batch), follow=True)
    assert b"2 rows not yet sent cancelled." in response.content
    states = dict(Project.objects.filter(batch=batch).values_list("name", "error_code"))
    assert states == {"row-1": CANCELLED, "row-2": CANCELLED, "row-3": "", "row-4": ""}
    assert sandbox.calls() == []
    again = as_member.post(_url("batch_cancel", batch), follow=True)
    assert b"nothing was cancelled" in again.content


def test_retry_sends_the_retryable_rows_again_with_their_keys(
    as_member, r4_account, member, sandbox
):
    batch = sent_batch(r4_account, member, ["retryable", "failed", "created"])
    response = as_member.post(_url("batch_retry", batch), follow=True)
    assert b"1 failed row sent again." in response.content
    retried = Project.objects.get(batch=batch, name="row-1")
    assert retried.status == ProjectStatus.CREATED
    calls = sandbox.calls("r4", method="POST")
    assert len(calls) == 1
    assert Project.objects.get(batch=batch, name="row-2").status == ProjectStatus.FAILED


def test_the_results_csv_is_safe_for_spreadsheets_and_named_safely(as_member, r4_account, member):
    batch = sent_batch(r4_account, member, ["created", "failed"], name='=cmd"|/c calc\r\n.csv')
    Project.objects.filter(batch=batch, name="row-1").update(name="=HYPERLINK(1)")
    response = as_member.get(_url("batch_results", batch))
    assert response["Content-Disposition"] == 'attachment; filename="cmdc-calc-csv-results.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["row", "account", "name", "state", "remote_id", "error", "project_url"]
    assert rows[1][2] == "'=HYPERLINK(1)" and rows[1][3] == "created"
    assert rows[1][6].startswith("http://testserver/projects/")
    assert rows[2][3:6] == ["failed", "", "R4 refused the name."]


@pytest.mark.parametrize("state", ["draft", "sending", "done"])
def test_a_ten_thousand_row_batch_costs_a_few_queries(
    as_member, r4_account, member, django_assert_max_num_queries, state
):
    """Session, user, batch, role, one aggregate (counts or progress), one page of rows,
    the header's "may create" check: the same at 10,000 rows as at 10."""
    states = {"draft": ["waiting"], "sending": ["waiting"], "done": ["created"]}[state] * 10_000
    batch = sent_batch(r4_account, member, states)
    if state == "draft":
        Project.objects.filter(batch=batch).delete()
        batch.rows.filter(number__gt=9_000).update(errors={"name": ["Name is required."]})
        batch.status = BatchStatus.DRAFT
        batch.save()
    with django_assert_max_num_queries(7):
        page = as_member.get(batch.get_absolute_url() + "?after=5000")
    rows = parse(page.content).one("tbody").find_all("tr")
    assert len(rows) == 100 and rows[0].attrs["id"] == "row-5001"
    if state == "draft":
        assert parse(page.content).one(id="batch-summary").text.endswith("9000 valid 1000 invalid")
        return
    with django_assert_max_num_queries(5):
        as_member.get(_url("batch_progress", batch) + "?seen=0&wait=1000", **HX)
    with django_assert_max_num_queries(5):
        as_member.get(_url("batch_rows", batch) + "?show=failed", **HX)
