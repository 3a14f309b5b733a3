"""The list, its counts, search and the live name probe are answered through indexes.

Each request's queries are captured and explained. PostgreSQL is told to avoid
sequential scans, so a Seq Scan in a plan means no index can answer that query; SQLite
must SEARCH the project table through an index and never sort it in a temporary B-tree.
"""

import re
import uuid
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.models import Project, ProjectStatus, Role
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    R4AccountFactory,
    TeamFactory,
    connect_devkit4ai,
)

PRINT = False
HX = {"HTTP_HX_REQUEST": "true"}


def plans(queries) -> list[str]:
    explained = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")
        for query in queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or "dashboard_project" not in sql:
                continue
            prefix = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
            cursor.execute(prefix + sql)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            explained.append(f"{sql}\n{plan}")
        if connection.vendor == "postgresql":
            cursor.execute("RESET enable_seqscan")
    return explained


def full_scans(plan: str) -> list[str]:
    if connection.vendor == "postgresql":
        return re.findall(r"Seq Scan on dashboard_project\b(?!tally)", plan)
    table_scan = re.findall(r"SCAN dashboard_project\b(?!_fts|tally)(?! USING)", plan)
    # Sorting is fine for the few rows fetched by their ids, never for a range.
    by_ids = re.search(r"SEARCH dashboard_project USING .*\browid=\?\)", plan)
    sorts = re.findall(r"USE TEMP B-TREE FOR (?:RIGHT PART OF )?ORDER BY", plan)
    return table_scan + ([] if by_ids else sorts)


@pytest.fixture
def lists(client, member, team):
    """4,000 projects in four teams, two of them the member's, with statistics, so plans
    are those of a real table."""
    second = TeamFactory(name="Second")
    MembershipFactory(user=member, team=second, role=Role.MEMBER)
    statuses = [ProjectStatus.CREATED] * 8 + [ProjectStatus.FAILED, ProjectStatus.UNKNOWN]
    teams = (team, second, TeamFactory(name="Other"), TeamFactory(name="Another"))
    for account in (R4AccountFactory(team=t) for t in teams):
        Project.objects.bulk_create(
            ProjectFactory.build(
                account=account,
                name=f"Service {i} - env",
                remote_id=f"{account.pk:04x}{i:020x}",
                status=statuses[i % 10],
            )
            for i in range(1000)
        )
    client.force_login(member)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return client


SHAPES = {
    "default": {},
    "vendor": {"vendor": "r4"},
    "status": {"status": "created"},
    "sort by name": {"sort": "name"},
    "sort by status": {"sort": "-status"},
    "search": {"q": "Service 42"},
    "search, a common term": {"q": "Service"},
    "search with a whole word": {"q": "Service 42 -"},
    "search by remote id": {"q": f"{1:04x}{3:020x}"},
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_list_uses_indexes(lists, shape, monkeypatch):
    from dashboard.listing import search

    monkeypatch.setattr(search, "CANDIDATES", 100)  # "Service" is then a common term
    with CaptureQueriesContext(connection) as first:
        html = lists.get(reverse("dashboard:project_list"), SHAPES[shape], **HX).content.decode()
    captured = list(first.captured_queries)
    following = re.search(r'href="\?([^"]*after=[^"]+)"', unescape(html))
    if following:  # the next page too
        with CaptureQueriesContext(connection) as deeper:
            lists.get(reverse("dashboard:project_list") + "?" + unescape(following.group(1)), **HX)
        captured += deeper.captured_queries
    explained = plans(captured)
    assert explained, "no project query was captured"
    if PRINT:
        print("\n\n".join(explained))
    assert [p for p in explained if full_scans(p)] == []


def test_the_live_name_probe_uses_an_index(client, member, owner, team, sandbox):
    account = connect_devkit4ai(team, owner, sandbox)
    ProjectFactory.create_batch(5, account=account)
    client.force_login(member)
    data = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "name": "Project 1"}
    with CaptureQueriesContext(connection) as captured:
        client.post(reverse("dashboard:project_validate"), data | {"_field": "name"}, **HX)
    probe = [p for p in plans(captured.captured_queries) if "UPPER" in p]
    assert len(probe) == 1 and full_scans(probe[0]) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN indexes")
@pytest.mark.django_db
def test_search_indexes_keep_no_pending_list():
    """A GIN pending list is read whole by every search until a vacuum merges it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s) ORDER BY relname",
            [["project_name_trigram", "project_name_words"]],
        )
        rows = cursor.fetchall()
    assert rows == [
        ("project_name_trigram", ["fastupdate=off"]),
        ("project_name_words", ["fastupdate=off"]),
    ]
