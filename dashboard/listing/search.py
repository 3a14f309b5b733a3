"""Project search by name (any part, any case) or exact remote id, through indexes.

A search first finds candidates through an index, then keeps those whose name holds the
whole term (Python's full Unicode case folding):

1. **Whole words.** An ASCII word with a separator on both sides inside the term ("42" in
   "Service 42 -") is a whole word of every matching name. A word index answers it: an
   FTS5 `unicode61` table on SQLite, a GIN index on the name's lower-case ASCII words on
   PostgreSQL (migration 0015). Names share common words, but a term's rarest word is
   usually rare, so this stays flat however many projects there are. SQLite counts each
   word's names (up to CANDIDATES) and looks up the rarest alone: a common word in an
   FTS5 AND would have it walk that word's whole list; PostgreSQL's GIN scan skips
   through common entries by itself.
2. **Rare trigrams** (SQLite, a term of three or more characters). An FTS5 trigram table
   (migration 0011); each trigram's list is counted up to CANDIDATES (fts5vocab would
   read whole lists) and the rarest few are intersected.
3. Otherwise Django's `icontains`, for each team's first page only: on PostgreSQL
   through a trigram GIN index on UPPER(name) or the list's index, as the planner finds
   cheaper; on SQLite by LIKE while walking the list's index, which finds a page of
   matches quickly when they are common. That is SQLite's honest limit: a term under
   three characters, or one whose words are partial and whose trigrams are all common
   ("Service 4"), walks until it has its page.

More than CANDIDATES candidates also falls through to the next step. The word index knows
ASCII words only; a name that spells one with a look-alike letter folding to ASCII (the
Kelvin sign) is found by the other steps but not by this one.

**A common term is not read whole** (item 18: a word in one name in a hundred read its
4,000 matches at a million projects, 20 ms, to order and count them). On SQLite, when even
the rarest word or trigram of an ASCII term is in more than WALK_FROM of the teams' names,
each team's list is walked in its order with `icontains` (LIKE folds ASCII letters only,
hence ASCII terms), at most WALK rows of it: one name in a hundred fills a page within
2,600 rows at any size. A walk that ends without
its page (the matches are rarer than the candidates said) leaves the term to the index.
A search found this way, or by step 3, knows its first page and not its size: it is
counted exactly when every team's matches fit on that page, else as "more than a page".
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from dashboard.listing import keyset
from dashboard.listing.keyset import Order
from dashboard.models import Project

CANDIDATES = 5000
WALK_FROM = 500  # SQLite: more candidates than this, and an ASCII term: walk the list first
WALK = 5000  # rows of each team's list a walk reads at most
RAREST = 3  # trigrams intersected per search
WORD = re.compile(r"[A-Za-z0-9]+")
# Constant SQL, values as parameters. PostgreSQL's must spell the index's expression
# (migration 0015) exactly, or the index goes unused.
POSTGRES_HOLDS_WORDS = "regexp_split_to_array(lower(name::text), '[^a-z0-9]+') @> %s::text[]"
SQLITE_WORDS = "dashboard_project_words"  # FTS5 tables (migrations 0015, 0011 and 0017)
SQLITE_TRIGRAMS = "dashboard_project_fts"
# Their rowid is (team_id << TEAM_SHIFT) | id: a team's names are one range (migration 0017)
# while team ids stay under 2**23; past that the keys wrap, and one full range is read.
TEAM_SHIFT = 40
EVERY_KEY = (-(1 << 63), (1 << 63) - 1)


@dataclass(frozen=True)
class Found:
    """A search's condition on the list; the ids among which its first page lies (None: the
    page query finds them); and, when every match is known, each one's (vendor, status),
    so counting them needs no other query (None: more than the first page shows)."""

    condition: Q
    first: list[int] | None
    groups: list[tuple[str, str]] | None


Walk = Callable[[], Found | None] | None  # a first page by walking the list; None: no page


def find(
    term: str,
    projects: QuerySet[Project],
    parts: Sequence[QuerySet[Project]],
    order: Order,
    *,
    team_ids: list[int],
    shown: int,
) -> Found:
    """Search among `projects`, the teams' projects with the list's other filters applied,
    in the list's order (`parts`: the same, one team each). `shown`: the rows the first page
    reads. Matches read whole are read in the list's order, so the first page needs no query
    of its own; a common term's first page is read by walking the list instead."""
    walk = None
    if connection.vendor == "sqlite" and term.isascii():
        walk = functools.cache(lambda: _first_matches(term, parts, order, shown, window=WALK))
    candidates = _by_whole_words(term, projects, team_ids, walk)
    if candidates is None and connection.vendor == "sqlite" and len(term) >= 3:
        candidates = _by_rare_trigrams(term, projects, team_ids, walk)
    if isinstance(candidates, Found):
        return candidates
    if candidates is None:
        return _first_matches(term, parts, order, shown, window=None)
    wanted = term.casefold()
    found = {row[0]: row for row in candidates if wanted in row[1].casefold()}
    by_remote_id = _candidates(projects.filter(remote_id=term).order_by()) or []
    first = list(found)[:shown]
    if any(row[0] not in found for row in by_remote_id):
        found |= {row[0]: row for row in by_remote_id}
        first = None  # two lists, each in order: the page query orders them
    return Found(
        Q(pk__in=_as_one_parameter(list(found))),
        first,
        [(vendor, status) for _, _, vendor, status in found.values()],
    )


def _first_matches(
    term: str, parts: Sequence[QuerySet[Project]], order: Order, shown: int, *, window
) -> Found | None:
    """The first `shown` matches of each team, in the list's order, through `icontains`, in
    one round trip. With a `window`, each team's walk reads no more than that many rows of
    its list (SQLite: a subquery walks them in order and the LIKE stops at the page), and
    None says a walk ended without its page: the term is rarer than a page in `window`."""
    condition = Q(name__icontains=term) | Q(remote_id=term)
    fields = ("pk", "vendor", "status")
    if window is None:
        selects = [
            keyset.compiled(
                part.filter(condition).order_by(*order.fields()).values_list(*fields)[:shown]
            )
            for part in parts
        ]
    else:
        selects = [_walked(term, part, order, shown, window) for part in parts]
    rows = keyset.rows_of_each(selects)
    short = [n for n, found in enumerate(rows) if len(found) < shown and selects[n] is not None]
    if window is not None and short and _walks_ended_early(parts, order, window, short):
        return None
    every = [row for found in rows for row in found]
    complete = all(len(found) < shown for found in rows)
    return Found(
        condition,
        [pk for pk, _, _ in every],
        [(vendor, status) for _, vendor, status in every] if complete else None,
    )


def _walked(term: str, part: QuerySet[Project], order: Order, shown: int, window: int):
    """SQLite: the first `shown` matches within the first `window` rows of the team's list.
    The subquery is a co-routine that yields its rows in its order; the outer LIMIT stops
    the walk at the page."""
    rows = part.order_by(*order.fields()).values_list("id", "vendor", "status", "name", "remote_id")
    walked = keyset.compiled(rows[:window])
    if walked is None:
        return None
    sql, params = walked
    like = f"%{connection.ops.prep_for_like_query(term)}%"
    select = (
        f"SELECT id, vendor, status FROM ({sql}) "  # noqa: S608 (Django's SQL)
        "WHERE name LIKE %s ESCAPE '\\' OR remote_id = %s LIMIT %s"
    )
    return select, [*params, like, term, shown]


def _walks_ended_early(parts, order: Order, window: int, short: list[int]) -> bool:
    """Whether any of these teams' walks stopped at `window` rows, before its list ended."""
    sizes = []
    params: list = []
    for n in short:
        sql, part_params = keyset.compiled(
            parts[n].order_by(*order.fields()).values_list("pk")[:window]
        )
        sizes.append(f"(SELECT count(*) FROM ({sql}))")  # noqa: S608 (Django's SQL)
        params += part_params
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(sizes), params)
        return any(size >= window for size in cursor.fetchone())


def whole_words(term: str) -> list[str]:
    """The term's ASCII words that have an ASCII separator on both sides inside it."""

    def separates(char: str) -> bool:
        return char.isascii() and not char.isalnum()

    return sorted(
        {
            found.group().lower()
            for found in WORD.finditer(term)
            if found.start() > 0
            and found.end() < len(term)
            and separates(term[found.start() - 1])
            and separates(term[found.end()])
        }
    )


def _by_whole_words(term: str, projects: QuerySet[Project], team_ids, walk: Walk):
    words = whole_words(term)
    if not words:
        return None
    if connection.vendor == "postgresql":
        holding = RawSQL(POSTGRES_HOLDS_WORDS, [words], BooleanField())  # noqa: S611
        return _candidates(projects.filter(holding))
    return _by_rarest(SQLITE_WORDS, words, projects, team_ids, use=1, walk=walk)


def _by_rare_trigrams(term: str, projects: QuerySet[Project], team_ids, walk: Walk):
    grams = sorted({term[i : i + 3] for i in range(len(term) - 2)})
    return _by_rarest(SQLITE_TRIGRAMS, grams, projects, team_ids, use=RAREST, walk=walk)


def _by_rarest(
    table: str, tokens: list[str], projects: QuerySet[Project], team_ids, *, use: int, walk: Walk
) -> list[tuple] | Found | None:
    """Candidates holding the `use` rarest of the tokens every matching name holds, found
    in the teams' ranges of an FTS5 table. Only the rarest: a common token in the match
    ("env" in every name) would make SQLite walk its whole list. When even the rarest is
    in more than WALK_FROM names, the walk's first page if it found one."""
    teams = _team_ranges(team_ids)
    if not teams:  # a user in no team
        return []
    few = min(WALK_FROM, CANDIDATES) if walk else CANDIDATES
    with connection.cursor() as cursor:
        counts = _names_holding(cursor, table, tokens, teams, up_to=few + 1)
    # ASCII folds the same here and in SQLite: an ASCII token no name holds means
    # no name holds the term. (Other scripts may fold differently: then not used.)
    if any(token.isascii() and n == 0 for token, n in counts.items()):
        return []
    if walk and min((n for n in counts.values() if n), default=0) > few:
        walked = walk()
        if walked is not None:
            return walked
        if few < CANDIDATES:  # the walk found the term rarer: count far enough to read it
            with connection.cursor() as cursor:
                counts = _names_holding(cursor, table, tokens, teams, up_to=CANDIDATES + 1)
    rarest = sorted((n, token) for token, n in counts.items() if n)
    if not rarest or rarest[0][0] > CANDIDATES:
        return None
    phrase = " AND ".join(_quoted(token) for _, token in rarest[:use])
    sql, params = _holding(table, phrase, teams)
    ids = RawSQL(f"SELECT key & {(1 << TEAM_SHIFT) - 1} FROM ({sql})", params)  # noqa: S608, S611
    return _candidates(projects.filter(pk__in=ids))


def _candidates(projects: QuerySet[Project]) -> list[tuple] | None:
    """(id, name, vendor, status) of the projects, in their order; None when there are
    over CANDIDATES."""
    rows = projects.values_list("pk", "name", "vendor", "status")
    found = list(rows[: CANDIDATES + 1])
    return None if len(found) > CANDIDATES else found


def _as_one_parameter(ids: list[int]) -> RawSQL:
    """The ids as one query parameter: hundreds of them, one each, cost Django and the
    driver more than the database takes to find them."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


def _names_holding(cursor, table: str, tokens: list[str], teams, *, up_to: int) -> dict[str, int]:
    """How many of the teams' names hold each token, counted no further than `up_to`
    (fts5vocab would read whole lists), in one round trip."""
    probes, params = [], []
    for token in tokens:
        sql, holding_params = _holding(table, _quoted(token), teams)
        probes.append(f"(SELECT count(*) FROM ({sql} LIMIT %s))")  # noqa: S608
        params += [*holding_params, up_to]
    cursor.execute("SELECT " + ", ".join(probes), params)
    return dict(zip(tokens, cursor.fetchone(), strict=True))


def _holding(table: str, phrase: str, teams: list[tuple[int, int]]) -> tuple[str, list]:
    """SQL for the FTS5 rowids, in the teams' ranges, of the names that match the phrase."""
    one = f"SELECT rowid AS key FROM {table} WHERE {table} MATCH %s AND rowid BETWEEN %s AND %s"  # noqa: S608
    return " UNION ALL ".join([one] * len(teams)), [
        value for low, high in teams for value in (phrase, low, high)
    ]


def _team_ranges(team_ids: list[int]) -> list[tuple[int, int]]:
    """The FTS5 rowid ranges of the teams, neighbouring teams in one range; over a few
    dozen ranges (a compound SELECT has a limit), one range for every team."""
    if any(team >= 1 << (63 - TEAM_SHIFT) for team in team_ids):
        return [EVERY_KEY]
    ranges: list[tuple[int, int]] = []
    for team in sorted(team_ids):
        low, high = team << TEAM_SHIFT, ((team + 1) << TEAM_SHIFT) - 1
        if ranges and ranges[-1][1] + 1 == low:
            ranges[-1] = (ranges[-1][0], high)
        else:
            ranges.append((low, high))
    return ranges if len(ranges) <= 40 else [EVERY_KEY]


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'
