"""Refresh tracked projects, reconcile unknown outcomes and sweep stuck ones, per account.

For a cron job or a worker: python manage.py sync_projects [--account ID]
"""

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
        grand = {
            "accounts": 0,
            "errors": 0,
            "refreshed": 0,
            "changed": 0,
            "missing": 0,
            "refused": 0,
            "reconciled": 0,
            "failed_reconcile": 0,
            "waiting": 0,
            "still_unknown": 0,
            "unreadable_rows": 0,
            "not_provable": 0,
        }
        for position, item in enumerate(accounts, start=1):
            vendor = item.get_vendor_display()
            label = f"[{position}/{len(accounts)}] {vendor} “{item.label}” ({item.team})"
            try:
                totals = services.account_sync(account=item)
            except services.ServiceError as exc:
                grand["errors"] += 1
                self.stdout.write(self.style.ERROR(f"{label}: {exc.message}"))
                continue
            grand["accounts"] += 1
            for key in grand.keys() - {"accounts", "errors"}:
                grand[key] += getattr(totals, key)
            self.stdout.write(
                f"{label}: {totals.listed} at vendor, {totals.refreshed} refreshed "
                f"({totals.changed} changed, {totals.missing} missing, "
                f"{totals.refused} not storable), unknown → {totals.reconciled} found, "
                f"{totals.failed_reconcile} not found, {totals.waiting} not found yet "
                f"(too recent to conclude), {totals.still_unknown} need a person; "
                f"{totals.unreadable_rows} listed rows unreadable, so {totals.not_provable} "
                "not found can't be concluded absent"
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Totals: "
                + ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in grand.items())
            )
        )
