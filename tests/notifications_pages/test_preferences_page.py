"""The Notifications page: for each of a person's teams, the events they get by email (an
admin's defaults ticked until they choose), and a daily digest instead; their own choice
only, for teams they are in."""

import re

import pytest
from django.urls import reverse

from dashboard.models import EventType, NotificationPreference
from tests.factories import MembershipFactory
from tests.notifications_pages.made import HX

pytestmark = pytest.mark.django_db

PAGE = reverse("dashboard:notification_preferences")


def _tag(html: str, name: str, value: str = "") -> str:
    where = f'name="{name}"' + (f' value="{value}"' if value else "")
    found = re.search(rf"<input[^>]*{re.escape(where)}[^>]*>", html)
    assert found, where
    return found.group(0)


def _ticked(html: str, team, value: str) -> bool:
    return " checked" in _tag(html, f"team-{team.pk}-event_types", value)


def _save(client, team, *, htmx=False, event_types=(), digest=False):
    data = {"team": str(team.pk), f"team-{team.pk}-event_types": list(event_types)}
    if digest:
        data[f"team-{team.pk}-digest"] = "on"
    return client.post(PAGE, data, **(HX if htmx else {}))


def test_the_user_menu_leads_to_the_page(client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("dashboard:project_list")).content.decode()
    assert page.count(f'href="{PAGE}"') == 1


def test_an_admin_sees_the_admin_defaults_ticked(client, owner, team):
    client.force_login(owner)
    html = client.get(PAGE).content.decode()
    assert html.count(f'id="preferences-{team.pk}"') == 1
    assert _ticked(html, team, EventType.ACCOUNT_NEEDS_CREDENTIALS)
    assert _ticked(html, team, EventType.PROJECT_OUTCOME_UNKNOWN)
    assert not _ticked(html, team, EventType.PROJECT_CREATED)
    assert EventType.WEBHOOK_TEST not in html  # never chosen by a person
    assert reverse("dashboard:destination_list", args=[team.pk]) in html


def test_a_member_starts_with_nothing_ticked_and_no_destinations_link(client, member, team):
    client.force_login(member)
    html = client.get(PAGE).content.decode()
    assert "checked" not in html
    assert reverse("dashboard:destination_list", args=[team.pk]) not in html


def test_each_team_has_its_own_section(client, member, team, other_team):
    MembershipFactory(user=member, team=other_team)
    client.force_login(member)
    html = client.get(PAGE).content.decode()
    assert html.count('class="card" id="preferences-') == 2
    assert html.count('name="team"') == 2 and html.count("<form") == 3  # + log out


def test_saving_keeps_the_choice_and_the_digest(client, member, team):
    client.force_login(member)
    response = _save(client, team, event_types=[EventType.PROJECT_FAILED], digest=True)
    assert response.status_code == 302 and response["Location"] == PAGE
    saved = NotificationPreference.objects.get(user=member, team=team)
    assert saved.event_types == [EventType.PROJECT_FAILED] and saved.digest
    html = client.get(PAGE).content.decode()
    assert _ticked(html, team, EventType.PROJECT_FAILED) and "saved" in html
    assert " checked" in _tag(html, f"team-{team.pk}-digest")


def test_an_admin_can_opt_out_of_everything(client, owner, team):
    client.force_login(owner)
    _save(client, team, event_types=[])
    assert NotificationPreference.objects.get(user=owner, team=team).event_types == []
    assert "checked" not in client.get(PAGE).content.decode()


def test_htmx_answers_with_that_teams_section_once(client, member, team, other_team):
    MembershipFactory(user=member, team=other_team)
    client.force_login(member)
    html = _save(client, team, htmx=True, event_types=[EventType.BATCH_COMPLETED]).content.decode()
    assert "<html" not in html and html.count(f'id="preferences-{team.pk}"') == 1
    assert f'id="preferences-{other_team.pk}"' not in html
    assert html.count("<form") == 1 and html.count(">Saved.<") == 1


@pytest.mark.parametrize(
    "event_types",
    [["project.exploded"], [EventType.WEBHOOK_TEST], ["\x00"], ["x" * 10_000]],
    ids=["unknown", "the test event", "NUL", "huge"],
)
def test_a_refused_choice_is_said_and_nothing_is_saved(client, member, team, event_types):
    client.force_login(member)
    response = _save(client, team, htmx=True, event_types=event_types)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error"' in html and ">Saved.<" not in html
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize("team_value", ["", "0", "x", "9" * 40, "\u0661", "\x00"])
def test_a_missing_or_odd_team_is_a_404(client, member, team_value):
    client.force_login(member)
    assert client.post(PAGE, {"team": team_value}).status_code == 404
    assert not NotificationPreference.objects.exists()


def test_a_team_the_person_is_not_in_is_a_404(client, outsider, team):
    client.force_login(outsider)
    assert _save(client, team, event_types=[EventType.PROJECT_FAILED]).status_code == 404
    assert not NotificationPreference.objects.exists()
    assert f'id="preferences-{team.pk}"' not in client.get(PAGE).content.decode()
