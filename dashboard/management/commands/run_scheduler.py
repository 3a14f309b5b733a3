"""Enqueue periodic jobs when they are due; the `db_worker` processes run them.

Safe to run more than one: each due job is claimed once in the database.
"""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from dashboard.scheduler import JOBS, enqueue_due_jobs


class Command(BaseCommand):
    help = "Enqueue the periodic jobs (sweep, reconcile, sync) when due. Ctrl-C stops it."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once, then exit.")
        parser.add_argument(
            "--tick", type=float, default=1.0, help="Seconds between checks (default 1)."
        )

    def handle(self, *args, once: bool, tick: float, verbosity: int, **options):
        names = ", ".join(f"{job.name} every {job.interval.total_seconds():g} s" for job in JOBS)
        self.stdout.write(f"Scheduler: {names}.")
        while True:
            close_old_connections()
            for name in enqueue_due_jobs():
                if verbosity > 1 or once:
                    self.stdout.write(f"Enqueued {name}.")
            if once:
                return
            time.sleep(tick)
