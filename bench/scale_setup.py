"""Environment, seeding and HTTP helpers for bench/list_page.py (one database per process)."""

from __future__ import annotations

import base64
import os
import re
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VENDORS = ("r4", "photon", "devkit4ai", "otas")
TEAMS = 4
ACCOUNTS = 20  # 5 per vendor; every team holds each vendor
PASSWORD = "bench-password-123"


def prepare_environment(database: str, postgres: str, prefix: str = "bench_list") -> str:
    """Point Django at a throwaway database, with production settings. Returns its name."""
    if database == "postgres":
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(f"{postgres}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{postgres}/{name}"
    else:
        name = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{name}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        ENV_FILE="/dev/null",
        LOG_LEVEL="WARNING",
        DEBUG="False",  # what production runs: cached templates, hashed static files
        SECRET_KEY="bench-" + uuid.uuid4().hex * 2,
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        ALLOWED_VENDOR_HOSTS="127.0.0.1",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="False",
        SESSION_COOKIE_SECURE="False",
        CSRF_COOKIE_SECURE="False",
        STATIC_ROOT=tempfile.mkdtemp(prefix="bench-static-"),
        EXPORT_STREAM_MAX_ROWS="1000000",
        LOGIN_FAILURE_LIMIT="1000",
    )
    import django
    from django.conf import settings

    django.setup()
    # Plain HTTP on loopback: cookies can't be Secure-only here.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    return name


def snapshot(name: str, database: str, postgres: str) -> tuple[str, str]:
    """A copy of the database as it is now: (its name, its DATABASE_URL). The growth of each
    list shape is measured against a copy of the smallest size, side by side."""
    from django.db import connections

    connections.close_all()
    if database == "postgres":
        import psycopg

        copy = f"{name}_base"
        with psycopg.connect(f"{postgres}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
        return copy, f"{postgres}/{copy}"
    import sqlite3
    from contextlib import closing

    copy = str(Path(name).with_name("base.sqlite3"))
    with closing(sqlite3.connect(name)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    return copy, f"sqlite:///{copy}"


def servers_with_base(name: str, database: str, postgres: str):
    """(the copy's name, a server on the database, a server on a copy of it as it is now):
    growth is measured side by side against the copy."""
    base_name, base_url = snapshot(name, database, postgres)
    return base_name, Server(), Server(base_url)


def drop_databases(database: str, postgres: str, *names: str) -> None:
    """The throwaway PostgreSQL databases (SQLite's files are left in their temp folder)."""
    if database == "postgres":
        for name in names:
            drop_database(name, postgres)


def drop_database(name: str, postgres: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{postgres}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_world(sandbox_url: str):
    """Teams, accounts at every vendor, a one-team user, a user in every team, an admin."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from dashboard.models import Membership, Role, Team, VendorAccount

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    users = get_user_model().objects
    one_team = users.create_user("one_team", password=PASSWORD)
    every_team = users.create_user("every_team", password=PASSWORD)
    users.create_superuser("admin", password=PASSWORD)
    teams = [Team.objects.create(name=f"Bench team {i}") for i in range(TEAMS)]
    Membership.objects.create(user=one_team, team=teams[0], role=Role.MEMBER)
    for team in teams:
        Membership.objects.create(user=every_team, team=team, role=Role.MEMBER)
    accounts = []
    for i in range(ACCOUNTS):
        vendor = VENDORS[i % len(VENDORS)]
        accounts.append(
            VendorAccount.objects.create(
                team=teams[(i // len(VENDORS)) % TEAMS],
                vendor=vendor,
                label=f"{vendor} {i}",
                base_url=f"{sandbox_url}/{vendor}",
                credentials={"token": f"bench-{i}"},
                credential_hint="bench",
            )
        )
    return one_team, teams, accounts


STATUSES = ["created"] * 8 + ["failed", "unknown"]
# A word in one name in 101 at every size (101 is prime to the 20 accounts and to 997,
# so every team, vendor and "Service n" holds it alike, spread evenly through time).
RARE_WORD, RARE_EVERY = "nightly", 101


def seed(accounts: list, upto: int, *, creator, spread: bool = True) -> None:
    """Add projects until `accounts` hold `upto` between them (round-robin when spread)."""
    from django.db.models import Max
    from django.utils import timezone

    from dashboard.models import Project

    have = Project.objects.filter(account__in=accounts).count()
    start = (Project.objects.aggregate(n=Max("id"))["n"] or 0) + 1
    now = timezone.now()
    batch = []
    for n in range(have, upto):
        i = start + n - have
        account = accounts[i % len(accounts)] if spread else accounts[0]
        batch.append(
            Project(
                team_id=account.team_id,
                account=account,
                vendor=account.vendor,
                name=f"Service {i % 997} - env {i}" + (f" {RARE_WORD}" * (i % RARE_EVERY == 0)),
                payload={"name": f"Service {i}"},
                idempotency_key=uuid.uuid4(),
                status=STATUSES[i % len(STATUSES)],
                remote_id=f"{i:024x}",
                created_by=creator,
                created_at=now - timezone.timedelta(seconds=i),
            )
        )
        if len(batch) == 5000:
            Project.objects.bulk_create(batch)
            batch = []
    Project.objects.bulk_create(batch)


def machine_reference() -> float:
    """Milliseconds for a fixed piece of pure-Python work (median of 7): figures of runs on
    different machines compare only beside it (a session's machine is not always the same)."""
    import statistics
    import time

    def once() -> float:
        started = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        return (time.perf_counter() - started) * 1000

    return statistics.median(once() for _ in range(7))


def analyze() -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or the daily job (SQLite) keep."""
    from dashboard.services.background import refresh_planner_statistics

    refresh_planner_statistics()


class Server:
    """The app over real HTTP: gunicorn in a process of its own (not the one that seeds a
    million rows), started after the database is migrated, with this process's settings."""

    def __init__(self, database_url: str | None = None) -> None:
        from tests.processes import WebServer

        log_dir = Path(tempfile.mkdtemp(prefix="bench-gunicorn-"))
        app = "bench.plain_http_wsgi:application"
        env = dict(os.environ) | ({"DATABASE_URL": database_url} if database_url else {})
        self.web = WebServer(log_dir, workers=1, threads=4, env=env, app=app)
        self.url = self.web.url

    def stop(self) -> None:
        self.web.stop()

    def session(self, username: str):
        import requests

        session = requests.Session()
        page = session.get(f"{self.url}/login/").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        session.post(
            f"{self.url}/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        if "sessionid" not in session.cookies:
            raise RuntimeError(f"could not log in as {username}")
        session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
        session.headers["Referer"] = f"{self.url}/"
        return session
