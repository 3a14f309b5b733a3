"""Benchmark: webhook delivery delay, with and without a slow destination, in one run.

Run: .venv/bin/python bench/webhooks.py [--database sqlite|postgres] [--events 10000]
         [--workers 4] [--slow-seconds 2] [--rate 20] [--blocks 10]

One throwaway database (SQLite by default, or PostgreSQL; DEBUG off); `--workers`
`db_worker` processes; one team with three webhook destinations, each a receiver process
on 127.0.0.1 (let through by WEBHOOK_ALLOWED_HOSTS) that verifies every delivery with
`standardwebhooks` (tests/notifications/receiver.py). The third one answers after
`--slow-seconds`. This process is the producer: `--events` events (`project.failed`),
recorded with `services.event_record` at a steady `--rate`, `--per-transaction` at a time.

The events go in `--blocks` blocks, taken in turn: (a) the slow destination switched off
(not present: no delivery is made for it), (b) switched on. Both halves see the machine as
it is at that moment. After each block the queue drains; when the slow one is switched off
its pending deliveries fail (as a team admin's switch does) and its answers in flight end
before the next block starts. Figures: the delay from the event (OutboxEvent.created_at)
to its verified arrival at each fast receiver, p50 and p99, (a) beside (b), and (b)/(a).
Goals: p50 <= 1 s; (b)/(a) <= 1.2x; 0 bad signatures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_setup


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--slow-seconds", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=20.0, help="events a second")
    parser.add_argument("--per-transaction", type=int, default=2)
    parser.add_argument("--blocks", type=int, default=10, help="in turn: without, with")
    parser.add_argument("--interval", type=float, default=0.1, help="db_worker --interval")
    return parser.parse_args()


ARGS = parse_args()
os.environ.update(
    TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
    EMAIL_URL="dummymail://",
)
DB_NAME = scale_setup.prepare_environment(ARGS.database, ARGS.postgres, "bench_webhooks")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from dashboard import services  # noqa: E402
from dashboard.models import (  # noqa: E402
    Delivery,
    DeliveryStatus,
    DestinationKind,
    EventType,
    Membership,
    Role,
    Team,
)
from tests.notifications.receiving import Receiver  # noqa: E402
from tests.processes import Process  # noqa: E402

# A payload the size of a real project.failed event.
PROJECT = {
    "reference": "6f1c2b7e-0000-4000-8000-000000000000",
    "name": "checkout-dev",
    "vendor": "r4",
    "account": {"id": 3, "label": "R4 main"},
    "status": "failed",
    "remote_id": "",
    "url": "https://dash.example.com/projects/6f1c2b7e-0000-4000-8000-000000000000/",
    "error": {"kind": "invalid", "code": "name_taken", "message": "The name is taken."},
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def produce(team, block: int, first: int, count: int, created: dict) -> float:
    """`count` events at ARGS.rate, ARGS.per_transaction a transaction. Returns the most
    the producer fell behind its schedule, in seconds."""
    step, behind = ARGS.per_transaction, 0.0
    start = time.monotonic()
    for offset in range(0, count, step):
        due = start + offset / ARGS.rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        else:
            behind = max(behind, -pause)
        with transaction.atomic():
            for n in range(first + offset, first + min(offset + step, count)):
                data = {"project": {**PROJECT, "name": f"bench-{n}"}, "n": n, "block": block}
                event = services.event_record(team=team, type=EventType.PROJECT_FAILED, data=data)
                created[n] = event.created_at.timestamp()
    return behind


def drained(fast_ids: list[int]) -> bool:
    return (
        not DBTaskResult.objects.ready().exists()
        and not Delivery.objects.filter(
            destination_id__in=fast_ids, status=DeliveryStatus.PENDING
        ).exists()
    )


def wait(condition, what: str, timeout: float = 600) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.2)
    return time.monotonic() - started


def wait_until_started(workers) -> None:
    deadline = time.monotonic() + 60
    for worker in workers:
        while "Starting worker" not in worker.log():
            if worker.popen.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{worker.name} did not start:\n{worker.log()[-2000:]}")
            time.sleep(0.1)


def first_arrivals(receiver: Receiver) -> tuple[dict[int, float], int, int]:
    """n → the first verified arrival; bad signatures; repeats (at least once)."""
    arrivals: dict[int, float] = {}
    bad = repeats = 0
    for record in receiver.arrived():
        if record["verified_with"] != [0]:
            bad += 1
            continue
        n = record["data"]["n"]
        if n in arrivals:
            repeats += 1
        arrivals[n] = min(arrivals.get(n, record["at"]), record["at"])
    return arrivals, bad, repeats


def main() -> None:
    import logging

    logging.disable(logging.INFO)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password=scale_setup.PASSWORD)
    team = Team.objects.create(name="Bench team")
    Membership.objects.create(user=user, team=team, role=Role.ADMIN)
    log_dir = Path(scale_setup.tempfile.mkdtemp(prefix="bench-webhooks-"))
    receivers = {name: Receiver(log_dir) for name in ("fast-1", "fast-2", "slow")}
    destinations = {}
    for name, receiver in receivers.items():
        destination, secret = services.destination_create(
            team=team,
            user=user,
            kind=DestinationKind.WEBHOOK,
            url=receiver.url,
            description=name,
            enabled=name != "slow",
        )
        receiver.configure(secrets=[secret])
        destinations[name] = destination
    receivers["slow"].configure(sleep=ARGS.slow_seconds, sleep_times=10**9)
    fast_ids = [destinations["fast-1"].pk, destinations["fast-2"].pk]
    slow = destinations["slow"]

    def switch_slow(on: bool) -> None:
        nonlocal slow
        slow = services.destination_update(
            destination=slow,
            user=user,
            url=slow.url,
            description="slow",
            event_types=[],
            enabled=on,
        )

    env = dict(os.environ)
    worker_args = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    workers = [
        Process(
            f"worker-{i}",
            [*worker_args, "--interval", str(ARGS.interval), "--worker-id", f"w{i}"],
            env,
            log_dir,
        )
        for i in range(ARGS.workers)
    ]
    where = "SQLite" if ARGS.database == "sqlite" else "PostgreSQL"
    blocks = max(2, ARGS.blocks)
    sizes = [ARGS.events // blocks + (i < ARGS.events % blocks) for i in range(blocks)]
    print(
        f"{where}; DEBUG off; {ARGS.workers} db_workers (--interval {ARGS.interval}); one team, "
        f"3 webhook destinations, each a receiver process on 127.0.0.1 verifying with "
        f"standardwebhooks; the slow one answers after {ARGS.slow_seconds:g} s; "
        f"WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION={settings.WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION}"
    )
    print(
        f"{ARGS.events:,} events at {ARGS.rate:g}/s, {ARGS.per_transaction} a transaction "
        f"(services.event_record), in {blocks} blocks taken in turn: (a) the slow one off, "
        f"(b) on; load average at start {os.getloadavg()[0]:.1f}; logs in {log_dir}",
        flush=True,
    )
    created: dict[int, float] = {}
    with_slow: set[int] = set()
    behind, drain_s, began = 0.0, [], time.monotonic()
    try:
        wait_until_started(workers)
        first = 0
        for block, size in enumerate(sizes):
            present = block % 2 == 1
            switch_slow(present)
            if not present:  # its answers in flight end before the block starts
                wait(
                    lambda: len(receivers["slow"].arrived()) == len(receivers["slow"].records()),
                    "the slow receiver to finish",
                )
            behind = max(behind, produce(team, block, first, size, created))
            if present:
                with_slow.update(range(first, first + size))
            drain_s.append(wait(lambda: drained(fast_ids), "the fast deliveries"))
            first += size
        switch_slow(False)
        elapsed = time.monotonic() - began
        load_end = os.getloadavg()[0]
        report(receivers, destinations, created, with_slow, behind, drain_s, elapsed, load_end)
    finally:
        for process in [*workers, *receivers.values()]:
            process.stop()
        scale_setup.drop_databases(ARGS.database, ARGS.postgres, DB_NAME)


def report(receivers, destinations, created, with_slow, behind, drain_s, elapsed, load_end):
    delays: dict[bool, list[float]] = {False: [], True: []}
    verified = bad = repeats = 0
    per_receiver = {}
    for name in ("fast-1", "fast-2"):
        arrivals, bad_here, repeats_here = first_arrivals(receivers[name])
        bad, repeats, verified = bad + bad_here, repeats + repeats_here, verified + len(arrivals)
        per_receiver[name] = len(arrivals)
        for n, at in arrivals.items():
            delays[n in with_slow].append(at - created[n])
    slow_arrivals, slow_bad, _ = first_arrivals(receivers["slow"])
    bad += slow_bad
    slow_done = Delivery.objects.filter(
        destination=destinations["slow"], status=DeliveryStatus.DELIVERED
    ).count()
    slow_made = Delivery.objects.filter(destination=destinations["slow"]).count()
    expected = 2 * len(created)
    a, b = delays[False], delays[True]
    ok = lambda good: "ok" if good else "MISSED"  # noqa: E731
    print(f"\nfast destinations, delay from event to verified arrival ({len(a):,} / {len(b):,}):")
    print(f"  {'':6} {'(a) without slow':>18} {'(b) with slow':>15} {'(b)/(a)':>9}")
    for label, q in (("p50", 0.5), ("p99", 0.99)):
        pa, pb = percentile(a, q), percentile(b, q)
        note = f"p50 goal <= 1 s: {ok(max(pa, pb) <= 1)}; " if q == 0.5 else ""
        print(
            f"  {label:6} {pa:>16.3f} s {pb:>13.3f} s {pb / pa:>8.2f}x  "
            f"{note}ratio goal <= 1.2x: {ok(pb / pa <= 1.2)}"
        )
    print(f"  {'mean':6} {statistics.fmean(a):>16.3f} s {statistics.fmean(b):>13.3f} s")
    print(
        f"deliveries verified at the fast receivers: {verified:,} of {expected:,} "
        f"{ok(verified == expected)} ({per_receiver}); repeats {repeats}; "
        f"bad signatures {bad} {ok(bad == 0)}"
    )
    print(
        f"slow destination: {len(slow_arrivals):,} verified at its receiver, {slow_done:,} "
        f"delivered of the {slow_made:,} made while it was on (the rest failed when it was "
        f"switched off after its block)"
    )
    print(
        f"producer at most {behind:.2f} s behind its schedule; drain after each block "
        f"{', '.join(f'{s:.1f}' for s in drain_s)} s; whole run {elapsed:.0f} s; "
        f"load average at end {load_end:.1f}"
    )


if __name__ == "__main__":
    main()
