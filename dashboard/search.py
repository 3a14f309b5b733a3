"""Project search by name (any part, any case) or exact remote id, through an index.

PostgreSQL: a trigram GIN index on UPPER(name) serves Django's `icontains`; GIN's fast
scan skips through the common trigrams using the rare ones.

SQLite: an FTS5 table with the trigram tokenizer (migration 0011, kept by triggers).
FTS5 reads every trigram's whole list, and in names that all start "Service" the common
ones hold every row, so a search would grow with the table. Instead each trigram's list
is counted up to PROBE_LIMIT (a bounded cost: fts5vocab would read whole lists), the
rarest few are intersected, and the candidates' names are checked for the whole term in
Python (full Unicode case folding). When every trigram of the term is common (over
PROBE_LIMIT names each), or the candidates number over CANDIDATES, the term is matched
by LIKE while walking the list's index instead, which finds a page of matches quickly
but counts them slowly. Terms under three characters have no trigram and take that
path too. That fallback is the honest limit of SQLite here; PostgreSQL has no such case.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

PROBE_LIMIT = 20_000
CANDIDATES = 5000
RAREST = 3  # trigrams intersected per search


def matching(term: str) -> Q:
    plain = Q(name__icontains=term) | Q(remote_id=term)
    if connection.vendor != "sqlite" or len(term) < 3:
        return plain
    ids = _rare_term_ids(term)
    return plain if ids is None else Q(pk__in=ids)


def _rare_term_ids(term: str) -> list[int] | None:
    """Ids of the projects whose name holds `term` (or whose remote id is it); None when
    the term is too common to list that way."""
    grams = {term[i : i + 3] for i in range(len(term) - 2)}
    with connection.cursor() as cursor:
        counts = _names_holding(cursor, sorted(grams))
        # ASCII folds the same here and in SQLite: an ASCII trigram no name holds means
        # no name holds the term. (Other scripts may fold differently: then not used.)
        if any(gram.isascii() and n == 0 for gram, n in counts.items()):
            candidates = []
        else:
            rarest = sorted((n, gram) for gram, n in counts.items() if n)
            if not rarest or rarest[0][0] > PROBE_LIMIT:
                return None
            phrase = " AND ".join(_quoted(gram) for _, gram in rarest[:RAREST])
            cursor.execute(
                "SELECT p.id, p.name FROM dashboard_project_fts f "
                "JOIN dashboard_project p ON p.id = f.rowid "
                "WHERE dashboard_project_fts MATCH %s LIMIT %s",
                [phrase, CANDIDATES + 1],
            )
            candidates = cursor.fetchall()
            if len(candidates) > CANDIDATES:
                return None
        cursor.execute("SELECT id FROM dashboard_project WHERE remote_id = %s", [term])
        by_remote_id = [row[0] for row in cursor.fetchall()]
    wanted = term.casefold()
    return [pk for pk, name in candidates if wanted in name.casefold()] + by_remote_id


def _names_holding(cursor, grams: list[str]) -> dict[str, int]:
    """How many names hold each trigram, counted no further than PROBE_LIMIT + 1, in one
    round trip."""
    probe = (
        "(SELECT count(*) FROM (SELECT rowid FROM dashboard_project_fts "
        "WHERE dashboard_project_fts MATCH %s LIMIT %s))"
    )
    cursor.execute(
        "SELECT " + ", ".join([probe] * len(grams)),
        [value for gram in grams for value in (_quoted(gram), PROBE_LIMIT + 1)],
    )
    return dict(zip(grams, cursor.fetchone(), strict=True))


def _quoted(gram: str) -> str:
    return '"' + gram.replace('"', '""') + '"'
