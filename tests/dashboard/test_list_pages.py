"""The list pages through keys, not offsets: every project once, in order, both ways."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard import listing
from dashboard.models import Project, ProjectStatus, Role
from tests.factories import MembershipFactory, ProjectFactory, R4AccountFactory, TeamFactory

HX = {"HTTP_HX_REQUEST": "true"}
ROW = re.compile(r'<a href="/projects/([0-9a-f-]{36})/"')
NEXT = re.compile(r'href="\?([^"]*after=[^"]+)"')
PREVIOUS = re.compile(r'href="\?([^"]*before=[^"]+)"')


@pytest.fixture
def crowd(team, member):
    """60 projects in two teams, with shared names, statuses and creation times (ties)."""
    second = TeamFactory(name="Second")
    MembershipFactory(user=member, team=second, role=Role.VIEWER)
    accounts = [R4AccountFactory(team=team), R4AccountFactory(team=second)]
    moment = timezone.now() - datetime.timedelta(days=1)
    statuses = [ProjectStatus.CREATED, ProjectStatus.FAILED, ProjectStatus.UNKNOWN]
    for i in range(60):
        ProjectFactory(
            account=accounts[i % 2],
            name=f"Name {i % 7}",
            status=statuses[i % 3],
            created_at=moment + datetime.timedelta(minutes=i // 4),
        )
    return Project.objects.filter(team__in=[team, second])


def walk(client, params, pattern):
    """Every project reference on every page, following one kind of link to the end."""
    seen, query, pages = [], params, 0
    while True:
        html = unescape(
            client.get(reverse("dashboard:project_list") + "?" + query, **HX).content.decode()
        )
        seen.append(ROW.findall(html))
        pages += 1
        found = pattern.search(html)
        if not found or pages > 10:
            return seen
        query = found.group(1)


@pytest.mark.parametrize("sort", list(listing.SORTS))
def test_every_project_appears_once_in_the_databases_order(client, member, crowd, sort):
    client.force_login(member)
    expected = [
        str(r)
        for r in crowd.order_by(*listing.SORTS[sort].fields()).values_list("reference", flat=True)
    ]
    pages = walk(client, f"sort={sort}", NEXT)
    assert [len(p) for p in pages] == [25, 25, 10]
    assert [ref for page in pages for ref in page] == expected
    # ...and back again from the last page
    last = client.get(
        reverse("dashboard:project_list") + "?" + f"sort={sort}", **HX
    ).content.decode()
    html = unescape(last)
    for _ in range(2):
        html = unescape(
            client.get(
                reverse("dashboard:project_list") + "?" + NEXT.search(html).group(1), **HX
            ).content.decode()
        )
    back = walk(client, PREVIOUS.search(html).group(1), PREVIOUS)
    assert [ref for page in reversed(back) for ref in page] == expected[:50]
    assert (
        "Page 1 of 3 (60 projects)"
        in client.get(reverse("dashboard:project_list"), {"sort": sort}).content.decode()
    )


def test_a_deep_page_costs_the_queries_of_the_first(
    client, member, crowd, django_assert_max_num_queries
):
    client.force_login(member)
    first = client.get(reverse("dashboard:project_list"), {"sort": "status"}, **HX).content.decode()
    second = unescape(NEXT.search(unescape(first)).group(1))
    with CaptureQueriesContext(connection) as on_first:
        client.get(reverse("dashboard:project_list"), {"sort": "status"}, **HX)
    with CaptureQueriesContext(connection) as deeper:
        client.get(reverse("dashboard:project_list") + "?" + second, **HX)
    assert len(on_first) <= len(deeper) <= len(on_first) + 2  # a second range at a group's end
    assert not any("OFFSET" in q["sql"].upper() for q in deeper.captured_queries)


@pytest.mark.parametrize("token", ["x", "a" * 3000, "eyJhIjoxfQ:1:bad", "\x00"])
def test_a_forged_or_foreign_page_token_shows_the_first_page(client, member, crowd, token):
    client.force_login(member)
    html = client.get(reverse("dashboard:project_list"), {"after": token}).content.decode()
    assert "Page 1 of 3" in html
    other_sort = NEXT.search(
        unescape(client.get(reverse("dashboard:project_list"), {"sort": "name"}).content.decode())
    ).group(1)
    token = re.search(r"after=([^&]+)", other_sort).group(1)
    html = client.get(
        reverse("dashboard:project_list") + f"?sort=status&after={token}"
    ).content.decode()
    assert "Page 1 of 3" in html  # a token made for another sort is not followed


def test_counts_for_a_search_are_exact_when_known_else_more_than_a_page(
    client, member, team, monkeypatch
):
    """A search counts what it found: every match when it read them whole or they fit on
    the first page; otherwise only that there are more than a page (item 18: counting a
    common term's thousands of matches grew with the list; it showed "1000+")."""
    from dashboard.listing import search

    account = R4AccountFactory(team=team)
    for i in range(30):
        ProjectFactory(account=account, name=f"The searchable / {i}")
    client.force_login(member)
    # A whole word ("searchable") finds the 30 matches through the word index: all counted.
    html = client.get(reverse("dashboard:project_list"), {"q": "e searchable /"}).content.decode()
    assert "<strong>30</strong> projects" in html and "Page 1 of 2 (30 projects)" in html
    monkeypatch.setattr(search, "CANDIDATES", 3)  # too many to read whole
    html = client.get(reverse("dashboard:project_list"), {"q": "e searchable /"}).content.decode()
    assert "<strong>25+</strong> projects" in html and "Page 1 (more than 25 projects)" in html
    html = client.get(reverse("dashboard:project_list"), {"q": "e searchable / 2"}).content.decode()
    assert "<strong>11</strong> projects" in html  # 2, 20-29: they fit on the page


@pytest.mark.parametrize("teams", [1, 4])
def test_the_list_costs_a_fixed_number_of_queries(client, member, team, teams):
    """However many projects and teams: session, user, teams, tallies, every team's id
    range in one query, the rows, the filter form. Pinned, so a per-row query shows up."""
    for extra in range(teams - 1):
        MembershipFactory(user=member, team=TeamFactory(name=f"Extra {extra}"), role=Role.VIEWER)
    client.force_login(member)
    counts = []
    for size in (10, 100):
        ProjectFactory.create_batch(size, account=R4AccountFactory(team=team), status="created")
        for params in ({}, {"sort": "name", "status": "created"}):
            with CaptureQueriesContext(connection) as captured:
                client.get(reverse("dashboard:project_list"), params)
            counts.append(len(captured.captured_queries))
    assert counts == [10] * 4


@pytest.mark.parametrize("sort", list(listing.SORTS))
def test_a_search_pages_through_its_matches_in_the_databases_order(client, member, crowd, sort):
    """The first page comes from the matches as the search read them (in the list's order,
    with no query of its own); the next from the keys. Across two teams, with ties."""
    client.force_login(member)
    for project in crowd.filter(name__in=["Name 1", "Name 2", "Name 3", "Name 4"]):
        project.name = f"Build x / {project.name[-1]}"  # "x": a whole word of "d x /"
        project.save(update_fields=["name"])
    matches = crowd.filter(name__startswith="Build ")
    expected = [
        str(r)
        for r in matches.order_by(*listing.SORTS[sort].fields()).values_list("reference", flat=True)
    ]
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("dashboard:project_list"), {"q": "d x /", "sort": sort}, **HX)
    # session, user, teams, (SQLite: the word probe), matches, by remote id, rows, can create
    assert len(captured) == 7 + (connection.vendor == "sqlite")
    pages = walk(client, f"q=d+x+/&sort={sort}", NEXT)
    assert [len(p) for p in pages] == [25, len(expected) - 25]
    assert [ref for page in pages for ref in page] == expected


@pytest.mark.parametrize("sort", list(listing.SORTS))
def test_a_common_term_pages_through_its_matches_in_the_databases_order(
    client, member, team, sort, monkeypatch
):
    """Item 18: a term too common to read whole has its first page found by walking each
    team's list; the next pages come from the keys. Two teams, ties, every sort."""
    from dashboard.listing import search

    monkeypatch.setattr(search, "WALK_FROM", 3, raising=False)
    second = TeamFactory(name="Second")
    MembershipFactory(user=member, team=second, role=Role.VIEWER)
    moment = timezone.now() - datetime.timedelta(days=1)
    statuses = [ProjectStatus.CREATED, ProjectStatus.FAILED, ProjectStatus.UNKNOWN]
    for account in (R4AccountFactory(team=team), R4AccountFactory(team=second)):
        Project.objects.bulk_create(
            ProjectFactory.build(
                account=account,
                name=f"Name {i % 7}" + (" nightly" if i % 4 else ""),
                status=statuses[i % 3],
                created_at=moment + datetime.timedelta(minutes=i // 4),
            )
            for i in range(40)
        )
    matches = Project.objects.filter(name__endswith=" nightly")
    expected = [
        str(r)
        for r in matches.order_by(*listing.SORTS[sort].fields()).values_list("reference", flat=True)
    ]
    client.force_login(member)
    pages = walk(client, f"q=nightly&sort={sort}", NEXT)
    assert [len(p) for p in pages] == [25, 25, 10]
    assert [ref for page in pages for ref in page] == expected
