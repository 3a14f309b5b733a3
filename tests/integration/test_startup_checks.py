"""gunicorn runs no system checks of its own: config.wsgi runs them, so a broken deployment
stops at the start instead of answering 500 on every page."""

import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from tests.integration.test_production import PRODUCTION
from tests.processes import ROOT, process_env


def test_gunicorn_with_debug_unset_refuses_to_start_without_collectstatic(
    services_running, tmp_path
):
    env = {
        **PRODUCTION,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "STATIC_ROOT": str(tmp_path / "never-collected"),
    }
    with pytest.raises(RuntimeError, match="gunicorn exited") as stopped:
        services_running.web(workers=1, threads=1, DEBUG=None, **env)
    log = str(stopped.value)
    assert "(dashboard.E004) The static files manifest" in log
    assert f"{tmp_path}/never-collected/staticfiles.json is missing" in log
    assert "Run `python manage.py collectstatic --noinput`" in log


# What uvicorn and hypercorn do: import the application inside their running event loop.
IMPORT_IN_EVENT_LOOP = """
import asyncio, importlib

async def serve():
    importlib.import_module("config.asgi")
    print("loaded")

asyncio.run(serve())
"""


def test_an_asgi_server_can_load_the_application_inside_its_event_loop(transactional_db):
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_IN_EVENT_LOOP],
        cwd=ROOT,
        env=process_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == ["loaded"]


def test_an_asgi_server_still_refuses_a_broken_deployment_inside_its_event_loop(
    transactional_db, tmp_path
):
    env = process_env(
        **PRODUCTION,
        DEBUG="False",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        STATIC_ROOT=str(tmp_path / "never-collected"),
    )
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_IN_EVENT_LOOP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "loaded" not in result.stdout
    assert "(dashboard.E004) The static files manifest" in result.stderr
