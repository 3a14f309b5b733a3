"""The template pages: the list for everyone in the team (actions by role), new and edit
for its admins with the chosen account's vendor fields (swapped by htmx, or by a plain
submit without JS), delete after a confirmation. Refusals are said at their fields."""

import pytest
from django.urls import reverse

from dashboard.models import AuditAction, AuditEvent, ProjectTemplate
from tests.batches.html import parse
from tests.factories import photon_account

LIST = reverse("dashboard:template_list")
NEW = reverse("dashboard:template_new")
HTMX = {"HTTP_HX_REQUEST": "true"}


def feedback(response, field: str) -> str:
    return parse(response.content).one(id=f"feedback-{field}").text


def test_the_list_shows_the_teams_templates_with_actions_by_role(
    client, template, owner, member, viewer, outsider_template
):
    new_project = f"{reverse('dashboard:project_new')}?template={template.pk}"
    new_batch = f"{reverse('dashboard:template_batch_new')}?template={template.pk}"
    edit = template.get_absolute_url()
    delete = reverse("dashboard:template_delete", args=[template.pk])
    expected = {
        owner: {new_project, new_batch, edit, delete},
        member: {new_project, new_batch},
        viewer: set(),
    }
    for user, links in expected.items():
        client.force_login(user)
        page = parse(client.get(LIST).content)
        rows = page.one("tbody").find_all("tr")
        assert len(rows) == 1 and "Checkout" in rows[0].text and "{app}-{env}" in rows[0].text
        assert "Made from a template" in rows[0].text
        assert {a.attrs["href"] for a in rows[0].find_all("a")} == links
        assert len(page.find_all("a", href=NEW)) == (1 if user == owner else 0)
        assert b"Elsewhere secret plan" not in client.get(LIST).content


def test_an_outsider_sees_only_their_own_teams_templates(
    client, template, outsider, outsider_template
):
    client.force_login(outsider)
    body = client.get(LIST).content.decode()
    assert "Elsewhere secret plan" in body and "Checkout" not in body


def test_the_nav_links_to_the_templates(client, member):
    client.force_login(member)
    nav = parse(client.get(LIST).content).one("nav")
    assert len(nav.find_all("a", href=LIST)) == 1


def test_an_admin_makes_a_template_from_the_form(client, owner, r4_account, sandbox):
    client.force_login(owner)
    page = parse(client.get(NEW).content)
    assert len(page.find_all("select", name="account")) == 1
    fields = page.one("fieldset", id="template-fields")
    assert {i.attrs["name"] for i in fields.find_all("input") + fields.find_all("textarea")} == {
        "externalId",
        "description",
    }  # the only account is chosen; no name field, no secret
    response = client.post(
        NEW,
        {
            "name": "Checkout",
            "account": r4_account.pk,
            "name_pattern": "{app}-{env}",
            "description": "Checkout service",
            "externalId": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == LIST
    template = ProjectTemplate.objects.get()
    assert template.defaults == {"description": "Checkout service"}
    assert AuditEvent.objects.get().action == AuditAction.TEMPLATE_CREATED
    assert sandbox.calls() == []


def test_the_account_swaps_the_vendor_fields_by_htmx(client, owner, team, r4_account, sandbox):
    photon = photon_account(team, sandbox)
    client.force_login(owner)
    response = client.get(NEW, {"account": photon.pk}, **HTMX)
    assert response.status_code == 200 and "Vary" in response and "HX-Request" in response["Vary"]
    fragment = parse(response.content)
    assert len(fragment.find_all("fieldset", id="template-fields")) == 1
    assert fragment.find_all("form") == [] and fragment.find_all("nav") == []
    names = {i.attrs["name"] for i in fragment.find_all("input")}
    assert names == {"location", "spectrum", "template", "observability", "platforms"}
    # The select asks for this fragment when it changes.
    select = parse(client.get(NEW).content).one("select", name="account")
    assert select.attrs["hx-get"] == NEW and select.attrs["hx-target"] == "#template-fields"


def test_without_js_a_submit_shows_the_chosen_accounts_fields_and_saves_nothing(
    client, owner, team, r4_account, sandbox
):
    photon = photon_account(team, sandbox)
    client.force_login(owner)
    page = parse(client.get(NEW).content)
    button = page.one("button", name="show_fields")
    assert button.text == "Show this account's fields" and button.parent.tag == "noscript"
    response = client.post(
        NEW, {"name": "Bots", "account": photon.pk, "name_pattern": "bot-{env}", "show_fields": "1"}
    )
    assert response.status_code == 200 and not ProjectTemplate.objects.exists()
    page = parse(response.content)
    assert page.one("input", name="name").attrs["value"] == "Bots"
    assert len(page.find_all("input", name="spectrum")) == 1
    assert page.find_all("textarea", name="description") == []


def test_disconnected_accounts_are_not_offered(client, owner, r4_account, disconnected_r4):
    client.force_login(owner)
    options = parse(client.get(NEW).content).one("select", name="account").find_all("option")
    assert [o.attrs["value"] for o in options] == ["", str(r4_account.pk)]
    response = client.post(NEW, {"name": "x", "account": disconnected_r4.pk})
    assert response.status_code == 404 and not ProjectTemplate.objects.exists()


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({"name": ""}, "name", "1 to 100 characters"),
        ({"name": "x" * 101}, "name", "1 to 100 characters"),
        ({"name": "a\x00b"}, "name", "control characters"),
        ({"name": "a\x1bb"}, "name", "control characters"),
        ({"name_pattern": "{app"}, "name_pattern", "never closed"),
        ({"name_pattern": "{1x}"}, "name_pattern", "Character 1"),
        ({"name_pattern": "x" * 300}, "name_pattern", "the most is 255"),
        ({"name_pattern": "a\x00"}, "name_pattern", "NUL"),
        ({"description": "x" * 1001}, "description", "the most this vendor accepts is 1000"),
        ({"externalId": "a\x00b"}, "externalId", "control characters"),
        ({"account": ""}, "account", "Choose the account"),
    ],
)
def test_bad_input_is_refused_at_its_field_with_nothing_stored(
    client, owner, r4_account, second_r4, sandbox, given, field, words
):
    client.force_login(owner)
    data = {"name": "Checkout", "account": r4_account.pk, "name_pattern": "{env}", **given}
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert words in feedback(response, field)
    assert len(parse(response.content).find_all("p", **{"class": "error"})) == 1  # said once
    assert not ProjectTemplate.objects.exists() and not AuditEvent.objects.exists()


def test_a_taken_name_is_said_at_the_name(client, owner, r4_account, template):
    client.force_login(owner)
    response = client.post(NEW, {"name": "CHECKOUT", "account": r4_account.pk})
    assert "already has a template named" in feedback(response, "name")
    assert ProjectTemplate.objects.count() == 1


def test_an_admin_edits_a_template_on_its_page(client, owner, template, r4_account):
    client.force_login(owner)
    page = parse(client.get(template.get_absolute_url()).content)
    assert page.one("input", name="name").attrs["value"] == "Checkout"
    assert page.one("input", name="name_pattern").attrs["value"] == "{app}-{env}"
    assert page.one("textarea", name="description").text == "Made from a template"
    response = client.post(
        template.get_absolute_url(),
        {"name": "Checkout v2", "account": r4_account.pk, "name_pattern": "{env}"},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.name_pattern, template.defaults) == ("Checkout v2", "{env}", {})
    edited = AuditEvent.objects.get(action=AuditAction.TEMPLATE_EDITED)
    assert edited.summary == "“Checkout v2”: name, name pattern, defaults changed."


def test_the_edit_page_keeps_a_disconnected_account_it_already_has(
    client, owner, template, disconnected_r4
):
    ProjectTemplate.objects.filter(pk=template.pk).update(account=disconnected_r4)
    client.force_login(owner)
    options = parse(client.get(template.get_absolute_url()).content).find_all("option")
    assert str(disconnected_r4.pk) in [o.attrs["value"] for o in options]
    response = client.post(
        template.get_absolute_url(),
        {"name": "Kept", "account": disconnected_r4.pk, "name_pattern": "{env}"},
    )
    assert response.status_code == 302


def test_delete_asks_first_then_deletes(client, owner, template):
    client.force_login(owner)
    url = reverse("dashboard:template_delete", args=[template.pk])
    confirm = parse(client.get(url).content)
    assert confirm.one("main").one("button", type="submit").text == "Delete"
    assert ProjectTemplate.objects.exists()
    assert client.post(url)["Location"] == LIST
    assert not ProjectTemplate.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.TEMPLATE_DELETED).count() == 1


def test_the_activity_feed_shows_template_changes_under_templates(client, owner, template):
    client.force_login(owner)
    url = reverse("dashboard:activity")
    page = parse(client.get(url, {"kind": "template"}).content)
    assert [li.one("strong").text for li in page.one("ol").find_all("li")] == [
        "Project template created"
    ]
    assert "Templates" in [o.text for o in page.find_all("option")]
    assert b"Project template" not in client.get(url, {"kind": "project"}).content
