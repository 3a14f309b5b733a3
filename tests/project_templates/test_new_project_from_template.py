"""The new-project page started from a template (`?template=<id>`): its defaults filled
in, the name too when the pattern is one fixed name, otherwise the pattern shown as a hint
at the name field. Another team's template, or a viewer's, is a 404."""

import pytest
from django.urls import reverse

from dashboard.models import Project
from tests.batches.html import parse
from tests.factories import photon_account
from tests.project_templates.conftest import save

NEW = reverse("dashboard:project_new")


def new_project_form(client, template):
    page = parse(client.get(NEW, {"template": template.pk}).content)
    return page.one("main").one("form", method="post")


def test_the_form_starts_from_the_templates_defaults_with_the_pattern_as_a_hint(
    client, member, template, r4_account, second_r4
):
    client.force_login(member)
    page = parse(client.get(NEW, {"template": template.pk}).content)
    form = page.one("main").one("form", method="post")
    assert form.one("input", name="account").attrs["value"] == str(r4_account.pk)
    assert form.one("textarea", name="description").text == "Made from a template"
    name = form.one("input", name="name")
    assert "value" not in name.attrs
    hint = form.one(id="id_name_helptext")
    assert "{app}-{env}" in hint.text and "“Checkout”" in hint.text
    assert "id_name_helptext" in name.attrs["aria-describedby"].split()
    assert "Started from the template “Checkout”" in form.text


def test_a_pattern_without_placeholders_fills_the_name(client, member, team, owner, r4_account):
    template = save(team, owner, r4_account, name="Fixed", name_pattern="checkout {{main}}")
    client.force_login(member)
    form = new_project_form(client, template)
    assert form.one("input", name="name").attrs["value"] == "checkout {main}"


def test_checkbox_and_choice_defaults_are_ticked(client, member, team, owner, sandbox):
    photon = photon_account(team, sandbox)
    template = save(
        team, owner, photon, name="Bots",
        defaults={"spectrum": True, "platforms": ["voice"], "location": "Germany"},
    )  # fmt: skip
    client.force_login(member)
    form = new_project_form(client, template)
    assert "checked" in form.one("input", name="spectrum").attrs
    platforms = form.find_all("input", name="platforms")
    ticked = [i.attrs["value"] for i in platforms if "checked" in i.attrs]
    assert ticked == ["voice"]
    assert form.one("input", name="location").attrs["value"] == "Germany"


def test_the_project_is_created_from_what_the_form_posts(client, member, template, r4_account):
    client.force_login(member)
    page = parse(client.get(NEW, {"template": template.pk}).content)
    key = page.one("input", name="idempotency_key").attrs["value"]
    response = client.post(
        NEW,
        {"account": r4_account.pk, "idempotency_key": key, "name": "checkout-dev",
         "description": "Made from a template", "externalId": ""},
    )  # fmt: skip
    assert response.status_code == 302
    assert Project.objects.get().payload["description"] == "Made from a template"


def test_a_template_whose_account_is_disconnected_says_so(
    client, member, template, disconnected_r4
):
    template.account = disconnected_r4
    template.save()
    client.force_login(member)
    response = client.get(NEW, {"template": template.pk})
    page = parse(response.content)
    assert response.status_code == 200 and page.one("main").find_all("form", method="post") == []
    assert "“R4 gone”, which is disconnected" in page.one("main").one(role="alert").text


@pytest.mark.parametrize("user", ["viewer", "outsider"])
def test_a_viewer_or_an_outsider_gets_a_404(client, request, template, user):
    client.force_login(request.getfixturevalue(user))
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(NEW, {"template": template.pk}, **headers)
        assert response.status_code == 404 and b"Made from a template" not in response.content


def test_another_teams_template_is_a_404_even_for_an_admin_of_both(
    client, owner, template, outsider_template, other_team
):
    client.force_login(owner)
    assert client.get(NEW, {"template": outsider_template.pk}).status_code == 404


@pytest.mark.parametrize("value", ["", "abc", "0", "\u0661", "99999999999999999999", "1e3"])
def test_a_malformed_template_id_is_a_404(client, member, template, value):
    client.force_login(member)
    assert client.get(NEW, {"template": value}).status_code == 404
