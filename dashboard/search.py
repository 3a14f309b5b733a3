"""Project search by name (any part, any case) or exact remote id, through an index.

PostgreSQL: a trigram GIN index on UPPER(name), which serves Django's `icontains`; the
planner weighs it against walking the list's index by its statistics.
SQLite: an FTS5 table with the trigram tokenizer, kept by triggers (migration 0011),
which answers LIKE '%…%' for three characters or more. SQLite can't weigh a subquery,
so a rare term (at most RARE matches) becomes a list of ids, read by primary key, and a
common one is a subquery probed while walking the list's index, which quickly finds a
page of matches. Shorter terms, or terms holding LIKE's own wildcards, fall back to
scanning the team's names: honest, and rare.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

RARE = 500
# Constant SQL; the term and the limit are parameters.
MATCHING_IDS = (
    "SELECT rowid FROM dashboard_project_fts WHERE name LIKE %s "
    "UNION SELECT id FROM dashboard_project WHERE remote_id = %s"
)


def matching(term: str) -> Q:
    if connection.vendor == "sqlite" and _fts_can_answer(term):
        params = [f"%{term}%", term]
        with connection.cursor() as cursor:
            cursor.execute(f"{MATCHING_IDS} LIMIT %s", [*params, RARE + 1])
            ids = [row[0] for row in cursor.fetchall()]
        if len(ids) <= RARE:
            return Q(pk__in=ids)
        return Q(pk__in=RawSQL(MATCHING_IDS, params))  # noqa: S611
    return Q(name__icontains=term) | Q(remote_id=term)


def _fts_can_answer(term: str) -> bool:
    return len(term) >= 3 and not any(c in term for c in "%_\\")
