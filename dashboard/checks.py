"""Startup checks for settings that would break a rule silently if they were wrong."""

from django.conf import settings
from django.core import checks


@checks.register
def check_pending_timeout(app_configs=None, **kwargs):
    """The sweep must never call a create "unknown" while a worker is still waiting for it."""
    call = settings.VENDOR_HTTP_TOTAL_TIMEOUT  # a call's deadline, retries and reading included
    if call >= settings.PROJECT_PENDING_TIMEOUT_SECONDS:
        timeout = settings.PROJECT_PENDING_TIMEOUT_SECONDS
        return [
            checks.Error(
                f"PROJECT_PENDING_TIMEOUT_SECONDS ({timeout}) must "
                f"be longer than one vendor call can take ({call:g} s, VENDOR_HTTP_TOTAL_TIMEOUT).",
                hint="Raise PROJECT_PENDING_TIMEOUT_SECONDS or lower VENDOR_HTTP_TOTAL_TIMEOUT.",
                id="dashboard.E001",
            )
        ]
    return []


@checks.register
def check_tasks_run(app_configs=None, **kwargs):
    """A backend that never runs tasks leaves every create pending forever."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend.endswith("DummyBackend"):
        return [
            checks.Warning(
                "TASKS uses the DummyBackend: creates are recorded but never sent.",
                hint="Use django_tasks_db.DatabaseBackend and run `manage.py db_worker`.",
                id="dashboard.W001",
            )
        ]
    return []


@checks.register
def check_encryption_keys(app_configs=None, **kwargs):
    """Keys that are malformed, or that cannot open what is stored, fail at startup."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError, connection

    from providers import secrets

    try:
        secrets.encrypt({"canary": "ok"})
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="dashboard.E002")]
    try:
        unreadable = secrets.first_unreadable(connection)
    except DatabaseError:
        return []  # no database yet (or not migrated): nothing stored to check
    if unreadable:
        return [
            checks.Error(
                f"FIELD_ENCRYPTION_KEYS cannot decrypt what is stored ({unreadable}): the key "
                "it was encrypted with is missing or wrong.",
                hint="Put that key back (after the new one, if you are rotating: new,old), "
                "or reconnect the affected accounts.",
                id="dashboard.E003",
            )
        ]
    return []
