"""The new-batch page: a CSV uploaded or pasted becomes a draft batch; anything wrong with
it is said at the field it concerns, nothing is stored and no vendor is called."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dashboard.models import Batch, BatchRow, Project
from dashboard.services.batch_csv import CSV_MAX_BYTES
from tests.batches.html import parse
from tests.factories import photon_account

NEW = reverse("dashboard:batch_new")


def _post(client, *, name="Launch", text=None, upload=None, team=None):
    data = {"name": name}
    if team is not None:
        data["team"] = team.pk
    if text is not None:
        data["csv_text"] = text
    if upload is not None:
        data["csv_file"] = SimpleUploadedFile("rows.csv", upload, content_type="text/csv")
    return client.post(NEW, data)


def _feedback(response, field: str) -> str:
    return parse(response.content).one(id=f"feedback-{field}").text


@pytest.fixture
def as_member(client, member, r4_account):
    client.force_login(member)
    return client


def test_a_pasted_csv_becomes_a_draft_and_the_browser_goes_to_its_page(
    as_member, team, r4_account, sandbox
):
    text = f"account,name,description\n{r4_account.label},checkout-dev,\n{r4_account.pk},b,x\n"
    response = _post(as_member, text=text, team=team)
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    assert batch.name == "Launch" and batch.created_by.username == "member"
    assert list(batch.rows.values_list("data", flat=True)) == [
        {"name": "checkout-dev"},
        {"name": "b", "description": "x"},
    ]
    assert sandbox.calls() == [] and Project.objects.count() == 0


def test_an_uploaded_csv_with_a_byte_order_mark_is_read(as_member, team, r4_account, sandbox):
    upload = f"\ufeffaccount,name\r\n{r4_account.pk},checkout-dev\r\n".encode()
    assert _post(as_member, upload=upload, team=team).status_code == 302
    assert BatchRow.objects.get().data == {"name": "checkout-dev"}


TEN_THOUSAND_AND_ONE = "account,name\n" + "".join(f"1,p-{n}\n" for n in range(10_001))


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({"upload": b"account,name\n1,caf\xe9\n"}, "csv_file", "not UTF-8"),
        ({"upload": b"\xff\xfea\x00c\x00"}, "csv_file", "not UTF-8"),
        ({"upload": b"account,name\n1,a\x00b\n"}, "csv_file", "Line 2 of the CSV holds a NUL"),
        ({"text": "account,name\n1,ok\n1,a\x00b\n"}, "csv_text", "Line 3 of the CSV holds a NUL"),
        ({"upload": b"account,name\n" + b"1," + b"x" * CSV_MAX_BYTES}, "csv_file", "larger than"),
        ({"text": "\n\n"}, "csv_text", "Upload a CSV file or paste"),
        ({"upload": b""}, "csv_file", "empty"),
        ({"text": "name,description\nx,y\n"}, "csv_text", "must name an “account” column"),
        ({"text": "account,name\n"}, "csv_text", "a header but no rows"),
        ({"text": "account,name,name\n1,a,b\n"}, "csv_text", "names the column “name” twice"),
        ({"text": "account,name\n1,a,b\n"}, "csv_text", "Line 2 has 3 cells"),
        ({"text": "account,name\n1," + "x" * 200_000}, "csv_text", "Line 2 can't be read as CSV"),
        ({"text": TEN_THOUSAND_AND_ONE}, "csv_text", "more than 10,000 rows"),
        ({"text": "account,name\n1,a\n", "upload": b"account,name\n1,a\n"}, "csv_file", "not both"),
    ],
)
def test_a_bad_csv_is_refused_at_its_field_with_nothing_stored_or_sent(
    as_member, team, sandbox, given, field, words
):
    response = _post(as_member, team=team, **given)
    assert response.status_code == 200
    assert words in _feedback(response, field)
    assert not Batch.objects.exists() and not BatchRow.objects.exists()
    assert sandbox.calls() == [] and Project.objects.count() == 0


def test_a_missing_name_is_said_with_the_csv_error(as_member, team, sandbox):
    response = _post(as_member, name="  ", text="name\nx\n", team=team)
    assert "Give the batch a name" in _feedback(response, "name")
    assert "account" in _feedback(response, "csv_text")
    assert not Batch.objects.exists()
    response = _post(as_member, name="\x1b[31m", text="account,name\n1,x\n", team=team)
    assert "Give the batch a name" in _feedback(response, "name")
    assert not Batch.objects.exists()


def test_a_paste_too_large_to_read_is_refused_at_its_field_not_with_a_400(
    member, team, r4_account, sandbox, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    page = client.get(NEW)
    token = parse(page.content).find_all("input", name="csrfmiddlewaretoken")[0].attrs["value"]
    text = "account,name\n" + f"{r4_account.pk},a-long-enough-name\n" * 200
    response = client.post(NEW, {"name": "x", "csv_text": text, "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert "too much text to paste" in _feedback(response, "csv_text")
    assert not Batch.objects.exists()
    # The form is still checked for CSRF when it can be read.
    assert client.post(NEW, {"name": "x", "csv_text": "account,name\n1,a\n"}).status_code == 403


@pytest.mark.parametrize(
    ("account_cell", "words"),
    [
        ("\u0661", "No account of this team has the id or label “\u0661”"),  # Arabic-Indic 1
        ("99999999999999999999999999999999", "No account of this team has the id or label"),
        ("R4\x1b[2J", "No account of this team"),
        ("", "Give the account"),
    ],
)
def test_an_account_cell_naming_no_account_is_a_row_error_not_a_500(
    as_member, team, r4_account, sandbox, account_cell, words
):
    text = f"account,name\n{r4_account.pk},fine\n{account_cell},second\n"
    response = _post(as_member, text=text, team=team)
    assert response.status_code == 302
    page = parse(as_member.get(response["Location"]).content)
    assert words in page.one("tr", id="row-2").text
    assert "Has errors" in page.one("tr", id="row-2").text
    assert sandbox.calls() == [] and Project.objects.count() == 0


def test_control_characters_and_huge_numbers_in_cells_are_refused_at_their_field(
    as_member, team, r4_account, sandbox
):
    text = (
        "account,name,description,colour\n"
        f"{r4_account.pk},bad\x07name,{'9' * 2000},\n"
        f"{r4_account.pk},\u2028x,,red\n"
    )
    response = _post(as_member, text=text, team=team)
    page = parse(as_member.get(response["Location"]).content)
    first, second = page.one("tr", id="row-1"), page.one("tr", id="row-2")
    assert "Name contains control characters" in first.text
    assert "Description is 2000 characters; the most this vendor accepts is 1000" in first.text
    assert "Not a field of this vendor's projects" in second.text
    assert sandbox.calls() == [] and Project.objects.count() == 0


def test_examples_are_offered_for_the_teams_vendors_only(as_member, team, sandbox, r4_account):
    page = parse(as_member.get(NEW).content)
    links = [a.attrs["href"] for a in page.find_all("a") if "examples" in a.attrs.get("href", "")]
    assert links == [reverse("dashboard:batch_example", args=["r4"])]
    photon_account(team, sandbox)
    page = parse(as_member.get(NEW).content)
    assert len([a for a in page.find_all("a") if "examples" in a.attrs.get("href", "")]) == 2


def test_an_example_is_a_csv_download_that_reads_back_as_a_valid_batch(
    as_member, team, r4_account, sandbox
):
    response = as_member.get(reverse("dashboard:batch_example", args=["r4"]))
    assert response["Content-Disposition"] == 'attachment; filename="batch-example-r4.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode()
    assert text.splitlines()[0] == "account,name,externalId,description"
    assert _post(as_member, text=text, team=team).status_code == 302
    assert Batch.objects.get().rows.exclude(errors={}).count() == 0
    for vendor in ("photon", "nope", "..", "r4%00"):
        assert as_member.get(f"/batches/examples/{vendor}.csv").status_code == 404


def test_a_viewer_gets_no_new_batch_page(client, viewer, r4_account):
    client.force_login(viewer)
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, {"name": "x", "csv_text": "account,name\n1,a\n"}).status_code == 404
    assert client.get(reverse("dashboard:batch_example", args=["r4"])).status_code == 404
    assert not Batch.objects.exists()


def test_a_member_of_several_teams_chooses_one_and_cannot_pick_another_teams(
    client, member, team, other_team, r4_account, sandbox
):
    from dashboard.models import Role
    from tests.factories import MembershipFactory

    client.force_login(member)
    assert parse(client.get(NEW).content).find_all("select", name="team") == []
    MembershipFactory(team=other_team, user=member, role=Role.MEMBER)
    assert len(parse(client.get(NEW).content).find_all("select", name="team")) == 1
    text = f"account,name\n{r4_account.pk},x\n"
    foreign = type(team).objects.create(name="Not theirs")
    response = _post(client, text=text, team=foreign)
    assert response.status_code == 200 and not Batch.objects.exists()
    assert "Select a valid choice" in _feedback(response, "team")
    assert _post(client, text=text, team=team).status_code == 302
    assert Batch.objects.get().team == team
