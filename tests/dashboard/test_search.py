"""Search by any part of a name, in any case, or by exact remote id, through indexes."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.listing import search
from dashboard.models import Project
from tests.factories import ProjectFactory, R4AccountFactory, TeamFactory

HX = {"HTTP_HX_REQUEST": "true"}
NAMES = [
    *("Alpha one", "ALPHA two", "Beta alpha", "Café Noir", "CAFÉ au lait", "50% off"),
    *("a_b literal", "axb decoy", "500 off"),
    *("Build 42 - blue", "build 420 - red", "Rebuild 42 -x", "Build 42-not spaced"),
]


def found_names(client, term: str) -> set[str]:
    html = client.get(reverse("dashboard:project_list"), {"q": term}, **HX).content.decode()
    return set(
        re.findall(r'/projects/[0-9a-f-]{36}/" hx-boost="false">([^<]+)</a>', unescape(html))
    )


@pytest.fixture
def named(client, member, team):
    account = R4AccountFactory(team=team)
    for name in NAMES:
        ProjectFactory(account=account, name=name)
    ProjectFactory(account=account, name="By remote id", remote_id="0123456789abcdef01234567")
    # Another team's projects with the same names are never found.
    outsider = R4AccountFactory(team=TeamFactory(name="Outsiders"))
    for name in NAMES:
        ProjectFactory(account=outsider, name=name)
    client.force_login(member)
    return client


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("alpha", {"Alpha one", "ALPHA two", "Beta alpha"}),
        ("pha t", {"ALPHA two"}),
        ("café", {"Café Noir", "CAFÉ au lait"}),
        ("50%", {"50% off"}),
        ("a_b", {"a_b literal"}),
        ("zzz", set()),
        ("al", {"Alpha one", "ALPHA two", "Beta alpha", "a_b literal"}),  # no trigram
        ("0123456789abcdef01234567", {"By remote id"}),
        # Whole words ("42") through the word index, then the whole term checked.
        ("BUILD 42 -", {"Build 42 - blue", "Rebuild 42 -x"}),
        ("ld 42 - b", {"Build 42 - blue"}),
        ("Build 43 -", set()),
        ("d 42-n", {"Build 42-not spaced"}),
    ],
)
def test_search_finds_any_part_of_a_name_in_any_case(named, term, expected):
    assert found_names(named, term) == expected


@pytest.mark.parametrize(
    ("term", "words"),
    [
        ("Service 42 -", ["42"]),
        ("a Big Word b", ["big", "word"]),
        ("Service 42", []),  # the last word may go on in a name ("420")
        ("42 -", []),  # the first may start earlier ("142")
        ("x é42 y", []),  # a letter beside it that isn't ASCII: not a separator here
        ("x_42_y", ["42"]),
        ("", []),
    ],
)
def test_whole_words_are_those_bounded_inside_the_term(term, words):
    assert search.whole_words(term) == words


def test_a_term_with_a_whole_word_is_answered_by_the_word_index(named):
    with CaptureQueriesContext(connection) as captured:
        assert found_names(named, "Build 42 -") == {"Build 42 - blue", "Rebuild 42 -x"}
    sql = "\n".join(q["sql"] for q in captured.captured_queries)
    assert ("dashboard_project_words" in sql) or ("regexp_split_to_array" in sql)
    assert "LIKE" not in sql  # no walk of the list's index


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 word table")
def test_sqlite_looks_up_only_the_rarest_word(named, team, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 8)
    account = R4AccountFactory(team=team)
    for n in range(10):  # "tone" in more names than CANDIDATES; "42" in fewer
        ProjectFactory(account=account, name=f"Deploy {n} tone - x")
    ProjectFactory(account=account, name="Ship 42 tone - z")
    assert search.whole_words("p 42 tone -") == ["42", "tone"]
    with CaptureQueriesContext(connection) as captured:
        assert found_names(named, "p 42 tone -") == {"Ship 42 tone - z"}
    lookups = [
        q["sql"]
        for q in captured.captured_queries
        if "dashboard_project_words MATCH" in q["sql"] and "count(*)" not in q["sql"]
    ]
    assert len(lookups) == 1 and '"42"' in lookups[0] and "tone" not in lookups[0]


def test_too_many_candidates_fall_back_and_still_find_everything(named, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 1)
    assert found_names(named, "Build 42 -") == {"Build 42 - blue", "Rebuild 42 -x"}
    assert found_names(named, "alpha") == {"Alpha one", "ALPHA two", "Beta alpha"}


def test_renamed_and_deleted_projects_leave_the_word_index(named, team):
    project = Project.objects.get(team=team, name="Build 42 - blue")
    project.name = "Build 44 - blue"
    project.save(update_fields=["name"])
    Project.objects.filter(team=team, name="Rebuild 42 -x").delete()
    assert found_names(named, "Build 42 -") == set()
    assert found_names(named, "Build 44 -") == {"Build 44 - blue"}


def test_a_project_moved_to_another_team_is_found_there_only(named, team, member):
    """SQLite's search tables key each name by its team: the triggers follow a move."""
    from tests.factories import MembershipFactory

    elsewhere = TeamFactory(name="Elsewhere")
    moved = Project.objects.get(team=team, name="Build 42 - blue")
    moved.team = elsewhere
    moved.save(update_fields=["team"])
    assert found_names(named, "Build 42 -") == {"Rebuild 42 -x"}
    member.memberships.filter(team=team).delete()
    MembershipFactory(user=member, team=elsewhere)
    assert found_names(named, "Build 42 -") == {"Build 42 - blue"}  # the word table
    assert found_names(named, "uild 42") == {"Build 42 - blue"}  # the trigram table


@pytest.mark.parametrize(
    ("teams", "ranges"),
    [
        ([3], [(3 << 40, (4 << 40) - 1)]),
        ([2, 1, 4], [(1 << 40, (3 << 40) - 1), (4 << 40, (5 << 40) - 1)]),
        (list(range(1, 200, 2)), [(-(1 << 63), (1 << 63) - 1)]),  # too many: every key
        ([1, 1 << 23], [(-(1 << 63), (1 << 63) - 1)]),  # a team id past the keys' room
    ],
)
def test_a_users_teams_are_few_rowid_ranges_of_the_search_tables(teams, ranges):
    assert search._team_ranges(teams) == ranges


def test_a_user_in_no_team_searches_and_finds_nothing(client, named):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    for term in ("Build 42 -", "uild 42", "al"):
        response = client.get(reverse("dashboard:project_list"), {"q": term}, **HX)
        assert response.status_code == 200
        assert "No projects match these filters" in response.content.decode()


def test_a_team_id_past_the_search_keys_room_is_still_searched(client, member):
    """Its keys wrap past 2**63 in SQLite; the search then reads one full range."""
    from tests.factories import MembershipFactory

    huge = TeamFactory(id=(1 << 23) + 5, name="Huge")
    MembershipFactory(user=member, team=huge)
    ProjectFactory(account=R4AccountFactory(team=huge), name="Build 42 - huge")
    client.force_login(member)
    assert found_names(client, "Build 42 -") == {"Build 42 - huge"}
    assert found_names(client, "uild 42") == {"Build 42 - huge"}


def rows_each_query_read(captured) -> list[int]:
    """How many rows each captured SELECT on the projects returned (run again to count)."""
    counts = []
    with connection.cursor() as cursor:
        for query in captured:
            if query["sql"].startswith("SELECT") and "dashboard_project" in query["sql"]:
                cursor.execute(query["sql"])
                counts.append(len(cursor.fetchall()))
    return counts


@pytest.fixture
def common(client, member, team, monkeypatch):
    """60 of 160 names hold "nightly": more than a page, and (as WALK_FROM is lowered here)
    too common for SQLite to read whole."""
    monkeypatch.setattr(search, "WALK_FROM", 10, raising=False)
    account = R4AccountFactory(team=team)
    Project.objects.bulk_create(
        ProjectFactory.build(
            account=account, name=f"Job {i}" + (" nightly" if i % 8 < 3 else " weekly")
        )
        for i in range(160)
    )
    client.force_login(member)
    return client


def test_a_common_term_reads_a_page_of_matches_not_all_of_them(common):
    """Item 18: a word in many names grew with them (every match read, to order or count
    it). Its first page comes from walking the list; no query returns more than a page."""
    with CaptureQueriesContext(connection) as captured:
        html = common.get(reverse("dashboard:project_list"), {"q": "nightly"}).content.decode()
    assert max(rows_each_query_read(captured.captured_queries)) <= 26
    assert len(re.findall(r'hx-boost="false">Job \d+ nightly</a>', html)) == 25
    # Counted no further than the page: honest, and no per-vendor or status counts.
    assert "<strong>25+</strong> projects" in html
    assert "Page 1 (more than 25 projects)" in html
    assert '<a class="count"' not in html and '<a class="badge' not in html


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's bounded walk")
def test_a_walk_that_ends_without_its_page_leaves_the_term_to_the_index(
    client, member, team, monkeypatch
):
    """The word is in more names than WALK_FROM, but none of them is among the newest WALK
    rows: the walk stops there, and the index finds every match, counted exactly."""
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(search, "WALK_FROM", 5, raising=False)
    monkeypatch.setattr(search, "WALK", 50, raising=False)
    account = R4AccountFactory(team=team)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    for i in range(8):
        ProjectFactory(account=account, name=f"Old {i} nightly", created_at=long_ago)
    Project.objects.bulk_create(
        ProjectFactory.build(account=account, name=f"New {i}") for i in range(100)
    )
    client.force_login(member)
    html = client.get(reverse("dashboard:project_list"), {"q": "nightly"}).content.decode()
    assert found_names(client, "nightly") == {f"Old {i} nightly" for i in range(8)}
    assert "<strong>8</strong> projects" in html
