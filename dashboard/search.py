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
3. Otherwise Django's `icontains`: on PostgreSQL through a trigram GIN index on
   UPPER(name); on SQLite by LIKE while walking the list's index, which finds a page of
   matches quickly but counts them slowly. That is SQLite's honest limit: a term under
   three characters, or one whose words are partial and whose trigrams are all common
   ("Service 4").

More than CANDIDATES candidates also falls through to the next step. The word index knows
ASCII words only; a name that spells one with a look-alike letter folding to ASCII (the
Kelvin sign) is found by the other steps but not by this one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from .models import Project

CANDIDATES = 5000
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
    """A search's condition on the list, and when the matches were read whole (at most
    CANDIDATES), each one's (vendor, status), so counting them needs no other query."""

    condition: Q
    groups: list[tuple[str, str]] | None = None
    in_order: list[int] | None = None  # the matches' ids in the order of the projects


def find(term: str, projects: QuerySet[Project], team_ids: list[int]) -> Found:
    """Search among `projects`, the teams' projects with the list's other filters applied,
    in the list's order: matches read whole are read in it, so the first page needs no
    query of its own."""
    candidates = _by_whole_words(term, projects, team_ids)
    if candidates is None and connection.vendor == "sqlite" and len(term) >= 3:
        candidates = _by_rare_trigrams(term, projects, team_ids)
    if candidates is None:
        return Found(Q(name__icontains=term) | Q(remote_id=term))
    wanted = term.casefold()
    found = {row[0]: row for row in candidates if wanted in row[1].casefold()}
    by_remote_id = _candidates(projects.filter(remote_id=term).order_by()) or []
    in_order = list(found)
    if any(row[0] not in found for row in by_remote_id):
        found |= {row[0]: row for row in by_remote_id}
        in_order = None  # two lists, each in order: the page query orders them
    return Found(
        Q(pk__in=_as_one_parameter(list(found))),
        [(vendor, status) for _, _, vendor, status in found.values()],
        in_order,
    )


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


def _by_whole_words(term: str, projects: QuerySet[Project], team_ids) -> list[tuple] | None:
    words = whole_words(term)
    if not words:
        return None
    if connection.vendor == "postgresql":
        holding = RawSQL(POSTGRES_HOLDS_WORDS, [words], BooleanField())  # noqa: S611
        return _candidates(projects.filter(holding))
    return _by_rarest(SQLITE_WORDS, words, projects, team_ids, use=1)


def _by_rare_trigrams(term: str, projects: QuerySet[Project], team_ids) -> list[tuple] | None:
    grams = sorted({term[i : i + 3] for i in range(len(term) - 2)})
    return _by_rarest(SQLITE_TRIGRAMS, grams, projects, team_ids, use=RAREST)


def _by_rarest(
    table: str, tokens: list[str], projects: QuerySet[Project], team_ids, *, use: int
) -> list[tuple] | None:
    """Candidates holding the `use` rarest of the tokens every matching name holds, found
    in the teams' ranges of an FTS5 table. Only the rarest: a common token in the match
    ("env" in every name) would make SQLite walk its whole list."""
    teams = _team_ranges(team_ids)
    if not teams:  # a user in no team
        return []
    with connection.cursor() as cursor:
        counts = _names_holding(cursor, table, tokens, teams)
    # ASCII folds the same here and in SQLite: an ASCII token no name holds means
    # no name holds the term. (Other scripts may fold differently: then not used.)
    if any(token.isascii() and n == 0 for token, n in counts.items()):
        return []
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


def _names_holding(cursor, table: str, tokens: list[str], teams) -> dict[str, int]:
    """How many of the teams' names hold each token, counted no further than CANDIDATES + 1
    (fts5vocab would read whole lists), in one round trip."""
    probes, params = [], []
    for token in tokens:
        sql, holding_params = _holding(table, _quoted(token), teams)
        probes.append(f"(SELECT count(*) FROM ({sql} LIMIT %s))")  # noqa: S608
        params += [*holding_params, CANDIDATES + 1]
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
