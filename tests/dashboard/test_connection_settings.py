"""How many database connections a process may keep: none between requests under runserver,
persistent ones under gunicorn, and a bounded pool when DATABASE_POOL_MAX_SIZE asks for one.
(tests/integration/test_connection_budget.py counts the real connections on PostgreSQL.)"""

import json
import os
import subprocess
import sys

from tests.dashboard.test_settings import ROOT

POSTGRES = "postgres://app@db.example:5432/dashboard"
SHOW = (
    "import sys, json; sys.argv[1:] = {argv!r}; import django; django.setup(); "
    "from django.conf import settings; d = settings.DATABASES['default']; "
    "print(json.dumps({{'age': d['CONN_MAX_AGE'], 'pool': d['OPTIONS'].get('pool')}}))"
)


def database_settings(argv: list[str], **env: str) -> subprocess.CompletedProcess:
    """The default database's settings in a process started as `manage.py <argv>`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", ENV_FILE="/dev/null")
    environment.update(DEBUG="True", CONN_MAX_AGE="60", **env)  # 60: what `make run` writes
    return subprocess.run(
        [sys.executable, "-c", SHOW.format(argv=argv)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def shown(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_runserver_keeps_no_connection_between_requests_whatever_conn_max_age_says():
    assert shown(database_settings(["runserver", "127.0.0.1:8000"])) == {"age": 0, "pool": None}


def test_other_processes_keep_their_connections_as_configured():
    for argv in (["db_worker"], ["run_scheduler"], []):  # [] as under gunicorn
        assert shown(database_settings(argv)) == {"age": 60, "pool": None}


def test_the_pool_is_off_by_default_and_bounded_when_asked_for():
    pooled = shown(database_settings([], DATABASE_URL=POSTGRES, DATABASE_POOL_MAX_SIZE="4"))
    # Django refuses persistent connections with a pool: CONN_MAX_AGE=60 gives way.
    assert pooled == {"age": 0, "pool": {"min_size": 1, "max_size": 4, "timeout": 10.0}}
    assert shown(database_settings([], DATABASE_URL=POSTGRES))["pool"] is None


def test_asking_for_a_pool_on_sqlite_is_refused_clearly():
    result = database_settings([], DATABASE_URL="sqlite:///x.sqlite3", DATABASE_POOL_MAX_SIZE="4")
    assert result.returncode != 0
    assert "DATABASE_POOL_MAX_SIZE needs a PostgreSQL DATABASE_URL" in result.stderr
