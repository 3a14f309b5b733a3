"""Benchmark: the vendor call is off the request path, and a busy queue leaves pages fast.

Run: .venv/bin/python bench/worker_queue.py [--database postgres|sqlite] [--creates 50] [--runs 25]

Everything runs as in production, in one run, side by side:
- a throwaway database (PostgreSQL by default), `collectstatic`, DEBUG off;
- the sandbox vendor in its own process, with 0 s or 2 s of latency on every create;
- `db_worker` processes and a gunicorn web server.

It prints:
1. create request server time p50 at 0 s and at 2 s of vendor latency (target: within 1.25x),
   next to the old in-request path (ImmediateBackend) at 2 s for reference;
2. with 2 workers, N creates submitted at once against a 2 s vendor: all settle, none is
   duplicated, and the list page p50 while they run vs idle (target: within 1.5x).
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-queue-"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--creates", type=int, default=50)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--latency", type=float, default=2.0)
    return parser.parse_args()


ARGS = parse_args()
if ARGS.database == "postgres":
    import psycopg

    DB_NAME = f"bench_queue_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{ARGS.postgres}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    DATABASE_URL = f"{ARGS.postgres}/{DB_NAME}"
else:
    DATABASE_URL = f"sqlite:///{WORK / 'bench.sqlite3'}"

ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "ENV_FILE": "/dev/null",
    "DEBUG": "False",
    "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
    "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "ALLOWED_VENDOR_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "False",
    "STATIC_ROOT": str(WORK / "static"),
    "LOG_LEVEL": "WARNING",
    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
}
os.environ.update(ENV)

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
logging.getLogger("django.tasks").setLevel(logging.WARNING)  # the in-request reference run

import requests  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from dashboard.models import Membership, Project, ProjectStatus, Role, Team, VendorAccount  # noqa: E402
from providers.sandbox.r4 import PREFIX, mint_key  # noqa: E402

CHILDREN: list[subprocess.Popen] = []


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn(name: str, *args: str) -> subprocess.Popen:
    log = (WORK / f"{name}.log").open("wb")
    child = subprocess.Popen(args, cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT)
    CHILDREN.append(child)
    return child


def wait_http(url: str) -> None:
    for _ in range(300):
        try:
            requests.get(url, timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up; logs in {WORK}")


def worker(name: str) -> subprocess.Popen:
    return spawn(
        name,
        sys.executable,
        "manage.py",
        "db_worker",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "0.1",
        "--worker-id",
        name,
    )


class Sandbox:
    def __init__(self) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        spawn("sandbox", sys.executable, "manage.py", "sandbox", "--port", port)
        wait_http(self.url + "/_sandbox/requests")

    def latency(self, seconds: float) -> None:
        requests.post(f"{self.url}/_sandbox/reset", timeout=5)
        if seconds:
            fault = {"kind": "slow", "vendor": "r4", "method": "POST", "delay": seconds}
            requests.post(f"{self.url}/_sandbox/faults", json={**fault, "times": None}, timeout=5)

    def creates(self) -> int:
        log = requests.get(f"{self.url}/_sandbox/requests?vendor=r4", timeout=5).json()
        return sum(1 for r in log["requests"] if r["method"] == "POST")


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def wait_settled(timeout: float) -> float:
    started = time.perf_counter()
    while Project.objects.filter(status=ProjectStatus.PENDING).exists():
        if time.perf_counter() - started > timeout:
            raise SystemExit("creates did not settle in time")
        time.sleep(0.2)
    return time.perf_counter() - started


def setup(sandbox: Sandbox):
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    user = get_user_model().objects.create_user("bench", password=get_random_string(20))
    team = Team.objects.create(name="Bench team")
    Membership.objects.create(user=user, team=team, role=Role.ADMIN)
    account = VendorAccount.objects.create(
        team=team,
        vendor="r4",
        label="Bench R4",
        base_url=f"{sandbox.url}/r4{PREFIX}",
        credentials={"api_key": mint_key("bench0001")},
        credential_hint="rk_bench0001.••••",
    )
    return user, account


def create_form(account) -> dict:
    return {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "name": "Bench"}


def request_times(client: Client, account, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.post("/projects/new/", create_form(account))
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.status_code
    return samples


def part_one(sandbox: Sandbox, client: Client, account, runs: int, latency: float) -> None:
    print(f"1. Create request server time (in-process, {runs} requests each; 1 worker drains)")
    worker("worker-a")
    client.post("/projects/new/", create_form(account))  # warm up
    sandbox.latency(0)
    at_zero = request_times(client, account, runs)
    wait_settled(timeout=60)
    sandbox.latency(latency)
    at_latency = request_times(client, account, runs)
    with override_settings(
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    ):
        in_request = request_times(client, account, 3)
    ratio = p50(at_latency) / p50(at_zero)
    print(f"   vendor at 0 s:   p50 {p50(at_zero):7.1f} ms")
    print(
        f"   vendor at {latency:g} s:   p50 {p50(at_latency):7.1f} ms   "
        f"ratio {ratio:.2f}x (target <= 1.25x)"
    )
    print(
        f"   old path, vendor call in the request, at {latency:g} s: p50 {p50(in_request):7.1f} ms"
    )
    settle = wait_settled(timeout=runs * latency * 2 + 60)
    print(f"   the worker settled the queue {settle:.1f} s after the last request\n")


def part_two(sandbox: Sandbox, user, account, creates: int, runs: int, latency: float) -> None:
    print(f"2. {creates} creates at once, vendor at {latency:g} s, 2 workers, gunicorn (4 workers)")
    for child in CHILDREN[1:]:  # keep the sandbox, stop part one's worker
        child.terminate()
        child.wait()
    Project.objects.all().delete()
    sandbox.latency(latency)
    port = free_port()
    spawn(
        "web",
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "4",
        "--threads",
        "4",
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/login/")
    client = Client()
    client.force_login(user)
    token = get_random_string(32)
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}

    def list_page() -> float:
        started = time.perf_counter()
        response = requests.get(base + "/", cookies=cookies, timeout=30)
        assert response.status_code == 200, response.status_code
        return (time.perf_counter() - started) * 1000

    list_page()
    worker("worker-1")
    worker("worker-2")

    def submit(_):
        return requests.post(
            base + "/projects/new/",
            data=create_form(account),
            cookies=cookies,
            headers={"X-CSRFToken": token},
            allow_redirects=False,
            timeout=60,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=creates) as pool:
        statuses = [r.status_code for r in pool.map(submit, range(creates))]
    submitted = time.perf_counter() - started
    busy = []
    while Project.objects.filter(status=ProjectStatus.PENDING).exists():
        busy.append(list_page())
        time.sleep(0.05)
    settled = time.perf_counter() - started
    rows = Project.objects.all()
    created = rows.filter(status=ProjectStatus.CREATED).count()
    remote_ids = set(rows.values_list("remote_id", flat=True))
    print(
        f"   {creates} submitted in {submitted:.2f} s (answers: {sorted(set(statuses))}); "
        f"all settled after {settled:.1f} s"
    )
    print(
        f"   rows {rows.count()}, created {created}, distinct remote ids {len(remote_ids)}, "
        f"creates the vendor received {sandbox.creates()} (no duplicate: "
        f"{rows.count() == created == len(remote_ids) == sandbox.creates() == creates})"
    )
    # Idle: the same page with the same rows once the queue is empty, so like meets like.
    idle = [list_page() for _ in range(max(runs, 100))]
    ratio = p50(busy) / p50(idle)
    print(
        f"   list page p50 idle (same rows, queue empty) {p50(idle):.1f} ms ({len(idle)} samples), "
        f"while the queue drains {p50(busy):.1f} ms ({len(busy)} samples): "
        f"{ratio:.2f}x (target <= 1.5x)"
    )


def main() -> None:
    print(f"Database: {ARGS.database}; logs and files in {WORK}\n")
    sandbox = Sandbox()
    try:
        user, account = setup(sandbox)
        client = Client()
        client.force_login(user)
        part_one(sandbox, client, account, ARGS.runs, ARGS.latency)
        part_two(sandbox, user, account, ARGS.creates, ARGS.runs, ARGS.latency)
    finally:
        for child in CHILDREN:
            child.terminate()
        for child in CHILDREN:
            child.wait()
        if ARGS.database == "postgres":
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{ARGS.postgres}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
