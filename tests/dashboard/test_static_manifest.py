"""With DEBUG off, a missing or stale static manifest stops the start, with the command to run
(every page would otherwise answer 500: "Missing staticfiles manifest entry")."""

import json
import subprocess

import pytest
from cryptography.fernet import Fernet

from dashboard.checks import check_static_manifest
from tests.dashboard.test_settings import run

PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "kJ8s-production-like-secret-key-with-enough-entropy-9f3Qz7Lm2Xw",
    "ALLOWED_HOSTS": "dash.example.com",
}
MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture
def production(tmp_path):
    """Production settings with an empty STATIC_ROOT (collectstatic not run yet)."""
    return {
        **PRODUCTION,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }


def test_check_deploy_refuses_a_missing_manifest_and_says_what_to_run(production):
    result = run("check", "--deploy", **production)
    manifest = f"{production['STATIC_ROOT']}/staticfiles.json"
    assert result.returncode != 0
    assert f"(dashboard.E004) The static files manifest {manifest} is missing" in result.stderr
    assert "Run `python manage.py collectstatic --noinput`" in result.stderr


def test_runserver_with_debug_off_refuses_to_start_without_the_manifest(production):
    try:
        result = run("runserver", "--noreload", "127.0.0.1:0", **production)
    except subprocess.TimeoutExpired:
        pytest.fail("runserver started serving without a static manifest")
    assert result.returncode != 0 and "dashboard.E004" in result.stderr


def test_a_manifest_from_an_older_release_is_refused_by_name(production):
    # collectstatic runs only the staticfiles checks, so it works before there is a manifest.
    collect = run("collectstatic", "--noinput", **production)
    assert collect.returncode == 0, collect.stderr
    assert run("check", "--deploy", **production).returncode == 0

    manifest = f"{production['STATIC_ROOT']}/staticfiles.json"
    with open(manifest) as file:
        collected = json.load(file)
    del collected["paths"]["css/app.css"]  # as if app.css were new in this release
    with open(manifest, "w") as file:
        json.dump(collected, file)

    result = run("check", "--deploy", **production)
    assert result.returncode != 0
    assert f"(dashboard.E005) 1 static file(s) are not in {manifest} (e.g. css/app.css)" in (
        result.stderr
    )
    assert "collectstatic --noinput" in result.stderr


def test_nothing_is_said_with_debug_on(settings, tmp_path):
    settings.STORAGES = MANIFEST_STORAGE
    settings.STATIC_ROOT = tmp_path  # empty: nothing collected
    settings.DEBUG = True
    assert check_static_manifest() == []
    settings.DEBUG = False
    assert [error.id for error in check_static_manifest()] == ["dashboard.E004"]


def test_commands_that_serve_no_pages_start_without_the_manifest(production):
    # A worker machine has no STATIC_ROOT, and migrate may run before collectstatic.
    for command in (["migrate", "--noinput"], ["db_worker", "--batch"], ["check"]):
        result = run(*command, **production, TASKS_BACKEND="django_tasks_db.DatabaseBackend")
        assert result.returncode == 0, (command, result.stderr[-600:])
        assert "dashboard.E004" not in result.stderr


def test_files_left_out_with_collectstatic_ignore_are_not_called_missing(production):
    # No page names the README's screenshots: a deploy may leave them out.
    collect = run("collectstatic", "--noinput", "-i", "screenshots", **production)
    assert collect.returncode == 0, collect.stderr
    result = run("check", "--deploy", **production)
    assert "dashboard.E005" not in result.stderr
    assert result.returncode == 0, result.stderr
