"""A missing or wrong FIELD_ENCRYPTION_KEYS: a clear startup error, and pages that still work."""

import uuid

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from dashboard import services
from dashboard.checks import check_encryption_keys
from dashboard.models import ProjectStatus, VendorAccount
from tests.factories import ProjectFactory


@pytest.fixture
def wrong_key(settings, r4_account):
    ProjectFactory(account=r4_account, name="Kept while the key is wrong", remote_id="a" * 24)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]


def test_check_fails_clearly_when_no_key_opens_what_is_stored(wrong_key):
    with pytest.raises(SystemCheckError) as caught:
        call_command("check")
    assert "dashboard.E003" in str(caught.value)
    assert "cannot decrypt what is stored (dashboard_vendoraccount #" in str(caught.value)


def test_check_fails_clearly_on_a_malformed_or_empty_key(settings, db):
    for keys in (["not-a-fernet-key"], []):
        settings.FIELD_ENCRYPTION_KEYS = keys
        with pytest.raises(SystemCheckError) as caught:
            call_command("check")
        assert "dashboard.E002" in str(caught.value) and "FIELD_ENCRYPTION_KEYS" in str(
            caught.value
        )


@pytest.mark.parametrize("newest_first", [True, False], ids=["new key first", "old key first"])
def test_check_passes_with_the_right_keys_in_any_rotation_order(settings, r4_account, newest_first):
    stored_with = settings.FIELD_ENCRYPTION_KEYS[0]
    api_key = r4_account.credentials["api_key"]
    new = Fernet.generate_key().decode()
    # The canary really opens the stored row: with the new key alone it fails.
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert [error.id for error in check_encryption_keys()] == ["dashboard.E003"]

    keys = [new, stored_with]
    settings.FIELD_ENCRYPTION_KEYS = keys if newest_first else keys[::-1]
    assert check_encryption_keys() == []
    call_command("check")  # raises SystemCheckError on any error
    assert VendorAccount.objects.get(pk=r4_account.pk).credentials["api_key"] == api_key


def test_pages_still_work_and_say_what_needs_attention(client, member, r4_account, wrong_key):
    client.force_login(member)
    listing = client.get(reverse("dashboard:project_list"))
    assert listing.status_code == 200 and "Kept while the key is wrong" in listing.content.decode()
    accounts = client.get(reverse("dashboard:account_list")).content.decode()
    assert accounts.count("Credentials unreadable: reconnect") == 1
    detail = client.get(reverse("dashboard:account_detail", args=[r4_account.pk])).content.decode()
    assert "can't be decrypted with the configured encryption keys" in detail
    export = client.get(reverse("dashboard:project_export"))
    assert b"".join(export.streaming_content).count(b"Kept while the key is wrong") == 1


def test_a_create_on_an_unreadable_account_fails_clearly_and_calls_nobody(
    member, r4_account, wrong_key, sandbox
):
    project = services.project_create(
        account=r4_account, user=member, data={"name": "Nope"}, idempotency_key=uuid.uuid4()
    )
    assert project.status == ProjectStatus.FAILED
    assert "can't be decrypted" in project.error_message
    assert sandbox.calls("r4") == []
