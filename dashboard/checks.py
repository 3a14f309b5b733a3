"""Startup checks for settings that would break a rule silently if they were wrong."""

import re
from pathlib import Path

from django.conf import settings
from django.core import checks

from dashboard.services.vendor_calls import longest_vendor_call, most_requests_per_call


def _call_worst_case() -> str:
    return (
        f"up to {most_requests_per_call()} requests, such as a token refresh and a resend, "
        "each with its own VENDOR_HTTP_TOTAL_TIMEOUT"
    )


@checks.register
def check_pending_timeout(app_configs=None, **kwargs):
    """The sweep must never call a create "unknown" while a worker is still waiting for it."""
    call = longest_vendor_call()
    if call >= settings.PROJECT_PENDING_TIMEOUT_SECONDS:
        timeout = settings.PROJECT_PENDING_TIMEOUT_SECONDS
        return [
            checks.Error(
                f"PROJECT_PENDING_TIMEOUT_SECONDS ({timeout}) must be longer than one vendor "
                f"call can take ({call:g} s: {_call_worst_case()}).",
                hint="Raise PROJECT_PENDING_TIMEOUT_SECONDS or lower VENDOR_HTTP_TOTAL_TIMEOUT.",
                id="dashboard.E001",
            )
        ]
    return []


@checks.register
def check_reconcile_wait(app_configs=None, **kwargs):
    """A lost create may reach its vendor at any moment of its call: "not listed" proves
    nothing until a whole call's deadline has passed since the attempt."""
    call = longest_vendor_call()
    if call >= settings.PROJECT_RECONCILE_AFTER_SECONDS:
        wait = settings.PROJECT_RECONCILE_AFTER_SECONDS
        return [
            checks.Error(
                f"PROJECT_RECONCILE_AFTER_SECONDS ({wait}) must be longer than one vendor "
                f"call can take ({call:g} s: {_call_worst_case()}): a lost create could "
                "be concluded absent, and retried, while its vendor is still making it.",
                hint="Raise PROJECT_RECONCILE_AFTER_SECONDS or lower VENDOR_HTTP_TOTAL_TIMEOUT.",
                id="dashboard.E006",
            )
        ]
    return []


@checks.register
def check_webhook_retry_schedule(app_configs=None, **kwargs):
    """A schedule that can't be read would fail every delivery's first retry."""
    from dashboard.services.deliveries import parse_schedule

    try:
        parse_schedule(settings.WEBHOOK_RETRY_SCHEDULE)
    except ValueError as exc:
        return [
            checks.Error(
                str(exc),
                hint="Pauses separated by commas, each a number with s, m, h or d.",
                id="dashboard.E007",
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

    from providers import encryption

    try:
        encryption.encrypt({"canary": "ok"})
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="dashboard.E002")]
    try:
        unreadable = encryption.first_unreadable(connection)
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


# Checks that matter only to a process serving pages. Registered as deployment checks, so
# `check --deploy` runs them and migrate, db_worker, run_scheduler... do not (a worker
# machine has no STATIC_ROOT); runserver runs them as its own (settings.SERVING_WITH_RUNSERVER)
# and gunicorn/ASGI through run_startup_checks.
SERVING = "serving"


def check_static_manifest(app_configs=None, **kwargs):
    """With DEBUG off every page names hashed static files: without `collectstatic`'s
    manifest (or with one older than the code) every page would answer 500."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.files.storage import storages
    from django.utils.module_loading import import_string

    backend = settings.STORAGES["staticfiles"]
    storage_class = import_string(backend["BACKEND"])
    if settings.DEBUG or not issubclass(storage_class, ManifestFilesMixin):
        return []
    root = backend.get("OPTIONS", {}).get("location") or settings.STATIC_ROOT or "."
    manifest = Path(root) / storage_class.manifest_name
    collect = "Run `python manage.py collectstatic --noinput` (it writes to STATIC_ROOT)."
    try:
        collected = storages.create_storage(backend).hashed_files  # a fresh read of the file
    except ValueError:
        state = "cannot be read"
    else:
        state = "" if manifest.exists() else "is missing"
    if state:
        return [
            checks.Error(
                f"The static files manifest {manifest} {state}: with DEBUG off every page "
                "would answer 500 (Missing staticfiles manifest entry).",
                hint=collect,
                id="dashboard.E004",
            )
        ]
    missing = sorted(set(_static_named_by_templates()) - set(collected))
    if missing:
        return [
            checks.Error(
                f"{len(missing)} static file(s) are not in {manifest} (e.g. {missing[0]}): it "
                "was collected from an older release, and pages using them would answer 500.",
                hint=collect,
                id="dashboard.E005",
            )
        ]
    return []


checks.register(check_static_manifest, SERVING, deploy=not settings.SERVING_WITH_RUNSERVER)

_STATIC_TAG = re.compile(r"""{%\s*static\s+(['"])([^'"]+)\1""")


def _static_named_by_templates():
    """Every static path a template names literally: the ones a page would fail on. (Not every
    file collectstatic could collect: `collectstatic -i` may leave out what no page uses.)"""
    from django.template.utils import get_app_template_dirs

    template_dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    for directory in [*template_dirs, *get_app_template_dirs("templates")]:
        for template in Path(directory).rglob("*.html"):
            for match in _STATIC_TAG.finditer(template.read_text(errors="replace")):
                yield match.group(2)


def run_startup_checks() -> None:
    """What runserver does before it serves, for a server that doesn't (gunicorn loads
    config.wsgi): report warnings, and refuse to start on an error."""
    import asyncio

    if getattr(settings, "SERVING_WITH_RUNSERVER", False):
        return  # it has just run them itself
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        _check_then_let_go()
        return
    # Imported inside a running event loop (uvicorn): the database canary may not run in
    # the loop's thread (SynchronousOnlyOperation), so the checks run in a thread of their own.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(_check_then_let_go).result()


def _check_then_let_go() -> None:
    from django.core.management.base import BaseCommand
    from django.db import connections

    try:
        BaseCommand().check()
        BaseCommand().check(tags=[SERVING], include_deployment_checks=True)
    finally:
        # The loading thread serves no request: a connection left open here is held for
        # the life of the process, outside every budget. Nor may a pool stay: under
        # `gunicorn --preload` this is the master, and forked workers would share its
        # sockets without its threads.
        connections.close_all()
        for alias in connections:
            if connections.settings[alias].get("OPTIONS", {}).get("pool"):
                connections[alias].close_pool()
