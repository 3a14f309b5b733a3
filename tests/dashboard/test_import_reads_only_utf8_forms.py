"""The import view reads its own form (see views.tracking._reads_a_large_selection) as
Django reads every other: url-encoded forms are UTF-8. A form in another charset is
refused with that reason, and never reported as "too many projects" nor answered 500."""

import pytest
from django.urls import reverse

from dashboard.models import Project


@pytest.fixture
def at_vendor(sandbox, r4_account) -> str:
    remote_id = "c" * 24
    sandbox.vendors["r4"].projects["team0001"][remote_id] = {
        "id": remote_id,
        "name": "At R4",
        "externalId": None,
    }
    return remote_id


def post_form(client, url: str, body: bytes, charset: str):
    """Sent as is (the test client would encode a body in the charset itself), then the
    page it is sent back to."""
    content_type = f"application/x-www-form-urlencoded; charset={charset}"
    response = client.generic("POST", url, body, content_type=content_type)
    assert response.status_code == 302
    return client.get(response.url)


@pytest.mark.parametrize("charset", ["idna", "undefined", "rot13", "latin-1", "utf-16"])
def test_a_form_in_another_charset_is_refused_with_that_reason(
    client, member, r4_account, at_vendor, charset
):
    client.force_login(member)
    url = reverse("dashboard:account_import", args=[r4_account.pk])

    response = post_form(client, url, f"remote_id={at_vendor}".encode(), charset)

    page = response.content.decode()
    assert response.status_code == 200
    assert "That form was not sent as UTF-8 text, so nothing was imported." in page
    assert "more than" not in page
    assert not Project.objects.exists()


@pytest.mark.parametrize("charset", ["utf-8", "UTF8"])
def test_a_form_declared_utf8_is_imported(client, member, r4_account, at_vendor, charset):
    client.force_login(member)
    url = reverse("dashboard:account_import", args=[r4_account.pk])

    response = post_form(client, url, f"remote_id={at_vendor}".encode(), charset)

    assert "Imported 1 project" in response.content.decode()
    assert list(Project.objects.values_list("remote_id", flat=True)) == [at_vendor]
