"""Benchmark: bulk setup end to end, as in production, for 100, 1,000 and 10,000 rows.

Run: .venv/bin/python bench/batch.py [--database sqlite|postgres] [--sizes 100,1000,10000]
         [--workers 4] [--latency 0.2] [--limit 4]

One throwaway database (SQLite by default, or PostgreSQL; DEBUG off); the sandbox in this
process with `--latency` seconds on every request; an account at each of the four vendors
(Dev Kit for AI on its unlimited tier); `--workers` `db_worker` processes; gunicorn serving
the API. For each size, a batch of that many rows spread evenly over the four accounts:
- preview: POST /api/v1/batches (every row checked, the name probe included), timed;
- send: POST /api/v1/batches/{id}/send, timed; no vendor call may happen before it;
- settle: from the send until no row is pending, against the ideal
  rows x latency / min(workers, limit x accounts) (goal <= 1.2x);
- the most calls in flight per account, as the sandbox counted them (goal <= limit);
- duplicates: projects the vendor created more than once for one name (goal 0), and how
  many creates it refused with a 429 (they wait for the account's pause, then go again).

R4 allows 100 requests a minute per key, far below 4 calls in flight at 200 ms: the
sandbox keeps that limit only with --r4-rate-limit (R4's rows then go at R4's pace, paused
by its 429s' Retry-After), since the goal measures this service's throughput.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_setup


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--limit", type=int, default=4, help="VENDOR_MAX_IN_FLIGHT")
    parser.add_argument(
        "--r4-rate-limit",
        action="store_true",
        help="keep R4's documented 100 requests a minute per key at the sandbox",
    )
    return parser.parse_args()


ARGS = parse_args()
os.environ.update(
    API_RATE_LIMIT=str(10**9),
    VENDOR_MAX_IN_FLIGHT=str(ARGS.limit),
    TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    BATCH_MAX_ROWS=str(max(10_000, *(int(s) for s in ARGS.sizes.split(",")))),
)
DB_NAME = scale_setup.prepare_environment(ARGS.database, ARGS.postgres, "bench_batch")

from collections import deque  # noqa: E402

import requests  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Count  # noqa: E402

from dashboard import services  # noqa: E402
from dashboard.models import (  # noqa: E402
    Membership,
    Project,
    ProjectStatus,
    Role,
    Team,
    VendorAccount,
)
from providers.registry import get_provider  # noqa: E402
from providers.sandbox.devkit4ai import DEMO_DEVELOPER_KEY, DEMO_PASSWORD  # noqa: E402
from providers.sandbox.server import STAND_INS, Sandbox  # noqa: E402
from tests.processes import Process, WebServer  # noqa: E402

PREMIUM_EMAIL = "bench-premium@sandbox.devkit.test"


def connect_accounts(sandbox: Sandbox, team, user) -> list[VendorAccount]:
    """One account per vendor, through the real connect flow (as `seed_demo` does)."""
    sandbox.vendors["devkit4ai"].add_user(
        PREMIUM_EMAIL, DEMO_PASSWORD, DEMO_DEVELOPER_KEY, tier="cloud_premium"
    )
    accounts = []
    for stand_in in STAND_INS:
        credentials = stand_in.demo_credentials()
        if stand_in.slug == "devkit4ai":
            credentials = {**credentials, "email": PREMIUM_EMAIL}
        account = services.account_connect(
            team=team,
            user=user,
            vendor=stand_in.slug,
            label=f"{get_provider(stand_in.slug).name} bench",
            base_url=sandbox.base_url(stand_in.slug),
            credentials_input=credentials,
        )
        if stand_in.slug == "devkit4ai":
            services.account_set_plan(account=account, user=user, plan="cloud_premium")
        accounts.append(account)
    return accounts


def rows_for(accounts, size: int, run: str) -> list[dict]:
    rows = []
    for n in range(size):
        account = accounts[n % len(accounts)]
        name_field = get_provider(account.vendor).name_field
        rows.append({"account": account.pk, "fields": {name_field: f"b{run}-{n:05d}"}})
    return rows


def timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def forget_calls(sandbox: Sandbox) -> None:
    """A fresh request log and in-flight count for the next size (projects stay)."""
    with sandbox.state.lock:
        sandbox.state.requests = deque(maxlen=100_000)  # every call of 10,000 rows
    sandbox.state.in_flight.clear()


def _is_create(call: dict) -> bool:
    return call["method"] == "POST" and isinstance(call["json"], dict) and bool(_name(call))


def _name(call: dict) -> str:
    body = call["json"] or {}
    return body.get("name") or body.get("project_name") or ""


def one_size(api, sandbox: Sandbox, accounts, size: int) -> dict:
    forget_calls(sandbox)
    run = uuid.uuid4().hex[:6]
    body = {"name": f"Bench {size}", "rows": rows_for(accounts, size, run)}
    key = {"Idempotency-Key": f"bench-{run}"}
    preview, preview_s = timed(
        lambda: api.post(f"{API}/batches", json=body, headers=key, timeout=600)
    )
    assert preview.status_code == 201, preview.text[:500]
    batch = preview.json()
    assert batch["counts"]["invalid"] == 0, batch
    before_send = len(sandbox.calls(method="POST"))
    send, send_s = timed(
        lambda: api.post(f"{API}/batches/{batch['reference']}/send", json={}, timeout=600)
    )
    assert send.status_code == 200, send.text[:500]
    started = time.perf_counter()
    pending = Project.objects.filter(
        batch__reference=batch["reference"], status=ProjectStatus.PENDING
    )
    rates, mark, left_at_mark = [], started, size
    while (left := pending.count()) > 0:
        time.sleep(0.05)
        if time.perf_counter() - mark >= 10:  # the rate, 10 s at a time: does it hold up?
            rates.append(round((left_at_mark - left) / (time.perf_counter() - mark), 1))
            mark, left_at_mark = time.perf_counter(), left
    settle_s = time.perf_counter() - started
    creates = [c for c in sandbox.calls(method="POST") if _is_create(c)]
    statuses = dict(
        Project.objects.filter(batch__reference=batch["reference"])
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    in_flight = sandbox.in_flight()
    by_vendor: dict[str, dict[str, int]] = {}
    for call in sandbox.calls():
        kind = "create" if _is_create(call) else f"{call['method']} {call['path'][:30]}"
        tally = by_vendor.setdefault(call["vendor"], {})
        tally[kind] = tally.get(kind, 0) + 1
    created = [_name(c) for c in creates if 200 <= (c["status"] or 0) < 300]
    concurrency = min(ARGS.workers, ARGS.limit * len(accounts))
    ideal = size * ARGS.latency / concurrency
    return {
        "size": size,
        "preview_s": preview_s,
        "send_s": send_s,
        "calls_before_send": before_send,
        "settle_s": settle_s,
        "ideal_s": ideal,
        "max_in_flight": max((v["max"] for v in in_flight.values()), default=0),
        # Created at the vendor more than once; a 429 and then a resend is not one.
        "duplicates": len(created) - len(set(created)),
        "refused": len(creates) - len(created),
        "statuses": statuses,
        "calls": by_vendor,
        "rates": rates,
    }


def report(result: dict) -> None:
    ratio = result["settle_s"] / result["ideal_s"]
    ok = lambda good: "ok" if good else "OVER"  # noqa: E731
    # The issue sets the 2 s answers for 1,000 rows; past that they are figures, not goals.
    timed = ok if result["size"] <= 1000 else (lambda good: "")
    print(
        f"{result['size']:>6,} rows: preview {result['preview_s']:5.2f} s "
        f"{timed(result['preview_s'] <= 2)}; send {result['send_s']:5.2f} s "
        f"{timed(result['send_s'] <= 2)}; calls before send {result['calls_before_send']}"
        + ("" if result["size"] <= 1000 else " (the 2 s goals are set for 1,000 rows)")
    )
    print(
        f"        settle {result['settle_s']:7.1f} s, ideal {result['ideal_s']:7.1f} s, "
        f"{ratio:.2f}x {ok(ratio <= 1.2)} (goal <= 1.2x); most in flight per account "
        f"{result['max_in_flight']} {ok(result['max_in_flight'] <= ARGS.limit)} "
        f"(limit {ARGS.limit}); duplicates {result['duplicates']} "
        f"{ok(result['duplicates'] == 0)}; refused by the vendor (429) and sent again "
        f"{result['refused']}; {result['statuses']}"
    )
    print(f"        calls at the sandbox: {result['calls']}")
    rates = result["rates"]
    if len(rates) > 8:  # a long run: is the pace flat from start to end?
        rates = f"first {rates[0]}, median {statistics.median(rates)}, last {rates[-1]}"
    print(f"        rows settled a second, 10 s at a time: {rates}")


def wait_until_started(workers) -> None:
    """Every worker past its start-up checks before anything is measured: on SQLite a
    check that meets a long write (a 10,000-row preview) fails, and the worker exits."""
    deadline = time.monotonic() + 60
    for worker in workers:
        while "Starting worker" not in worker.log():
            if worker.popen.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{worker.name} did not start:\n{worker.log()[-2000:]}")
            time.sleep(0.1)


def main() -> None:
    import logging

    logging.disable(logging.INFO)
    sandbox = Sandbox(latency=ARGS.latency).start()
    if not ARGS.r4_rate_limit:
        # The goal measures our throughput: at R4's 100 a minute its rows could not keep up.
        sandbox.vendors["r4"].rate_limit_per_minute = 10**9
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    user = get_user_model().objects.create_user("bench", password=scale_setup.PASSWORD)
    team = Team.objects.create(name="Bench team")
    Membership.objects.create(user=user, team=team, role=Role.ADMIN)
    sandbox.set_latency(0)  # connecting is not what is measured
    accounts = connect_accounts(sandbox, team, user)
    sandbox.set_latency(ARGS.latency)
    token = services.api_token_create(
        by=user, team=team, name="bench", role=Role.MEMBER, expires_days=1
    ).plaintext
    log_dir = Path(scale_setup.tempfile.mkdtemp(prefix="bench-batch-"))
    env = dict(os.environ)
    web = WebServer(log_dir, workers=2, threads=4, env=env, app="bench.plain_http_wsgi:application")
    worker_args = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    workers = [
        Process(
            f"worker-{i}",
            [*worker_args, "--interval", "0.05", "--worker-id", f"w{i}"],
            env,
            log_dir,
        )
        for i in range(ARGS.workers)
    ]
    wait_until_started(workers)
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    global API
    API = f"{web.url}/api/v1"
    where = "SQLite" if ARGS.database == "sqlite" else "PostgreSQL"
    print(
        f"{where}; DEBUG off; {ARGS.workers} db_workers; gunicorn 2x4; sandbox latency "
        f"{ARGS.latency} s on every request; {len(accounts)} accounts (one per vendor); "
        f"VENDOR_MAX_IN_FLIGHT={ARGS.limit}; R4's 100 requests a minute "
        f"{'kept' if ARGS.r4_rate_limit else 'lifted (--r4-rate-limit keeps it)'}; "
        f"logs in {log_dir}"
    )
    try:
        for size in (int(s) for s in ARGS.sizes.split(",")):
            report(one_size(api, sandbox, accounts, size))
    finally:
        for process in [web, *workers]:
            process.stop()
        sandbox.stop()
        scale_setup.drop_databases(ARGS.database, ARGS.postgres, DB_NAME)


API = ""

if __name__ == "__main__":
    main()
