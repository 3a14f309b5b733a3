"""The list's counts per vendor and status, read from the tallies instead of counting rows."""

from __future__ import annotations

from django.db.models import Sum

from dashboard.models import ProjectTally


def tallied_counts(*, team_ids, vendor="", status="", account_id=None) -> dict:
    """Counts per vendor and per status ({"by_vendor", "by_status", "total"}), from the tallies."""
    rows = ProjectTally.objects.filter(team_id__in=team_ids)
    if vendor:
        rows = rows.filter(vendor=vendor)
    if status:
        rows = rows.filter(status=status)
    if account_id is not None:
        rows = rows.filter(account_id=account_id)
    grouped = rows.values("vendor", "status").annotate(n=Sum("count")).order_by()
    return group_counts((row["vendor"], row["status"], row["n"]) for row in grouped)


def group_counts(rows) -> dict:
    by_vendor: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for vendor, status, n in rows:
        if not n:
            continue
        by_vendor[vendor] = by_vendor.get(vendor, 0) + n
        by_status[status] = by_status.get(status, 0) + n
    return {"by_vendor": by_vendor, "by_status": by_status, "total": sum(by_status.values())}


def active_projects(account_ids, *, statuses) -> dict[int, int]:
    """Projects in `statuses` per account, from the tallies: a few rows per account, however
    many projects it holds (the plan limit's count, and the API's usage)."""
    rows = (
        ProjectTally.objects.filter(account_id__in=account_ids, status__in=statuses)
        .values("account_id")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return {row["account_id"]: row["n"] for row in rows}
