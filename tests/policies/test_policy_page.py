"""The policy page: the team's admins change it (in place with htmx, or a plain post),
everyone in the team reads it, bad input is refused at its field and changes nothing."""

import pytest
from django.urls import reverse

from dashboard.models import AccountPolicy, AuditEvent
from tests.batches.html import parse
from tests.policies.conftest import ENV_APP

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def url(account):
    return reverse("dashboard:account_policy", args=[account.pk])


def good(**given):
    data = {
        "name_pattern": ENV_APP,
        "name_pattern_description": "env-app, lowercase",
        "name_pattern_severity": "error",
        "required_fields": ["description"],
        "default-externalId": "team-ext",
        "default-description": "",
    }
    data.update(given)
    return data


def test_an_admin_saves_it_in_place_and_it_is_in_force(client, r4_account, owner):
    client.force_login(owner)
    response = client.post(url(r4_account), good(), **HX)
    assert response.status_code == 200 and response["HX-Redirect"] == url(r4_account)
    policy = AccountPolicy.objects.get(account=r4_account)
    assert (policy.name_pattern, policy.name_pattern_severity) == (ENV_APP, "error")
    assert policy.required_fields == ["description"]
    assert policy.defaults == {"externalId": "team-ext"}  # a blank field is no default
    page = parse(client.get(url(r4_account)).content)
    shown = page.one("dd", **{"class": "policy-pattern"})
    assert ENV_APP in shown.text and "env-app, lowercase" in shown.text and "error" in shown.text
    assert page.one("input", name="name_pattern").attrs["value"] == ENV_APP
    assert page.one("input", name="default-externalId").attrs["value"] == "team-ext"
    ticked = page.find_all("input", name="required_fields", checked=True)
    assert [box.attrs["value"] for box in ticked] == ["description"]


@pytest.mark.parametrize(
    ("given", "field", "says"),
    [
        ({"name_pattern": "x" * 5000}, "name_pattern", "the limit is 200"),
        ({"name_pattern": "^dev\x00"}, "name_pattern", "control characters"),
        ({"name_pattern": "^dev\x07"}, "name_pattern", "control characters"),
        ({"name_pattern": "(x+x+)+y"}, "name_pattern", "takes too long"),
        ({"name_pattern_description": ""}, "name_pattern_description", "plain words"),
        ({"name_pattern_description": "a\x00b"}, "name_pattern_description", "control"),
        ({"required_fields": ["colour"]}, "required_fields", "Choose only from the listed"),
        ({"name_pattern_severity": "loud"}, "name_pattern_severity", "error or advice"),
        ({"default-description": "x" * 1001}, "default-description", "1001 characters"),
        ({"default-externalId": "a\x1bb"}, "default-externalId", "control characters"),
        ({"default-externalId": "١٢٣" * 100}, "default-externalId", "300 characters"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_changes_nothing(
    client, r4_account, owner, strict, given, field, says
):
    before = AccountPolicy.objects.values().get()
    audits = AuditEvent.objects.count()
    client.force_login(owner)
    response = client.post(url(r4_account), good(**given), **HX)
    assert response.status_code == 200 and "HX-Redirect" not in response
    form = parse(response.content)
    assert len(form.find_all("form")) == 1  # the form alone, swapped in place
    errors = form.one("div", id=f"feedback-{field}").find_all("p", data_invalid=True)
    assert len(errors) == 1 and says in errors[0].text, errors[0].text
    assert AccountPolicy.objects.values().get() == before
    assert AuditEvent.objects.count() == audits


def test_a_member_and_a_viewer_read_it_without_a_form(client, r4_account, strict, member, viewer):
    for user in (member, viewer):
        client.force_login(user)
        page = parse(client.get(url(r4_account)).content)
        assert ENV_APP in page.one("dd", **{"class": "policy-pattern"}).text
        assert page.find_all("form", id="policy-form") == []
        assert "Only the team's admins can change it." in page.text
        assert client.post(url(r4_account), good(name_pattern="^x")).status_code == 404
    assert AccountPolicy.objects.get().name_pattern == ENV_APP


def test_the_account_page_links_to_it(client, r4_account, member):
    client.force_login(member)
    page = parse(client.get(reverse("dashboard:account_detail", args=[r4_account.pk])).content)
    assert [a for a in page.find_all("a") if a.attrs.get("href") == url(r4_account)]


def test_an_outsider_gets_404_and_learns_nothing(client, r4_account, strict, outsider):
    client.force_login(outsider)
    for headers in ({}, HX):
        assert client.get(url(r4_account), **headers).status_code == 404
        response = client.post(url(r4_account), good(name_pattern="^x"), **headers)
        assert response.status_code == 404 and b"env-app" not in response.content
    assert AccountPolicy.objects.get().name_pattern == ENV_APP
