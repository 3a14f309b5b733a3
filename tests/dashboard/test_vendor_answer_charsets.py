"""A vendor answer declaring a charset Python can't decode with is read as UTF-8: the
page shows what the vendor sent, not "answered in a form the dashboard could not read"."""

import dataclasses

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.parametrize("charset", ["idna", "undefined"])
def test_the_import_page_lists_projects_from_an_answer_in_an_odd_charset(
    sandbox, r4_account, member, monkeypatch, charset
):
    r4 = sandbox.vendors["r4"]
    r4.projects["team0001"]["0123456789abcdef01234567"] = {
        "id": "0123456789abcdef01234567",
        "name": "Café launch",
        "externalId": None,
    }
    real_handle = r4.handle
    monkeypatch.setattr(
        r4,
        "handle",
        lambda request: dataclasses.replace(
            real_handle(request), content_type=f"application/json; charset={charset}"
        ),
    )
    client = Client(raise_request_exception=False)
    client.force_login(member)
    response = client.get(reverse("dashboard:account_import", args=[r4_account.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Café launch" in page and "Import all 1 not tracked yet" in page
