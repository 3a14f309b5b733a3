"""Keyset pagination: each page starts where the last one ended, so page 2,000 costs what
page 1 does (an OFFSET would read and throw away every row before it).

An order is a column (or none) followed by (created_at, id), so every row has one place.
The directions are chosen to match the list's indexes, e.g. (team, status, -created_at,
-id), and each order's exact reverse is the same column the other way round, which the
databases walk backwards through the same index.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet

SALT = "dashboard.listing.keyset"


@dataclass(frozen=True)
class Order:
    column: str | None  # the sort column, or None for time alone
    descending: bool

    def fields(self) -> list[str]:
        if self.column is None:
            return ["-created_at", "-id"] if self.descending else ["created_at", "id"]
        if self.descending:
            return [f"-{self.column}", "created_at", "id"]
        return [self.column, "-created_at", "-id"]

    def reverse(self) -> Order:
        return Order(self.column, not self.descending)

    def key(self, row: dict) -> list:
        values = [row["created_at"].isoformat(), row["id"]]
        return [row[self.column], *values] if self.column else values

    def after(self, key: Sequence) -> list[Q]:
        """Conditions for the rows after `key`, each a range of one index, in order."""
        *head, created_at, pk = key
        created_at = datetime.datetime.fromisoformat(created_at)
        newer_first = self.descending if self.column is None else not self.descending
        if newer_first:
            same = Q(created_at__lte=created_at) & (Q(created_at__lt=created_at) | Q(id__lt=pk))
        else:
            same = Q(created_at__gte=created_at) & (Q(created_at__gt=created_at) | Q(id__gt=pk))
        if self.column is None:
            return [same]
        (value,) = head
        beyond = Q(**{f"{self.column}__{'lt' if self.descending else 'gt'}": value})
        return [Q(**{self.column: value}) & same, beyond]


def ranges(queryset: QuerySet, order: Order, key: Sequence | None, limit: int) -> list[QuerySet]:
    """Up to `limit` ids of `queryset` after `key` (from the start when None), as one or
    two ordered, limited queries: each a range of one index."""
    ordered = queryset.values_list("pk", flat=True).order_by(*order.fields())
    if key is None:
        return [ordered[:limit]]
    return [ordered.filter(part)[:limit] for part in order.after(key)]


def first_rows_across(
    parts: Sequence[QuerySet], shown: QuerySet, order: Order, key, limit: int
) -> list:
    """The first rows of one or more index ranges (one per team), as `shown` rows.

    Every range is read in its index's order, ids only (often from the index alone), all
    in one round trip; the database then orders the few ids found, in its own collation,
    so names sort the same however many teams there are.
    """
    ids = ids_of_all([r for part in parts for r in ranges(part, order, key, limit)])
    return rows_in_order(shown, ids, order, limit)


def rows_in_order(shown: QuerySet, ids: Sequence[int], order: Order, limit: int) -> list:
    """The first `limit` of these rows, as `shown` rows, in the order."""
    return list(shown.filter(pk__in=ids).order_by(*order.fields())[:limit]) if ids else []


def ids_of_all(querysets: Sequence[QuerySet]) -> list[int]:
    """The ids several limited queries select, in one round trip."""
    found = rows_of_each([compiled(queryset) for queryset in querysets])
    return [row[0] for rows in found for row in rows]


def compiled(queryset: QuerySet) -> tuple[str, list] | None:
    """The queryset's SQL and parameters; None when it can select nothing (e.g. a search
    that matched nothing)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, list(params)


def rows_of_each(selects: Sequence[tuple[str, list] | None]) -> list[list[tuple]]:
    """The rows of several limited SELECTs, each one's apart, with one UNION ALL of
    subqueries (each keeps its own ORDER BY and LIMIT, and so its own index range)."""
    parts, params = [], []
    for number, select in enumerate(selects):
        if select is None:
            continue
        sql, select_params = select
        parts.append(f"SELECT {number}, * FROM ({sql}) AS range_{number}")  # noqa: S608
        params.extend(select_params)
    found: list[list[tuple]] = [[] for _ in selects]
    if not parts:
        return found
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for number, *row in cursor.fetchall():
            found[number].append(tuple(row))
    return found


@dataclass
class Page:
    rows: list
    number: int
    size: int
    total: int | None  # None when not counted exactly
    next_token: str = ""
    previous_token: str = ""

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_next(self) -> bool:
        return bool(self.next_token)

    @property
    def has_previous(self) -> bool:
        return bool(self.previous_token)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def num_pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // self.size))


def token(sort: str, direction: str, key: list, number: int) -> str:
    return signing.dumps([sort, direction, key, number], salt=SALT, compress=True)


def read_token(value: str | None, sort: str) -> tuple[str, list, int] | None:
    """(direction, key, page number) of a token made for this sort; None for anything else."""
    if not value or len(value) > 2000:
        return None
    try:
        made_for, direction, key, number = signing.loads(value, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if made_for != sort or direction not in ("after", "before") or not isinstance(key, list):
        return None
    return direction, key, int(number)


def paginate(
    parts, shown, *, order: Order, sort: str, size: int, position, total, first=None
) -> Page:
    """The page that `position` (a read token, or None for the first) points at. `first`:
    ids among which the first page lies, when a search already found them."""
    if position is None:
        if first is None:
            rows = first_rows_across(parts, shown, order, None, size + 1)
        else:
            rows = rows_in_order(shown, first, order, size + 1)
        direction, number = "after", 1
    else:
        direction, key, number = position
        walk = order if direction == "after" else order.reverse()
        rows = first_rows_across(parts, shown, walk, key, size + 1)
    more = len(rows) > size
    if direction == "before" and not more:  # back at the start: that is simply page 1
        return paginate(
            parts, shown, order=order, sort=sort, size=size, position=None, total=total, first=first
        )
    rows = rows[:size]
    if direction == "before":
        rows.reverse()
    page = Page(rows=rows, number=max(1, number), size=size, total=total)
    if rows:
        going_on = more if direction == "after" else True
        coming_from = direction == "before" or number > 1
        if going_on:
            page.next_token = token(sort, "after", order.key(rows[-1]), page.number + 1)
        if coming_from:
            page.previous_token = token(sort, "before", order.key(rows[0]), page.number - 1)
    return page
