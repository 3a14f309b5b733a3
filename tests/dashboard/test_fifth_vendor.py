"""A fifth vendor costs one module: Acme (tests/fifth_vendor.py) is registered through the
registry hook and served by the sandbox, and every page works for it untouched."""

import uuid

import pytest
from django.urls import reverse

from dashboard.models import Project, ProjectStatus, VendorAccount
from providers import registry
from tests.fifth_vendor import TOKEN, Acme, AcmeStandIn

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def acme(sandbox):
    registry.register(Acme())
    stand_in = sandbox.add_stand_in(AcmeStandIn)
    yield stand_in
    registry.unregister("acme")
    sandbox.remove_stand_in("acme")


def feedback(html: str, field: str) -> str:
    return html.split(f'id="feedback-{field}"')[1].split("</div>")[0]


def test_connect_create_with_live_checks_list_detail_and_import(
    client, team, owner, member, sandbox, acme
):
    client.force_login(owner)
    assert "Connect Acme" in client.get(reverse("dashboard:account_list")).content.decode()
    url = reverse("dashboard:account_connect", args=["acme"])
    page = client.get(url).content.decode()
    assert page.count("Connect with an Acme token") == 1 and 'name="token"' in page
    form = {"team": team.pk, "label": "Acme main", "base_url": sandbox.base_url("acme")}
    refused = client.post(url, {**form, "token": "wrong"}).content.decode()
    assert "Acme refused the token." in refused and VendorAccount.objects.count() == 0
    assert client.post(url, {**form, "token": TOKEN}).status_code == 302
    account = VendorAccount.objects.get()
    assert account.vendor == "acme" and account.credential_hint == "token ••••1234"

    # Live checks of Acme's own limits, from its field spec.
    client.force_login(member)
    key = str(uuid.uuid4())
    check = {"account": account.pk, "idempotency_key": key, "_field": "title"}
    html = client.post(reverse("dashboard:project_validate"), {**check, "title": "t" * 41}, **HX)
    assert "the most this vendor accepts is 40" in html.content.decode()
    html = client.post(
        reverse("dashboard:project_validate"), {**check, "title": "Good title"}, **HX
    )
    assert "Looks good." in html.content.decode()
    new_form = client.get(
        reverse("dashboard:project_new"), {"account": account.pk}
    ).content.decode()
    assert 'name="title"' in new_form and 'name="notes"' in new_form

    # Create; and a refusal by Acme lands on the field it names.
    created = client.post(
        reverse("dashboard:project_new"),
        {"account": account.pk, "idempotency_key": key, "title": "Good title", "notes": ""},
        **HX,
    )
    project = Project.objects.get()
    assert created["HX-Redirect"] == reverse("dashboard:project_detail", args=[project.reference])
    assert project.status == ProjectStatus.CREATED and project.remote_id == "1"
    refused = client.post(
        reverse("dashboard:project_new"),
        {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "title": "Forbidden one"},
        **HX,
    ).content.decode()
    assert "Acme refused the title." in feedback(refused, "title")

    # List, filter and detail.
    listing = client.get(reverse("dashboard:project_list"), {"vendor": "acme"}).content.decode()
    assert "Good title" in listing and "Acme" in listing
    detail = client.get(
        reverse("dashboard:project_detail", args=[project.reference])
    ).content.decode()
    assert "Created at Acme with id" in detail

    # Import a project made at Acme directly.
    acme.projects["99"] = {"id": "99", "title": "Made at Acme"}
    import_url = reverse("dashboard:account_import", args=[account.pk])
    assert "Made at Acme" in client.get(import_url).content.decode()
    assert client.post(import_url, {"remote_id": "99"}).status_code == 302
    imported = Project.objects.get(remote_id="99")
    assert imported.name == "Made at Acme" and imported.origin == "imported"
