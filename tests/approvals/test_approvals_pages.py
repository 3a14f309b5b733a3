"""The Approvals page a page at a time, oldest first: every held request is reachable, none
twice, and a token the page did not make is the first page."""

import html
import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.models import Project, ProjectStatus
from dashboard.views.approvals import PAGE_SIZE

pytestmark = pytest.mark.django_db
PAGE = reverse("dashboard:approvals")
DASH = "\u2013"  # the en dash of "Requests 1 to 50" on the page


def _names(html: str) -> list[str]:
    return re.findall(r'id="approval-[^"]+-title"><a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def held(team, r4_account, member):
    now = timezone.now()
    count = PAGE_SIZE + 7
    Project.objects.bulk_create(
        Project(
            team=team,
            account=r4_account,
            vendor=r4_account.vendor,
            name=f"prod-{i:03}",
            payload={"name": f"prod-{i:03}"},
            idempotency_key=uuid.uuid4(),
            status=ProjectStatus.AWAITING,
            created_by=member,
            # Two at each moment: the order must still give every row one place.
            created_at=now - timedelta(minutes=count - i // 2),
        )
        for i in range(count)
    )
    return [f"prod-{i:03}" for i in range(count)]


def test_two_pages_show_every_request_once_oldest_first(client, approver, held):
    client.force_login(approver)
    first = client.get(PAGE).content.decode()
    assert _names(first) == held[:PAGE_SIZE]
    assert f"Requests 1{DASH}{PAGE_SIZE} of {len(held)}, oldest first." in first
    following = re.search(r'href="(/approvals/\?after=[^"]+)">Next', first).group(1)
    second = client.get(html.unescape(following)).content.decode()
    assert _names(second) == held[PAGE_SIZE:]
    assert f"Requests {PAGE_SIZE + 1}{DASH}{len(held)} of {len(held)}" in second
    assert "Next →" not in second and second.count('href="/approvals/">← Oldest') == 1


def test_one_page_needs_no_pager(client, approver, r4_account, member, team):
    client.force_login(approver)
    assert f"Requests 1{DASH}" not in client.get(PAGE).content.decode()


@pytest.mark.parametrize("token", ["junk", "x" * 5000, "\x00", "after:1"])
def test_a_token_the_page_did_not_make_is_the_first_page(client, approver, held, token):
    client.force_login(approver)
    answer = client.get(PAGE, {"after": token})
    assert answer.status_code == 200
    assert _names(answer.content.decode()) == held[:PAGE_SIZE]


def test_an_outsider_sees_none_of_it(client, held, outsider):
    client.force_login(outsider)
    assert _names(client.get(PAGE).content.decode()) == []
