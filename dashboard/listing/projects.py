"""Read-side queries for pages: filtered, team-scoped project lists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet

from dashboard.listing import keyset, search
from dashboard.listing.keyset import Order
from dashboard.listing.tallies import group_counts, tallied_counts
from dashboard.models import Project, ProjectStatus, VendorAccount, team_ids_for
from dashboard.validation.ids import parse_id
from dashboard.validation.text import printable
from providers.registry import PROVIDERS

# Each sort's order; the directions follow the list's indexes (see keyset.Order).
SORTS = {
    "created": Order(None, descending=False),
    "-created": Order(None, descending=True),
    "name": Order("name", descending=False),
    "-name": Order("name", descending=True),
    "status": Order("status", descending=False),
    "-status": Order("status", descending=True),
    "vendor": Order("vendor", descending=False),
    "-vendor": Order("vendor", descending=True),
}
PAGE_SIZE = 25
# What a row of the list shows: plain values in one query, no model objects, nothing
# decrypted (a project's secrets, its account's credentials).
LIST_FIELDS = (
    "id",
    "reference",
    "name",
    "vendor",
    "status",
    "origin",
    "missing_at_vendor",
    "remote_id",
    "created_at",
    "account__label",
    "created_by__username",
)
# Counts the tallies can't answer (search, creator) stop here: "1,000+" is honest and flat.
COUNT_LIMIT = 1000
DEFAULT_SORT = "-created"


def clean_filters(
    params: Mapping[str, str], *, accounts: QuerySet[VendorAccount]
) -> dict[str, str]:
    """Only values that mean something survive; anything else is ignored, never a 500."""
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


@dataclass
class ProjectQuery:
    """The user's teams and the list's filters, for counts, pages and export alike."""

    team_ids: list[int]
    filters: Mapping[str, str]
    page_size: int = PAGE_SIZE

    @cached_property
    def found(self) -> search.Found | None:
        """The search's matches, found once for the counts and every team's page."""
        if "q" not in self.filters:
            return None
        order = SORTS[self.sort]
        return search.find(
            self.filters["q"],
            self._filtered(self.team_ids).order_by(*order.fields()),
            [self._filtered([team]) for team in self.team_ids],
            order,
            team_ids=self.team_ids,
            shown=self.page_size + 1,
        )

    def projects(self, team_ids: list[int] | None = None) -> QuerySet[Project]:
        projects = self._filtered(self.team_ids if team_ids is None else team_ids)
        return projects if self.found is None else projects.filter(self.found.condition)

    def _filtered(self, team_ids: list[int]) -> QuerySet[Project]:
        """The teams' projects under every filter but the search."""
        projects = Project.objects.filter(team_id__in=team_ids)
        filters = self.filters
        if "vendor" in filters:
            projects = projects.filter(vendor=filters["vendor"])
        if "status" in filters:
            projects = projects.filter(status=filters["status"])
        if "account" in filters:
            projects = projects.filter(account_id=int(filters["account"]))
        if "creator" in filters:
            projects = projects.filter(created_by_id=int(filters["creator"]))
        return projects

    @property
    def sort(self) -> str:
        return self.filters.get("sort", DEFAULT_SORT)


def project_query(*, user, filters: Mapping[str, str]) -> ProjectQuery:
    return ProjectQuery(sorted(team_ids_for(user).values_list("team_id", flat=True)), filters)


def list_counts(query: ProjectQuery) -> dict:
    """Per-vendor and per-status counts of the filtered list, whether they are exact, and
    when not, the number they are known to exceed ("limit").

    Filters on vendor, status and account are answered by the tallies (a few rows, however
    many projects). A search counts the matches it found: all of them when it read them
    whole or they fit on the first page, else only that there are more than a page of
    them (counting a common term's thousands of matches would grow with the list). A
    creator filter counts at most COUNT_LIMIT + 1 matches.
    """
    filters = query.filters
    if query.found is not None:
        if query.found.groups is not None:
            return _counted(query.found.groups) | {"exact": True}
        shown = len(query.found.first or ())  # more than a page of matches, all verified
        return _counted([]) | {"total": shown, "exact": False, "limit": query.page_size}
    if not {"q", "creator"} & filters.keys():
        account = int(filters["account"]) if "account" in filters else None
        counts = tallied_counts(
            team_ids=query.team_ids,
            vendor=filters.get("vendor", ""),
            status=filters.get("status", ""),
            account_id=account,
        )
        return counts | {"exact": True}
    first = query.projects().order_by().values_list("vendor", "status")[: COUNT_LIMIT + 1]
    counts = _counted(first)
    return counts | {"exact": counts["total"] <= COUNT_LIMIT, "limit": COUNT_LIMIT}


def _counted(groups) -> dict:
    """Counts of (vendor, status) pairs, shaped like the tallies' counts."""
    return group_counts((*group, n) for group, n in Counter(groups).items())


def project_list(query: ProjectQuery) -> QuerySet[Project]:
    """Every project the query keeps, in the list's order (for export)."""
    return query.projects().order_by(*SORTS[query.sort].fields())


def list_page(
    query: ProjectQuery,
    *,
    position: str | None,
    counts: dict | None,
    fields: tuple[str, ...] = LIST_FIELDS,
) -> keyset.Page:
    """One page of the list, read through the indexes one team at a time. Without counts
    (the API's pages) the page has no total."""
    parts = [query.projects([team]) for team in query.team_ids]
    shown = Project.objects.values(*fields)
    return keyset.paginate(
        parts,
        shown,
        order=SORTS[query.sort],
        sort=query.sort,
        size=query.page_size,
        position=keyset.read_token(position, query.sort),
        total=counts["total"] if counts and counts["exact"] else None,
        first=query.found.first if query.found else None,
    )
