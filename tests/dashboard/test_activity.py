"""The team's activity feed: the audit trail, filterable by kind, person and vendor."""

import pytest
from django.urls import reverse

from dashboard import services
from tests.factories import ProjectFactory, connect_devkit4ai


@pytest.fixture
def history(team, owner, member, r4_account, sandbox):
    services.account_verify(account=r4_account, user=owner)
    project = ProjectFactory(account=r4_account, created_by=member, name="Feed project")
    services.audit_record(
        team=team, actor=member, action="project.requested", target=project, summary="Asked."
    )
    connect_devkit4ai(team, owner, sandbox)


def test_the_feed_shows_the_teams_events_and_filters_them(client, history, member, owner):
    client.force_login(member)
    url = reverse("dashboard:activity")
    page = client.get(url).content.decode()
    assert "Account verified" in page and "Project create requested" in page
    assert "Account connected" in page
    kind = client.get(url, {"kind": "project"}).content.decode()
    assert "Project create requested" in kind and "Account verified" not in kind
    person = client.get(url, {"person": owner.pk}).content.decode()
    assert "Account verified" in person and "Project create requested" not in person
    vendor = client.get(url, {"vendor": "devkit4ai"}).content.decode()
    assert "Account connected" in vendor and "Account verified" not in vendor
    assert "Clear filters" in vendor


def test_an_outsider_sees_none_of_it_and_junk_filters_are_ignored(client, history, outsider):
    client.force_login(outsider)
    url = reverse("dashboard:activity")
    assert "Account verified" not in client.get(url).content.decode()
    junk_filters = ({"person": "²"}, {"person": "9" * 40}, {"kind": "\x00"}, {"vendor": "x\x00"})
    for junk in junk_filters:
        assert client.get(url, junk).status_code == 200
