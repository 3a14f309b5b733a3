"""A new batch from a template: values per placeholder (commas or new lines), extra
accounts of the same vendor, a name; the rows become a draft batch and the browser goes to
its preview. Refusals are said at their fields, nothing is stored and no vendor is asked."""

import pytest
from django.urls import reverse

from dashboard.models import Batch, BatchRow, BatchSource, Project
from tests.batches.html import parse
from tests.factories import photon_account

NEW = reverse("dashboard:template_batch_new")
HTMX = {"HTTP_HX_REQUEST": "true"}


def feedback(response, field: str) -> str:
    return parse(response.content).one(id=f"feedback-{field}").text


def alert(response) -> str:
    return parse(response.content).one("main").one(role="alert").text


def post(client, template, **given):
    data = {"template": template.pk, "name": "Checkout environments"}
    data.update(given)
    return client.post(NEW, data)


@pytest.fixture
def as_member(client, member):
    client.force_login(member)
    return client


def test_values_become_a_draft_batch_and_the_browser_goes_to_its_preview(
    as_member, template, second_r4, member, sandbox
):
    response = post(
        as_member,
        template,
        value_app="checkout, search",
        value_env="dev\nstaging\r\nprod\n\n, dev",
        extra_accounts=[second_r4.pk],
    )
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    assert (batch.source, batch.name, batch.created_by) == (
        BatchSource.TEMPLATE,
        "Checkout environments",
        member,
    )
    rows = list(batch.rows.order_by("number"))
    assert len(rows) == 12 and all(row.errors == {} for row in rows)
    assert rows[0].data == {"description": "Made from a template", "name": "checkout-dev"}
    assert {row.account_id for row in rows[6:]} == {second_r4.pk}
    assert sandbox.calls() == [] and Project.objects.count() == 0
    preview = as_member.get(batch.get_absolute_url())
    assert "checkout-prod" in preview.content.decode()


def test_the_page_offers_the_teams_templates_and_the_chosen_ones_fields(
    as_member, template, second_r4, disconnected_r4, outsider_template, team, sandbox
):
    photon_account(team, sandbox)
    page = parse(as_member.get(NEW).content)
    options = page.one("select", name="template").find_all("option")
    assert [o.attrs["value"] for o in options] == ["", str(template.pk)]
    assert page.one("main").find_all("form", method="post") == []
    page = parse(as_member.get(NEW, {"template": template.pk}).content)
    form = page.one("main").one("form", method="post")
    assert [t.attrs["name"] for t in form.find_all("textarea")] == ["value_app", "value_env"]
    assert form.one("input", name="name").attrs["value"] == "Checkout"
    extra = [i.attrs["value"] for i in form.find_all("input", name="extra_accounts")]
    assert extra == [str(second_r4.pk)]  # not disconnected, not another vendor, not its own


def test_choosing_a_template_by_htmx_swaps_in_its_form_once(as_member, template):
    response = as_member.get(NEW, {"template": template.pk}, **HTMX)
    fragment = parse(response.content)
    assert len(fragment.find_all("div", id="template-batch")) == 1
    assert len(fragment.find_all("form")) == 1 and fragment.find_all("nav") == []
    assert "HX-Request" in response["Vary"]
    picker = parse(as_member.get(NEW).content).one("form", method="get")
    assert picker.attrs["hx-target"] == "#template-batch"


def test_the_batch_pages_link_here(as_member, template):
    for url in (reverse("dashboard:batch_list"), reverse("dashboard:batch_new")):
        links = parse(as_member.get(url).content).one("main").find_all("a", href=NEW)
        assert [a.text for a in links] == ["New batch from a template"]


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({"value_env": ""}, "value_env", "Give at least one value for {env}."),
        ({"value_env": " , \n ,"}, "value_env", "Give at least one value for {env}."),
        ({"value_env": "dev,a\x00b"}, "value_env", "Value 2 for {env} holds a NUL"),
        ({"value_env": "a\tb"}, "value_env", "holds a control character"),
        ({"value_env": "x" * 256}, "value_env", "at most 255"),
        ({"value_env": "9" * 10_000}, "value_env", "10,000 characters"),
        ({"name": ""}, "name", "Give the batch a name"),
        ({"name": "x" * 101}, "name", "Give the batch a name"),
        ({"name": "a\x00b"}, "name", "Give the batch a name"),
        ({"extra_accounts": ["99999999999999999999"]}, "extra_accounts", "listed accounts"),
        ({"extra_accounts": ["\u0661"]}, "extra_accounts", "listed accounts"),
    ],
)
def test_bad_input_is_refused_at_its_field_with_nothing_stored_or_sent(
    as_member, template, second_r4, sandbox, given, field, words
):
    data = {"value_app": "checkout", "value_env": "dev", **given}
    response = post(as_member, template, **data)
    assert response.status_code == 200
    assert words in feedback(response, field)
    assert not Batch.objects.exists() and not BatchRow.objects.exists()
    assert sandbox.calls() == []


def test_missing_values_and_a_missing_name_are_said_at_once(as_member, template):
    response = post(as_member, template, name=" ", value_app="", value_env="dev")
    assert "Give at least one value for {app}." in feedback(response, "value_app")
    assert "Give the batch a name" in feedback(response, "name")
    assert not Batch.objects.exists()


def test_more_than_ten_thousand_combinations_are_refused_with_their_count(
    as_member, template, sandbox
):
    values = ",".join(f"v{n}" for n in range(101))
    response = post(as_member, template, value_app=values, value_env=values)
    assert response.status_code == 200
    assert "These values make 10,201 projects" in alert(response)
    assert not Batch.objects.exists() and sandbox.calls() == []


def test_another_teams_account_is_not_an_extra_account(
    as_member, template, outsider_account, sandbox
):
    response = post(
        as_member, template, value_app="a", value_env="b", extra_accounts=[outsider_account.pk]
    )
    assert "listed accounts" in feedback(response, "extra_accounts")
    assert not Batch.objects.exists()


def test_a_template_whose_account_is_disconnected_says_so(
    as_member, template, disconnected_r4, sandbox
):
    template.account = disconnected_r4
    template.save()
    response = post(as_member, template, value_app="a", value_env="b")
    assert "“R4 gone” is disconnected" in alert(response)
    assert not Batch.objects.exists()


def test_a_template_without_a_pattern_says_so_instead_of_a_form(as_member, template):
    template.name_pattern = ""
    template.save()
    page = parse(as_member.get(NEW, {"template": template.pk}).content)
    assert "no name pattern" in page.one("main").one(role="alert").text
    assert page.one("main").find_all("form", method="post") == []


@pytest.mark.parametrize("user", ["viewer", "outsider"])
def test_a_viewer_or_an_outsider_gets_a_404(client, request, template, user, sandbox):
    client.force_login(request.getfixturevalue(user))
    if user == "viewer":
        assert client.get(NEW).status_code == 404
    assert client.get(NEW, {"template": template.pk}).status_code == 404
    assert client.get(NEW, {"template": template.pk}, **HTMX).status_code == 404
    response = post(client, template, value_app="a", value_env="b")
    assert response.status_code == 404 and b"Checkout" not in response.content
    assert not Batch.objects.exists() and sandbox.calls() == []


@pytest.mark.parametrize("value", ["abc", "0", "-1", "\u0661", "99999999999999999999", "1.0", " 1"])
def test_a_malformed_template_id_is_a_404(as_member, template, value):
    assert as_member.get(NEW, {"template": value}).status_code == 404
    assert as_member.post(NEW, {"template": value, "name": "x"}).status_code == 404


def test_values_too_many_to_read_are_refused_on_the_page_not_with_a_400(
    as_member, template, settings, sandbox
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    response = post(as_member, template, value_app="checkout," * 500, value_env="dev")
    assert response.status_code == 200
    assert "too much text to send at once" in alert(response)
    assert not Batch.objects.exists() and sandbox.calls() == []


def test_the_form_is_still_checked_for_csrf(member, template):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = post(client, template, value_app="checkout", value_env="dev")
    assert response.status_code == 403 and not Batch.objects.exists()
