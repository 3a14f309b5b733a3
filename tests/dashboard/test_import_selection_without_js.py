"""A selection of more than 1,000 boxes sent without JavaScript is imported, with CSRF still
checked, up to the import view's own bound; every other view keeps Django's 1,000 fields."""

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.models import Project
from dashboard.views import tracking

MANY = 1200


@pytest.fixture
def at_vendor(sandbox, r4_account) -> list[str]:
    listed = sandbox.vendors["r4"].projects["team0001"]
    for i in range(MANY):
        listed[f"{i:024x}"] = {"id": f"{i:024x}", "name": f"Vendor {i}", "externalId": None}
    return sorted(listed)


@pytest.fixture
def browser_without_js(member) -> Client:
    """A client that sends the CSRF token as a plain form does (the middleware checks it)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    return client


def submit(client: Client, url: str, form: dict, **options):
    """Posted as a browser posts a plain form: url-encoded, one field per ticked box."""
    body = urlencode(form, doseq=True)
    return client.post(url, body, content_type="application/x-www-form-urlencoded", **options)


def form_token(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_a_selection_past_a_thousand_boxes_is_imported(browser_without_js, r4_account, at_vendor):
    url = reverse("dashboard:account_import", args=[r4_account.pk])
    chosen = at_vendor[:1100]
    form = {"csrfmiddlewaretoken": form_token(browser_without_js, url), "remote_id": chosen}

    response = submit(browser_without_js, url, form, follow=True)

    assert response.status_code == 200
    assert "Imported 1100 projects" in response.content.decode()
    assert set(Project.objects.values_list("remote_id", flat=True)) == set(chosen)


def test_the_import_still_refuses_a_form_without_its_csrf_token(
    browser_without_js, r4_account, at_vendor
):
    url = reverse("dashboard:account_import", args=[r4_account.pk])
    token = form_token(browser_without_js, url)  # the page was seen: the cookie is set
    wrong = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    for form in (
        {"remote_id": at_vendor[:1100]},
        {"remote_id": at_vendor[:1100], "csrfmiddlewaretoken": wrong},
        {"remote_id": at_vendor[:2]},
        {"all": "1"},
    ):
        assert submit(browser_without_js, url, form).status_code == 403
    assert not Project.objects.exists()


def test_a_selection_past_the_views_own_bound_says_so_and_imports_nothing(
    browser_without_js, r4_account, at_vendor, monkeypatch
):
    monkeypatch.setattr(tracking, "IMPORT_MAX_FIELDS", 1100)
    url = reverse("dashboard:account_import", args=[r4_account.pk])
    form = {"csrfmiddlewaretoken": form_token(browser_without_js, url), "remote_id": at_vendor}

    response = submit(browser_without_js, url, form, follow=True)

    assert response.status_code == 200
    assert "That selection is more than 1,100 projects, so nothing was imported" in (
        response.content.decode()
    )
    assert not Project.objects.exists()


def test_other_views_keep_the_global_field_limit(client, member, r4_account):
    client.force_login(member)
    fields = {f"field{i}": "x" for i in range(1100)}
    assert client.post(
        reverse("dashboard:project_new"), {"account": r4_account.pk, **fields}
    ).status_code == (400)
