"""Encryption at rest for credentials and vendor-issued secrets.

Values are JSON objects encrypted with cryptography's MultiFernet. Keys come
from settings.FIELD_ENCRYPTION_KEYS (independent of SECRET_KEY): the first one
encrypts, every one decrypts, so keys can be rotated without downtime.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models

logger = logging.getLogger(__name__)


class DecryptionError(Exception):
    """No configured key opens this value. Never carries the ciphertext."""


class SecretBox(dict):
    """A dict of secrets whose repr never shows the values (logs, tracebacks, admin)."""

    unreadable = False

    def __repr__(self) -> str:
        return f"<SecretBox keys={sorted(self)}>"

    __str__ = __repr__


class UnreadableSecrets(SecretBox):
    """A stored value no configured key opens. It reads as empty, and saving the row
    writes the original ciphertext back, so restoring the right key recovers it."""

    unreadable = True

    def __init__(self, ciphertext: str) -> None:
        super().__init__()
        self.ciphertext = ciphertext

    def __repr__(self) -> str:
        return "<UnreadableSecrets>"

    __str__ = __repr__


@cache
def _fernets() -> tuple[Fernet, ...]:
    keys = [k.strip() for k in settings.FIELD_ENCRYPTION_KEYS if k.strip()]
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    try:
        return tuple(Fernet(key) for key in keys)
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from None


def _reset_keys(*, setting: str, **kwargs: Any) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _fernets.cache_clear()


setting_changed.connect(_reset_keys)


def encrypt(value: dict[str, Any]) -> str:
    return MultiFernet(list(_fernets())).encrypt(json.dumps(value).encode()).decode()


def decrypt(token: str) -> SecretBox:
    try:
        plain = MultiFernet(list(_fernets())).decrypt(token.encode())
    except InvalidToken:
        raise DecryptionError(
            "A stored secret cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS. "
            "Was a key removed before rotation finished?"
        ) from None
    return SecretBox(json.loads(plain))


def is_current(token: str) -> bool:
    """True when the first (current) key already encrypts this value."""
    try:
        _fernets()[0].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    try:
        return MultiFernet(list(_fernets())).rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A stored secret cannot be decrypted with any configured key."
        ) from None


class EncryptedJSONField(models.TextField):
    """A dict of strings, stored as a Fernet token; reads give a SecretBox."""

    description = "Encrypted JSON object"

    def from_db_value(
        self, value: str | None, expression: Any, connection: Any
    ) -> SecretBox | None:
        if value is None or value == "":
            return SecretBox()
        try:
            return decrypt(value)
        except (DecryptionError, ImproperlyConfigured) as exc:
            # One unreadable row must not take a page down; the check and the page say why.
            logger.error("%s.%s: %s", self.model.__name__, self.name, exc)
            return UnreadableSecrets(value)

    def to_python(self, value: Any) -> SecretBox:
        if isinstance(value, SecretBox):
            return value
        if isinstance(value, dict):
            return SecretBox(value)
        if not value:
            return SecretBox()
        return decrypt(value)

    def get_prep_value(self, value: Any) -> str:
        if isinstance(value, UnreadableSecrets):
            return value.ciphertext
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise TypeError("EncryptedJSONField stores dicts only.")
        # Nothing to hide in an empty dict (reads take "" as one): an import of thousands
        # of projects without secrets needn't encrypt each.
        return encrypt(dict(value)) if value else ""

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisation (dumpdata) writes ciphertext, never plaintext.
        return self.get_prep_value(self.value_from_object(obj))


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedJSONField]]:
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedJSONField):
                yield model, field


def first_unreadable(connection) -> str | None:
    """Where the configured keys fail: the first stored value no key opens, as
    "table #id", or None when every table's newest value opens (a startup canary)."""
    quote = connection.ops.quote_name
    for model, field in encrypted_fields():
        table, column, pk = model._meta.db_table, field.column, model._meta.pk.column
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} "  # noqa: S608
                f"WHERE {quote(column)} <> '' ORDER BY {quote(pk)} DESC LIMIT 1"
            )
            row = cursor.fetchone()
        if row is None:
            continue
        try:
            decrypt(row[1])
        except DecryptionError:
            return f"{table} #{row[0]}"
    return None
