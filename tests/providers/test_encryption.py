"""Encryption at rest: round trip, wrong keys, rotation."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from dashboard.models import VendorAccount
from providers import encryption
from tests.factories import ProjectFactory, R4AccountFactory


def test_round_trip_and_repr_hides_values():
    token = encryption.encrypt({"api_key": "rk_a.topsecretvalue123"})
    assert "topsecret" not in token
    box = encryption.decrypt(token)
    assert box["api_key"] == "rk_a.topsecretvalue123"
    assert "topsecret" not in repr(box) and "topsecret" not in str(box)


def test_a_value_no_key_opens_raises_a_clear_error_without_ciphertext(settings):
    token = encryption.encrypt({"k": "v"})
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(encryption.DecryptionError) as caught:
        encryption.decrypt(token)
    assert "FIELD_ENCRYPTION_KEYS" in str(caught.value)
    assert token not in str(caught.value)


def test_a_row_no_key_opens_reads_as_unreadable_and_keeps_its_ciphertext(db, settings):
    account = R4AccountFactory()
    stored = _raw("dashboard_vendoraccount", "credentials", account.pk)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    loaded = VendorAccount.objects.get(pk=account.pk)

    assert loaded.credentials_unreadable and dict(loaded.credentials) == {}
    assert stored not in repr(loaded.credentials)  # never the ciphertext, never plaintext
    loaded.label = "Renamed while the key is wrong"
    loaded.save()  # a save must not overwrite what it could not read
    assert _raw("dashboard_vendoraccount", "credentials", account.pk) == stored


def test_no_secrets_are_stored_empty_and_some_only_as_ciphertext(db):
    bare = ProjectFactory(secrets={})
    holding = ProjectFactory(secrets={"projectSecret": "ps_live_654321"})

    assert _raw("dashboard_project", "secrets", bare.pk) == ""
    assert type(bare).objects.get(pk=bare.pk).secrets == {}
    stored = _raw("dashboard_project", "secrets", holding.pk)
    assert stored and "ps_live" not in stored
    assert encryption.decrypt(stored)["projectSecret"] == "ps_live_654321"


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_everything_under_the_first_key(db, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    account = R4AccountFactory(access_id="rot00001")
    project = ProjectFactory(account=account, secrets={"projectSecret": "ps_live_123456"})
    before = _raw("dashboard_vendoraccount", "credentials", account.pk)

    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert (
        "dashboard.VendorAccount.credentials: 1 re-encrypted, 0 already current" in out.getvalue()
    )
    assert "dashboard.Project.secrets: 1 re-encrypted" in out.getvalue()
    assert _raw("dashboard_vendoraccount", "credentials", account.pk) != before

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone; everything still opens
    assert (
        VendorAccount.objects.get(pk=account.pk).credentials["api_key"].startswith("rk_rot00001.")
    )
    assert type(project).objects.get(pk=project.pk).secrets["projectSecret"] == "ps_live_123456"

    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "Done: 0 re-encrypted, 2 already current" in out.getvalue()


def test_rotation_stops_with_a_clear_error_on_an_unreadable_value(db, settings):
    R4AccountFactory()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_encryption_keys", stdout=io.StringIO())
