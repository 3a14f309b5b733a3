"""Shared fixtures: an in-process vendor sandbox on loopback, teams with every role."""

from urllib.parse import urlsplit

import pytest

from dashboard.models import Role
from providers import http as vendor_http
from providers.sandbox.server import Sandbox

from .factories import MembershipFactory, R4AccountFactory, TeamFactory, UserFactory
from .notifications.receiving import receiver  # noqa: F401  (a fixture)
from .processes import services_running  # noqa: F401  (a fixture)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """A real SQLite file, so threads and the live server share it and its bytes can be searched."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("db") / "test.sqlite3"
        )


def database_bytes() -> bytes:
    """Every byte the database keeps of the test data, to search for a leaked secret.

    SQLite: the main file, WAL and shared memory. PostgreSQL: a `pg_dump` of the test
    database (the committed rows, so callers use transactional tests).
    """
    import subprocess
    from pathlib import Path

    from django.db import connection

    database = connection.settings_dict
    if connection.vendor == "postgresql":
        return subprocess.run(
            ["pg_dump", "--data-only", "--no-owner", f"--dbname={postgres_url(database)}"],
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
    main = Path(database["NAME"])
    files = [str(p) for p in (main, Path(f"{main}-wal"), Path(f"{main}-shm")) if p.exists()]
    # Read in another process: closing a descriptor of the file here would drop every POSIX
    # lock this process holds on it, and other processes would then delete the live WAL.
    return subprocess.run(["cat", *files], check=True, capture_output=True, timeout=60).stdout


def postgres_url(database: dict) -> str:
    user = database.get("USER") or "postgres"
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{database['NAME']}"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def _sandbox_server():
    server = Sandbox().start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(_sandbox_server, settings, monkeypatch):
    """The sandbox, with an empty request log, no faults and no projects."""
    _sandbox_server.reset()
    inject = _sandbox_server.inject

    def inject_and_wait_less(kind, **options):
        # A fault that only ends in the client's read timeout need not cost a whole second.
        if kind == "timeout_after_create":
            settings.VENDOR_HTTP_READ_TIMEOUT = 0.2
        inject(kind, **options)

    monkeypatch.setattr(_sandbox_server, "inject", inject_and_wait_less)
    yield _sandbox_server
    _sandbox_server.reset()


@pytest.fixture
def photon(sandbox):
    """The sandbox's Photon, on the tests' clock: it does not enforce the poll interval."""
    stand_in = sandbox.vendors["photon"]
    stand_in.enforce_interval = False
    return stand_in


@pytest.fixture(autouse=True)
def _fast_timeouts(settings):
    settings.VENDOR_HTTP_CONNECT_TIMEOUT = 1.0
    settings.VENDOR_HTTP_READ_TIMEOUT = 1.0


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """Tests send vendor traffic only to 127.0.0.1; anything else fails loudly."""
    real_request = vendor_http._session.request
    loopback_names = {"127.0.0.1"}  # a test that points a name at 127.0.0.1 may add it

    def guarded(method, url, *args, **kwargs):
        host = urlsplit(url).hostname
        if host not in loopback_names:
            raise AssertionError(f"test tried to reach {host}; only 127.0.0.1 is allowed")
        return real_request(method, url, *args, **kwargs)

    monkeypatch.setattr(vendor_http._session, "request", guarded)
    return loopback_names


@pytest.fixture
def team(db):
    return TeamFactory(name="Rocket")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Elsewhere")


def _member(team, role, username):
    return MembershipFactory(team=team, role=role, user=UserFactory(username=username)).user


@pytest.fixture
def owner(team):
    return _member(team, Role.ADMIN, "owner")


@pytest.fixture
def member(team):
    return _member(team, Role.MEMBER, "member")


@pytest.fixture
def viewer(team):
    return _member(team, Role.VIEWER, "viewer")


@pytest.fixture
def outsider(other_team):
    """An admin of another team: sees nothing of `team`."""
    return _member(other_team, Role.ADMIN, "outsider")


@pytest.fixture
def r4_account(team, owner, sandbox):
    return R4AccountFactory(
        team=team, created_by=owner, base_url=sandbox.base_url("r4"), access_id="team0001"
    )
