"""A draft batch's page: the summary, the rows with their errors at their fields, paging,
"invalid only", the inline fix and removal (htmx and plain), and the send buttons."""

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import BatchRow, BatchSource, BatchStatus, Project
from dashboard.services import RowInput
from tests.batches.html import parse
from tests.factories import photon_account

HX = {"HTTP_HX_REQUEST": "true"}


def make_batch(team, user, rows):
    return services.batch_create(
        team=team, user=user, name="Launch", source=BatchSource.CSV, rows=rows
    )


def named(account, *names):
    return [RowInput(account=str(account.pk), fields={"name": name}) for name in names]


@pytest.fixture
def as_member(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def draft(team, member, r4_account):
    """Rows 1 and 2 share a name (both refused), row 3 is fine, row 4 names no account."""
    rows = [*named(r4_account, "dup", "dup", "fine"), RowInput(account="nope", fields={})]
    return make_batch(team, member, rows)


def _url(name, batch, *args):
    return reverse(f"dashboard:{name}", args=[batch.reference, *args])


def _send_buttons(page):
    return [b for b in page.find_all("button") if b.text.startswith("Send")]


def test_the_preview_shows_counts_rows_and_errors_at_their_fields(as_member, draft, sandbox):
    page = parse(as_member.get(draft.get_absolute_url()).content)
    assert page.one(id="batch-summary").text == "Preview 4 rows 1 valid 3 invalid"
    assert len(page.find_all("tbody")[0].find_all("tr")) == 4
    first = page.one("tr", id="row-1")
    name_value = first.one("dd")  # the error sits with the value of the field it is about
    assert name_value.text.startswith("dup") and "Row 2 has the same name" in name_value.text
    assert "No account of this team has the id or label “nope”" in page.one(id="row-4").text
    assert page.find_all("progress") == []
    assert sandbox.calls() == []


def test_send_is_disabled_until_every_row_is_valid_and_skipping_is_explicit(as_member, draft):
    page = parse(as_member.get(draft.get_absolute_url()).content)
    send_all, skip = _send_buttons(page)
    assert "disabled" in send_all.attrs
    assert skip.text == "Send the 1 valid row, skipping the 3 invalid"
    assert "disabled" not in skip.attrs
    form = page.one("form", action=_url("batch_send", draft))
    assert form.one("input", name="skip_invalid").attrs["value"] == "1"
    assert "data-disable-on-submit" in form.attrs  # the button disables itself


def test_a_valid_batch_has_one_enabled_send_button(as_member, team, member, r4_account):
    batch = make_batch(team, member, named(r4_account, "a", "b"))
    page = parse(as_member.get(batch.get_absolute_url()).content)
    (button,) = _send_buttons(page)
    assert button.text == "Send 2 rows" and "disabled" not in button.attrs


def test_the_inline_fix_swaps_in_a_form_with_the_vendors_fields(as_member, draft, r4_account):
    fragment = parse(as_member.get(_url("batch_row_edit", draft, 1), **HX).content)
    row = fragment.one("tr", id="row-1")
    form = row.one("form")
    assert form.attrs["hx-post"] == _url("batch_row_edit", draft, 1)
    chosen = row.one("select", name="account").one("option", selected=True)
    assert chosen.attrs["value"] == str(r4_account.pk)
    assert row.one("input", name="name").attrs["value"] == "dup"
    assert {i.attrs["name"] for i in row.find_all("input", type="text")} == {"name", "externalId"}
    assert len(row.find_all("textarea", name="description")) == 1
    cancelled = parse(as_member.get(_url("batch_row_edit", draft, 1) + "?cancel=1", **HX).content)
    assert cancelled.one("tr", id="row-1").find_all("form")[0].attrs["action"].endswith("remove/")


def test_saving_a_fix_re_renders_the_row_the_rows_it_changed_and_the_counts(
    as_member, draft, r4_account, sandbox
):
    response = as_member.post(
        _url("batch_row_edit", draft, 1),
        {"account": r4_account.pk, "vendor": "r4", "name": "unique", "description": ""},
        **HX,
    )
    answer = parse(response.content)
    swapped = [t for t in answer.find_all("tr") if t.attrs.get("hx-swap-oob")]
    # Row 1 (saved) and row 2 (no longer a duplicate); rows 3 and 4 did not change.
    assert [t.attrs["id"] for t in swapped] == ["row-1", "row-2"]
    assert "Ready" in swapped[0].text and "unique" in swapped[0].text
    assert "Ready" in swapped[1].text and "same name" not in swapped[1].text
    assert answer.one(id="batch-summary").text == "Preview 4 rows 3 valid 1 invalid"
    assert answer.one(id="batch-summary").attrs["hx-swap-oob"] == "innerHTML"
    assert _send_buttons(answer)[-1].text == "Send the 3 valid rows, skipping the 1 invalid"
    assert BatchRow.objects.get(batch=draft, number=1).data == {"name": "unique"}
    assert sandbox.calls() == [] and Project.objects.count() == 0


def test_without_javascript_a_fix_is_a_page_then_a_redirect_back(as_member, draft, r4_account):
    page = as_member.get(_url("batch_row_edit", draft, 4) + "?show=invalid")
    assert page.status_code == 200 and b"<html" in page.content
    form = parse(page.content).one("form", action=_url("batch_row_edit", draft, 4))
    assert "hx-post" not in form.attrs
    assert form.one("input", name="show").attrs["value"] == "invalid"
    # Row 4 had no account, so no fields: choosing one shows its vendor's, unsaved.
    switched = as_member.post(
        _url("batch_row_edit", draft, 4),
        {"account": r4_account.pk, "vendor": "", "show": "invalid"},
    )
    assert switched.status_code == 200
    assert len(parse(switched.content).find_all("input", name="name")) == 1
    assert BatchRow.objects.get(batch=draft, number=4).account_given == "nope"
    saved = as_member.post(
        _url("batch_row_edit", draft, 4),
        {"account": r4_account.pk, "vendor": "r4", "name": "four", "show": "invalid"},
    )
    assert saved.status_code == 302
    assert saved["Location"] == draft.get_absolute_url() + "?show=invalid"
    row = BatchRow.objects.get(batch=draft, number=4)
    assert (row.account, row.data, row.errors) == (r4_account, {"name": "four"}, {})
    assert b"Row 4 saved." in as_member.get(saved["Location"]).content


def test_a_checkbox_and_multiple_choices_are_edited_as_such(as_member, team, member, sandbox):
    photon = photon_account(team, sandbox)
    rows = [RowInput(account=photon.label, fields={"name": "bot", "platforms": ["nope"]})]
    batch = make_batch(team, member, rows)
    assert (
        "Choose only from the listed options"
        in parse(as_member.get(batch.get_absolute_url()).content).one(id="row-1").text
    )
    form = parse(as_member.get(_url("batch_row_edit", batch, 1), **HX).content)
    assert form.one("input", type="checkbox", name="spectrum")
    assert len(form.find_all("input", type="checkbox", name="platforms")) > 1
    as_member.post(
        _url("batch_row_edit", batch, 1),
        {
            "account": photon.pk,
            "vendor": "photon",
            "name": "bot",
            "spectrum": "on",
            "platforms": ["imessage"],
            "location": "United States",
        },
        **HX,
    )
    row = BatchRow.objects.get(batch=batch)
    assert row.data["spectrum"] is True and row.data["template"] is False
    assert row.data["platforms"] == ["imessage"] and row.errors == {}


def test_a_fix_the_database_cannot_store_is_said_at_its_field(as_member, draft, r4_account):
    response = as_member.post(
        _url("batch_row_edit", draft, 3),
        {"account": r4_account.pk, "vendor": "r4", "name": "a\x00b"},
        **HX,
    )
    row = parse(response.content).one("tr", id="row-3")
    assert "control characters" in row.one(id="feedback-name").text
    assert BatchRow.objects.get(batch=draft, number=3).data == {"name": "fine"}


def test_removing_a_row_deletes_it_and_updates_the_rest(as_member, draft, sandbox):
    answer = parse(as_member.post(_url("batch_row_remove", draft, 2), **HX).content)
    assert answer.one("tr", id="row-2").attrs["hx-swap-oob"] == "delete"
    assert answer.one("tr", id="row-1").attrs["hx-swap-oob"] == "true"  # no longer a duplicate
    assert answer.one(id="batch-summary").text == "Preview 3 rows 2 valid 1 invalid"
    assert list(draft.rows.values_list("number", flat=True)) == [1, 3, 4]
    plain = as_member.post(_url("batch_row_remove", draft, 4), {"show": "invalid"})
    assert plain.status_code == 302
    assert plain["Location"] == draft.get_absolute_url() + "?show=invalid"
    assert as_member.post(_url("batch_row_remove", draft, 4)).status_code == 404
    assert sandbox.calls() == []


def test_invalid_only_and_keyset_pages_of_a_hundred(as_member, team, member, r4_account):
    names = [f"p-{n}" for n in range(1, 251)]
    names[149] = "p-1"  # rows 1 and 150 share a name
    batch = make_batch(team, member, named(r4_account, *names))

    def numbers(query):
        fragment = parse(as_member.get(_url("batch_rows", batch) + query, **HX).content)
        rows = fragment.one("tbody").find_all("tr")
        pager = {
            a.text: a.attrs["hx-get"]
            for a in fragment.find_all("a")
            if "→" in a.text or "←" in a.text
        }
        return [int(r.attrs["id"][4:]) for r in rows], pager

    first, pager = numbers("")
    assert first == list(range(1, 101)) and list(pager) == ["Next →"]
    second, pager = numbers("?after=100")
    assert second == list(range(101, 201)) and set(pager) == {"← Previous", "Next →"}
    assert pager["← Previous"].endswith("?before=101")
    back, pager = numbers("?before=101")
    assert back == first and list(pager) == ["Next →"]
    last, pager = numbers("?after=200")
    assert last == list(range(201, 251)) and list(pager) == ["← Previous"]
    invalid, pager = numbers("?show=invalid")
    assert invalid == [1, 150] and pager == {}
    for junk in ("?after=-1", "?after=1e3", "?after=" + "9" * 40, "?before=0", "?show=<x>"):
        assert numbers(junk)[0] == first, junk


def test_send_with_invalid_rows_is_refused_unless_skipping(as_member, draft, sandbox):
    refused = as_member.post(_url("batch_send", draft), follow=True)
    assert b"3 of 4 rows have errors" in refused.content
    assert Project.objects.count() == 0 and sandbox.calls() == []
    as_member.post(_url("batch_send", draft), {"skip_invalid": "1"})
    as_member.post(_url("batch_send", draft), {"skip_invalid": "1"})  # a double submit
    assert list(Project.objects.values_list("name", flat=True)) == ["fine"]
    assert len(sandbox.calls("r4", method="POST")) == 1
    draft.refresh_from_db()
    assert draft.status == BatchStatus.DONE
    assert as_member.get(_url("batch_row_edit", draft, 3)).status_code == 302  # no more fixes


def test_a_fix_naming_no_account_of_the_team_saves_nothing(as_member, draft, other_team, sandbox):
    from tests.factories import R4AccountFactory

    foreign = R4AccountFactory(team=other_team)
    for chosen, words in ((foreign.pk, "Choose one of the team's accounts."), ("", "Choose the")):
        response = as_member.post(
            _url("batch_row_edit", draft, 3), {"account": chosen, "vendor": "r4", "name": "z"}, **HX
        )
        feedback = parse(response.content).one("tr", id="row-3").one(id="feedback-account")
        assert feedback.text.startswith(words)
    row = BatchRow.objects.get(batch=draft, number=3)
    assert row.data == {"name": "fine"} and row.account_id != foreign.pk
