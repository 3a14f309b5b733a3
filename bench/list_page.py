"""Benchmark: list page vs Django admin, and live validation, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/list_page.py [--sizes 1000,10000,100000] [--runs 15]
         [--database both|sqlite|postgres]

Seeds N projects across 20 accounts and 3 teams in a throwaway SQLite file and a
throwaway PostgreSQL database (one after the other, in one run), then measures server
time (Django test client, in process) and prints medians and ratios.
Targets: list <= 1/3 of the admin changelist at 100k and flat within 1.5x from 1k to
100k; validation p50 <= 5 ms. (Create timings: bench/worker_queue.py.)
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database", choices=["both", "sqlite", "postgres"], default="both")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    return parser.parse_args()


ARGS = parse_args()
if ARGS.database == "both":  # one process per database, since settings load once
    for database in ("sqlite", "postgres"):
        argv = ["--sizes", ARGS.sizes, "--runs", str(ARGS.runs), "--postgres", ARGS.postgres]
        subprocess.run([sys.executable, __file__, "--database", database, *argv], check=True)
        print()
    sys.exit(0)
if ARGS.database == "postgres":
    import psycopg

    DB = f"bench_list_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{ARGS.postgres}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{DB}"')
    os.environ["DATABASE_URL"] = f"{ARGS.postgres}/{DB}"
else:
    DB = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ["DJANGO_SETTINGS_MODULE"] = "dashboard.settings"
os.environ["ENV_FILE"] = "/dev/null"
os.environ["LOG_LEVEL"] = "WARNING"
# Measure what production runs: DEBUG off (cached templates), real keys.
os.environ["DEBUG"] = "False"
os.environ["SECRET_KEY"] = "bench-" + uuid.uuid4().hex * 2
os.environ["FIELD_ENCRYPTION_KEYS"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
os.environ["ALLOWED_VENDOR_HOSTS"] = "127.0.0.1"
os.environ["SECURE_SSL_REDIRECT"] = "False"
os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="bench-static-")

import logging  # noqa: E402

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from dashboard.models import Membership, Project, ProjectStatus, Role, Team, VendorAccount  # noqa: E402
from providers.sandbox.r4 import mint_key  # noqa: E402
from providers.sandbox.server import Sandbox  # noqa: E402

STATUSES = [ProjectStatus.CREATED] * 8 + [ProjectStatus.FAILED, ProjectStatus.UNKNOWN]


def timed(fn, runs: int) -> list[float]:
    fn()  # warm up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def setup(sandbox: Sandbox):
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)  # DEBUG off: hashed names
    User = get_user_model()
    user = User.objects.create_superuser("bench", password="bench-password-123")
    teams = [Team.objects.create(name=f"Bench team {i}") for i in range(3)]
    Membership.objects.create(user=user, team=teams[0], role=Role.ADMIN)
    accounts = []
    for i in range(20):
        accounts.append(
            VendorAccount.objects.create(
                team=teams[i % 3],
                vendor="r4",
                label=f"Account {i}",
                base_url=sandbox.base_url("r4"),
                credentials={"api_key": mint_key(f"bench{i:04d}")},
                credential_hint=f"rk_bench{i:04d}.••••",
            )
        )
    return user, accounts


def seed_to(n: int, accounts, user) -> None:
    have = Project.objects.count()
    now = timezone.now()
    batch = []
    for i in range(have, n):
        account = accounts[i % len(accounts)]
        batch.append(
            Project(
                team_id=account.team_id,
                account=account,
                vendor="r4",
                name=f"Service {i % 997} - env {i}",
                payload={"name": f"Service {i}"},
                idempotency_key=uuid.uuid4(),
                status=STATUSES[i % len(STATUSES)],
                remote_id=f"{i:024x}",
                created_by=user,
                created_at=now - timezone.timedelta(seconds=i),
            )
        )
        if len(batch) == 5000:
            Project.objects.bulk_create(batch)
            batch = []
    Project.objects.bulk_create(batch)


def main() -> None:
    args = ARGS
    sizes = [int(s) for s in args.sizes.split(",")]
    logging.disable(logging.INFO)
    sandbox = Sandbox().start()
    user, accounts = setup(sandbox)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    where = f"SQLite file {DB}" if ARGS.database == "sqlite" else f"PostgreSQL database {DB}"
    print(f"{where}; 20 accounts, 3 teams; the user sees 1 team (~1/3 of rows); {args.runs} runs\n")
    print(f"{'N':>8} {'list p50':>10} {'search p50':>11} {'admin p50':>10} {'list/admin':>11}")
    list_medians = {}
    for n in sizes:
        seed_to(n, accounts, user)
        list_ms = statistics.median(timed(lambda: client.get("/"), args.runs))
        search_ms = statistics.median(
            timed(lambda: client.get("/", {"q": "Service 42 "}), args.runs)
        )
        admin_ms = statistics.median(
            timed(lambda: client.get("/admin/dashboard/project/"), args.runs)
        )
        list_medians[n] = list_ms
        print(
            f"{n:>8} {list_ms:>8.1f}ms {search_ms:>9.1f}ms {admin_ms:>8.1f}ms "
            f"{list_ms / admin_ms:>10.2f}x"
        )
    if len(sizes) > 1:
        print(
            f"\nlist page flatness {sizes[0]} -> {sizes[-1]}: "
            f"{list_medians[sizes[-1]] / list_medians[sizes[0]]:.2f}x (target <= 1.5x)"
        )

    account = accounts[0]
    data = {
        "account": account.pk,
        "idempotency_key": str(uuid.uuid4()),
        "name": "Staging - Bench",
        "_field": "name",
    }
    validate = timed(
        lambda: client.post("/projects/new/validate/", data, HTTP_HX_REQUEST="true"), args.runs * 4
    )
    print(
        f"\nlive validation: p50 {statistics.median(validate):.2f} ms, "
        f"p90 {statistics.quantiles(validate, n=10)[-1]:.2f} ms (target p50 <= 5 ms)"
    )

    sandbox.stop()
    if ARGS.database == "postgres":
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{ARGS.postgres}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
