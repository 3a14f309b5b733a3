"""Read-side queries for pages: filtered, team-scoped project lists."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast

from .inputs import parse_id, printable
from .models import AuditEvent, Project, ProjectStatus, VendorAccount, team_ids_for

SORTS = {
    "created": "created_at",
    "-created": "-created_at",
    "name": "name",
    "-name": "-name",
    "status": "status",
    "-status": "-status",
    "vendor": "vendor",
    "-vendor": "-vendor",
}
DEFAULT_SORT = "-created"


def clean_filters(
    params: Mapping[str, str], *, accounts: QuerySet[VendorAccount]
) -> dict[str, str]:
    """Only values that mean something survive; anything else is ignored, never a 500."""
    from providers.registry import PROVIDERS

    filters: dict[str, str] = {}
    if params.get("vendor") in PROVIDERS:
        filters["vendor"] = params["vendor"]
    if params.get("status") in ProjectStatus.values:
        filters["status"] = params["status"]
    account = parse_id(params.get("account"))
    if account is not None and accounts.filter(pk=account).exists():
        filters["account"] = str(account)
    creator = parse_id(params.get("creator"))
    if creator is not None:
        filters["creator"] = str(creator)
    q = printable(params.get("q") or "").strip()[:100]
    if q:
        filters["q"] = q
    filters["sort"] = params.get("sort") if params.get("sort") in SORTS else DEFAULT_SORT
    return filters


def next_sorts(current: str) -> dict[str, str]:
    """For each sortable column, the sort a click on its header asks for (toggles direction)."""
    result = {}
    for column in ("vendor", "name", "status", "created"):
        default = "-created" if column == "created" else column
        flipped = default[1:] if default.startswith("-") else f"-{default}"
        result[column] = flipped if current == default else default
    return result


def status_counts(projects: QuerySet[Project]) -> dict:
    """Counts per vendor and per status of the (filtered) list, in one grouped query."""
    rows = projects.order_by().values("vendor", "status").annotate(n=Count("id"))
    by_vendor: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for row in rows:
        by_vendor[row["vendor"]] = by_vendor.get(row["vendor"], 0) + row["n"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
    return {"by_vendor": by_vendor, "by_status": by_status, "total": sum(by_status.values())}


def project_list(*, user, filters: Mapping[str, str]) -> QuerySet[Project]:
    # Team ids as literals: with the usual single team, SQLite then walks the
    # (team, -created_at, -id) index in order instead of sorting every row.
    teams = list(team_ids_for(user).values_list("team_id", flat=True))
    projects = Project.objects.filter(team_id__in=teams).select_related(
        "account", "created_by", "team"
    )
    if "vendor" in filters:
        projects = projects.filter(vendor=filters["vendor"])
    if "status" in filters:
        projects = projects.filter(status=filters["status"])
    if "account" in filters:
        projects = projects.filter(account_id=int(filters["account"]))
    if "creator" in filters:
        projects = projects.filter(created_by_id=int(filters["creator"]))
    if "q" in filters:
        projects = projects.filter(Q(name__icontains=filters["q"]) | Q(remote_id=filters["q"]))
    order = SORTS[filters.get("sort", DEFAULT_SORT)]
    return projects.order_by(order, "-id")


# Kinds of audit event, by the first part of their action ("project.created" → "project").
ACTIVITY_KINDS = {
    "project": "Projects",
    "account": "Accounts",
    "team": "Team",
    "device_login": "Sign-ins",
}


def activity(*, user, kind: str, person: int | None, vendor: str) -> QuerySet[AuditEvent]:
    """The user's teams' audit trail; a filter that means nothing is ignored."""
    from providers.registry import PROVIDERS

    events = AuditEvent.objects.for_user(user).select_related("actor", "team")
    if kind in ACTIVITY_KINDS:
        events = events.filter(action__startswith=f"{kind}.")
    if person is not None:
        events = events.filter(actor_id=person)
    if vendor in PROVIDERS:  # events about this vendor's accounts, or their projects
        accounts = VendorAccount.objects.for_user(user).filter(vendor=vendor)
        projects = Project.objects.for_user(user).filter(vendor=vendor)
        events = events.filter(
            Q(target_type="VendorAccount", target_id__in=_text_ids(accounts))
            | Q(target_type="Project", target_id__in=_text_ids(projects))
        )
    return events


def _text_ids(rows: QuerySet) -> QuerySet:
    """The rows' ids as text, as a subquery (audit targets are stored as text ids)."""
    return rows.annotate(text_id=Cast("pk", CharField())).values("text_id")
