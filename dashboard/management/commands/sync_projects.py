"""Refresh tracked projects, reconcile unknown outcomes and sweep stuck ones, per account.

For a cron job or a worker: python manage.py sync_projects [--account ID]
"""

from dataclasses import asdict

from django.core.management.base import BaseCommand, CommandError

from dashboard import services
from dashboard.models import AccountStatus, VendorAccount


class Command(BaseCommand):
    help = (
        "Sync connected accounts' projects with their vendors (refresh, reconcile, stale pending)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, help="Only this account id.")

    def handle(self, *args, account=None, **options):
        swept = services.projects_sweep()
        self.stdout.write(
            f"Pending projects: {swept.timed_out} timed out → outcome unknown, "
            f"{swept.requeued} queued again"
        )
        accounts = VendorAccount.objects.filter(status=AccountStatus.ACTIVE).select_related("team")
        if account is not None:
            accounts = accounts.filter(pk=account)
            if not accounts.exists():
                raise CommandError(f"No connected account with id {account}.")
        grand, synced, errors = services.SyncTotals(), 0, 0
        for position, item in enumerate(accounts, start=1):
            vendor = item.get_vendor_display()
            label = f"[{position}/{len(accounts)}] {vendor} “{item.label}” ({item.team})"
            try:
                totals = services.account_sync(account=item)
            except services.ServiceError as exc:
                errors += 1
                self.stdout.write(self.style.ERROR(f"{label}: {exc.message}"))
                continue
            synced += 1
            grand += totals
            self.stdout.write(
                f"{label}: {totals.listed} at vendor, {totals.refreshed} refreshed "
                f"({totals.changed} changed, {totals.missing} missing, "
                f"{totals.refused} not storable), unknown → {totals.reconciled} found, "
                f"{totals.failed_reconcile} not found, {totals.waiting} not found yet "
                f"(too recent to conclude), {totals.still_unknown} need a person; "
                f"{totals.unreadable_rows} listed rows unreadable, so {totals.not_provable} "
                "not found can't be concluded absent"
            )
        counts = {"accounts": synced, "errors": errors, **asdict(grand)}
        del counts["listed"]  # per account above; the totals line never summed it
        self.stdout.write(
            self.style.SUCCESS(
                "Totals: "
                + ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in counts.items())
            )
        )
