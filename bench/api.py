"""Benchmark: the API beside the pages it mirrors, over real HTTP against gunicorn.

Run: .venv/bin/python bench/api.py [--database sqlite|postgres] [--sizes 1000,100000]
         [--prefix bench_api]
         [--runs 25] [--creates 120] [--clients 8]

One throwaway database (SQLite by default, or PostgreSQL; DEBUG off), seeded like
bench/list_page.py (4 teams, 20 accounts across the four vendors), a member's API token in
the first team, and the same member logged in for the form. Creates go to an R4 account at
the in-process sandbox, and no `db_worker` runs: they are accepted and stay pending, so
nothing reaches a vendor. The per-token rate limit is lifted (API_RATE_LIMIT) so that it
counts every request but refuses none. It prints, measured side by side in one run:
- create: POST /api/v1/projects and the form's POST /projects/new/, samples taken in turn:
  server round trip p50/p90 and the ratio API/form (goal <= 1.0x); then creates accepted
  per second with --clients at once, API and form batches in turn;
- list: GET /api/v1/projects?limit=25 p50 at each size, each sample taken in turn with
  one from a second server holding a copy at the smallest size; the growth (goal <= 1.5x);
- validate: POST /api/v1/projects/validate p50 per vendor at the largest size (goal <= 10 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_setup


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--prefix", default="bench_api", help="of the PostgreSQL database's name")
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--creates", type=int, default=120, help="per throughput batch")
    parser.add_argument("--clients", type=int, default=8)
    return parser.parse_args()


ARGS = parse_args()
os.environ["API_RATE_LIMIT"] = str(10**9)
DB_NAME = scale_setup.prepare_environment(ARGS.database, ARGS.postgres, ARGS.prefix)

import requests  # noqa: E402

from dashboard import services  # noqa: E402
from dashboard.models import Project, ProjectStatus, Role, VendorAccount  # noqa: E402
from providers.registry import get_provider  # noqa: E402
from providers.sandbox.r4 import PREFIX, mint_key  # noqa: E402
from providers.sandbox.server import Sandbox  # noqa: E402


def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def p90(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10)[-1]


def in_turn(calls, runs: int) -> list[list[float]]:
    """Samples of several (call, expected status) taken in turn, so all see the machine
    as it is at that moment."""
    samples = [[] for _ in calls]
    for _ in range(3):  # warm up: connections, caches
        for call, _expect in calls:
            call()
    for _ in range(runs):
        for out, (call, expect) in zip(samples, calls, strict=True):
            started = time.perf_counter()
            response = call()
            out.append(ms_since(started))
            assert response.status_code == expect, (response.status_code, response.text[:300])
    return samples


class Api:
    def __init__(self, url: str, plaintext: str) -> None:
        self.url = f"{url}/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {plaintext}"

    def create(self, account) -> requests.Response:
        body = {"account": str(account.pk), "fields": {"name": "Bench create"}}
        key = {"Idempotency-Key": f"bench-{uuid.uuid4()}"}
        return self.session.post(f"{self.url}/projects", json=body, headers=key, timeout=60)

    def validate(self, account, name: str) -> requests.Response:
        body = {
            "account": str(account.pk),
            "fields": {get_provider(account.vendor).name_field: name},
        }
        return self.session.post(f"{self.url}/projects/validate", json=body, timeout=60)

    def list(self) -> requests.Response:
        return self.session.get(f"{self.url}/projects", params={"limit": 25}, timeout=60)


class Form:
    def __init__(self, server: scale_setup.Server, username: str) -> None:
        self.url = server.url
        self.session = server.session(username)

    def create(self, account) -> requests.Response:
        data = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "name": "Bench create"}
        return self.session.post(
            f"{self.url}/projects/new/", data=data, allow_redirects=False, timeout=60
        )


def throughput(clients: list, account, count: int) -> float:
    """Creates accepted per second, one thread per client (each on a session of its own)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        answers = pool.map(lambda i: clients[i % len(clients)].create(account), range(count))
        statuses = {answer.status_code for answer in answers}
    seconds = time.perf_counter() - started
    assert statuses <= {202, 302}, sorted(statuses)
    return count / seconds


def measure_creates(server, plaintext: str, account) -> None:
    api, form = Api(server.url, plaintext), Form(server, "one_team")
    api_ms, form_ms = in_turn(
        [(lambda: api.create(account), 202), (lambda: form.create(account), 302)], ARGS.runs
    )
    ratio = p50(api_ms) / p50(form_ms)
    print(f"\ncreate, one at a time, samples in turn ({ARGS.runs} each; R4 at the sandbox):")
    for name, ms in (
        ("API  POST /api/v1/projects", api_ms),
        ("form POST /projects/new/ ", form_ms),
    ):
        print(f"  {name}  p50 {p50(ms):6.1f} ms  p90 {p90(ms):6.1f} ms")
    print(f"  API / form {ratio:.2f}x {'ok' if ratio <= 1.0 else 'OVER'} (goal <= 1.0x)")

    clients = {
        "API": [Api(server.url, plaintext) for _ in range(ARGS.clients)],
        "form": [Form(server, "one_team") for _ in range(ARGS.clients)],
    }
    rates = {"API": [], "form": []}
    for _ in range(2):  # batches in turn: API, form, API, form
        for name, sessions in clients.items():
            rates[name].append(throughput(sessions, account, ARGS.creates))
    print(f"creates accepted per second, {ARGS.clients} clients at once, {ARGS.creates} a batch:")
    for name, figures in rates.items():
        batches = ", ".join(f"{rate:.1f}" for rate in figures)
        print(f"  {name:<4} {statistics.mean(figures):6.1f}/s  (batches: {batches})")
    ratio = statistics.mean(rates["API"]) / statistics.mean(rates["form"])
    print(f"  API / form {ratio:.2f}x the form's rate")
    pending = Project.objects.filter(account=account, status=ProjectStatus.PENDING).count()
    print(f"  {pending:,} creates accepted, all pending: no worker runs, the vendor saw none")


def measure_list(servers, plaintext: str, sizes: list[int], accounts, creator) -> None:
    server, base = servers
    api, base_api = Api(server.url, plaintext), Api(base.url, plaintext)
    print(f"\nlist GET /api/v1/projects?limit=25, samples in turn with a copy at {sizes[0]:,}:")
    for n in sizes[1:] or sizes:
        if n != sizes[0]:
            started = time.perf_counter()
            scale_setup.seed(accounts, n, creator=creator)
            scale_setup.analyze()
            print(f"  (seeded {n:,} projects in {time.perf_counter() - started:.0f} s)")
        team_rows = Project.objects.filter(team=accounts[0].team_id).count()
        ms, base_ms = in_turn([(api.list, 200), (base_api.list, 200)], ARGS.runs)
        growth = p50(ms) / p50(base_ms)
        print(
            f"  {n:>9,} projects ({team_rows:,} in the token's team): p50 {p50(ms):5.1f} ms,"
            f" p90 {p90(ms):5.1f} ms; {sizes[0]:,}: p50 {p50(base_ms):5.1f} ms;"
            f" growth {growth:.2f}x {'ok' if growth <= 1.5 else 'OVER'} (goal <= 1.5x)"
        )


def measure_validate(server, plaintext: str, accounts) -> None:
    api = Api(server.url, plaintext)
    held = Project.objects.count()
    print(f"\nvalidate POST /api/v1/projects/validate at {held:,} projects (goal p50 <= 10 ms):")
    first_of_each_vendor = {}
    for account in accounts:
        if account.team_id == accounts[0].team_id:
            first_of_each_vendor.setdefault(account.vendor, account)
    # A name each account holds: the probe finds it and the answer carries its advice.
    accounts = list(first_of_each_vendor.values())
    taken = [Project.objects.filter(account=a).values_list("name", flat=True)[0] for a in accounts]
    calls = [
        (lambda a=account, t=name: api.validate(a, t), 200)
        for account, name in zip(accounts, taken, strict=True)
    ]
    for account, ms in zip(accounts, in_turn(calls, ARGS.runs * 2), strict=True):
        rows = Project.objects.filter(account=account).count()
        name = get_provider(account.vendor).name
        print(
            f"  {name:<15} p50 {p50(ms):5.2f} ms, p90 {p90(ms):5.2f} ms"
            f"  ({rows:,} projects in the account) {'ok' if p50(ms) <= 10 else 'OVER'}"
        )


def count_queries(plaintext: str, user, account) -> None:
    """Queries (and transactions) of one create each way, in this process: where the time goes."""
    import json

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    api, form = Client(), Client()
    form.force_login(user)
    body = json.dumps({"account": str(account.pk), "fields": {"name": "Bench create"}})

    def api_create():
        headers = {"Authorization": f"Bearer {plaintext}", "Idempotency-Key": str(uuid.uuid4())}
        return api.post("/api/v1/projects", body, content_type="application/json", headers=headers)

    def form_create():
        data = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "name": "Bench"}
        return form.post("/projects/new/", data)

    print("queries per create (in process, after a first one):")
    for name, create, status in (("API", api_create, 202), ("form", form_create, 302)):
        create()
        with CaptureQueriesContext(connection) as captured:
            assert create().status_code == status
        sql = [q["sql"].split(" ", 1)[0] for q in captured.captured_queries]
        writes = sum(verb in ("INSERT", "UPDATE", "DELETE") for verb in sql)
        print(f"  {name:<4} {len(sql)} queries, {writes} of them writes")


def main() -> None:
    import logging

    logging.disable(logging.INFO)
    sizes = [int(s) for s in ARGS.sizes.split(",")]
    sandbox = Sandbox().start()
    creator, teams, accounts = scale_setup.setup_world(sandbox.url)
    user = creator  # "one_team": a member of the first team
    plaintext = services.api_token_create(
        by=user, team=teams[0], name="bench", role=Role.MEMBER, expires_days=1
    ).plaintext
    r4 = VendorAccount.objects.create(
        team=teams[0],
        vendor="r4",
        label="R4 at the sandbox",
        base_url=f"{sandbox.url}/r4{PREFIX}",
        credentials={"api_key": mint_key("bench0001")},
        credential_hint="rk_bench0001.••••",
    )
    scale_setup.seed(accounts, sizes[0], creator=creator)
    scale_setup.analyze()
    base_name, server, base = scale_setup.servers_with_base(DB_NAME, ARGS.database, ARGS.postgres)
    where = "SQLite" if ARGS.database == "sqlite" else "PostgreSQL"
    print(f"{where} ({DB_NAME}): {len(teams)} teams, {len(accounts)} accounts; DEBUG off;")
    print("gunicorn, 1 worker x 4 threads, over HTTP on loopback; a member's token.")
    try:
        measure_list((server, base), plaintext, sizes, accounts, creator)
        base.stop()
        measure_validate(server, plaintext, accounts)
        measure_creates(server, plaintext, r4)
        count_queries(plaintext, user, r4)
        assert not sandbox.calls(method="POST"), "a create reached the vendor"
    finally:
        base.stop()
        server.stop()
        sandbox.stop()
        scale_setup.drop_databases(ARGS.database, ARGS.postgres, DB_NAME, base_name)


if __name__ == "__main__":
    main()
