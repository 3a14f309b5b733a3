"""Project search by name (any part, any case) or exact remote id, through an index.

PostgreSQL: a trigram GIN index on UPPER(name) serves Django's `icontains`; GIN's fast
scan skips through the common trigrams using the rare ones.

SQLite: an FTS5 table with the trigram tokenizer (migration 0011, kept by triggers).
FTS5 reads every trigram's whole list, and in names that all start "Service" the common
ones hold every row, so a search would grow with the table. Instead the vocabulary says
how many names hold each trigram; the rarest few are looked up, and the candidates'
names are checked for the whole term in Python (full Unicode case folding). A term that
is common after all (over CANDIDATES names) is matched by LIKE while walking the list's
index, which finds a page of matches quickly. Terms under three characters have no
trigram and take that path too: honest, and rare.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

CANDIDATES = 5000
RAREST = 3  # trigrams looked up per search


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
        counts = _document_counts(cursor, grams)
        # ASCII folds the same here and in SQLite: an ASCII trigram no name holds means
        # no name holds the term. (Other scripts may fold differently: just not used.)
        if any(g.isascii() and g.lower() not in counts for g in grams):
            candidates = []
        else:
            rarest = sorted((counts[g.lower()], g) for g in grams if g.lower() in counts)
            if not rarest or rarest[0][0] > CANDIDATES:
                return None
            phrase = " AND ".join('"' + g.replace('"', '""') + '"' for _, g in rarest[:RAREST])
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


def _document_counts(cursor, grams: set[str]) -> dict[str, int]:
    lowered = sorted({g.lower() for g in grams})
    marks = ", ".join(["%s"] * len(lowered))
    cursor.execute(
        f"SELECT term, doc FROM dashboard_project_fts_vocab WHERE term IN ({marks})",  # noqa: S608
        lowered,
    )
    return dict(cursor.fetchall())
