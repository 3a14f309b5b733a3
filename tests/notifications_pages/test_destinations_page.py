"""A team's destinations page: the list, a new destination whose signing secret is shown
once, edit, the on/off switch, delete and rotate behind a confirmation."""

import pytest
from django.urls import reverse

from dashboard.models import AuditAction, AuditEvent, Destination, DestinationKind, EventType
from tests.notifications_pages.made import HOOK_URL, HX, SECRET, SLACK_URL, delivery_of

pytestmark = pytest.mark.django_db


def _list(team):
    return reverse("dashboard:destination_list", args=[team.pk])


def _new(client, team, **fields):
    data = {
        "kind": DestinationKind.WEBHOOK,
        "url": HOOK_URL,
        "description": "Pager bridge",
        "event_types": [EventType.PROJECT_FAILED, EventType.ACCOUNT_NEEDS_CREDENTIALS],
        "enabled": "on",
        **fields,
    }
    return client.post(reverse("dashboard:destination_new", args=[team.pk]), data)


def test_the_teams_page_and_the_user_menu_lead_to_the_pages(client, owner, member, team):
    client.force_login(owner)
    teams = client.get(reverse("dashboard:team_list")).content.decode()
    assert teams.count(f'href="{_list(team)}"') == 1
    assert f'href="{reverse("dashboard:notification_preferences")}"' in teams
    client.force_login(member)
    teams = client.get(reverse("dashboard:team_list")).content.decode()
    assert _list(team) not in teams  # only admins manage destinations
    assert f'href="{reverse("dashboard:notification_preferences")}"' in teams


def test_the_list_shows_each_destination_without_any_secret(client, owner, team, webhook, slack):
    delivery_of(webhook)
    client.force_login(owner)
    html = client.get(_list(team)).content.decode()
    assert html.count('class="card destination"') == 2
    assert HOOK_URL in html and "Incident bot" in html and "#launches" in html
    assert "Webhook (Standard Webhooks)" in html and "Slack incoming webhook" in html
    assert html.count("All event types") == 2
    assert "SlackOwnSecret" not in html  # a Slack URL's last part is Slack's secret
    assert "https://127.0.0.1:9/services/T0001/B0001/••••" in html
    assert not SECRET.search(html) and webhook.first_secret not in html


def test_a_switched_off_destination_says_why(client, owner, team, webhook):
    Destination.objects.filter(pk=webhook.pk).update(
        enabled=False, disabled_reason="The receiver answered 410 Gone."
    )
    client.force_login(owner)
    html = client.get(_list(team)).content.decode()
    assert ">Off<" in html and "The receiver answered 410 Gone." in html
    assert html.count(">Switch on<") == 1 and ">Switch off<" not in html


def test_a_new_webhook_shows_its_secret_once_and_never_again(client, owner, team, caplog):
    caplog.set_level("DEBUG")
    client.force_login(owner)
    response = _new(client, team)
    assert response.status_code == 200  # no redirect carries it
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    shown = SECRET.findall(html)
    assert len(shown) == 1
    destination = Destination.objects.get()
    assert destination.secrets["current"] == shown[0]
    assert destination.event_types == [
        EventType.PROJECT_FAILED,
        EventType.ACCOUNT_NEEDS_CREDENTIALS,
    ]
    assert destination.created_by == owner and destination.enabled
    assert 'data-copy="new-signing-secret"' in html and "shown only once" in html
    assert all(shown[0] not in str(value) for value in client.session.values())
    pages = [
        _list(team),
        reverse("dashboard:destination_edit", args=[destination.pk]),
        reverse("dashboard:delivery_log", args=[destination.pk]),
        reverse("dashboard:destination_rotate", args=[destination.pk]),
        reverse("dashboard:destination_delete", args=[destination.pk]),
        reverse("dashboard:activity"),
    ]
    for page in pages:
        again = client.get(page).content.decode()
        assert shown[0] not in again and not SECRET.search(again), page
    assert shown[0] not in caplog.text


def test_a_new_slack_destination_has_no_secret_and_goes_back_to_the_list(client, owner, team):
    client.force_login(owner)
    response = _new(client, team, kind=DestinationKind.SLACK, url=SLACK_URL, description="")
    assert response.status_code == 302 and response["Location"] == _list(team)
    destination = Destination.objects.get()
    assert destination.kind == DestinationKind.SLACK and destination.secrets == {}
    page = client.get(_list(team)).content.decode()
    assert "SlackOwnSecret" not in page  # the message names it by its address, masked
    assert "added" in page


def test_all_event_types_is_stored_as_none_chosen(client, owner, team):
    client.force_login(owner)
    _new(client, team, all_events="on", event_types=[EventType.PROJECT_FAILED])
    assert Destination.objects.get().event_types == []


def test_edit_saves_and_keeps_the_secret(client, owner, team, webhook):
    client.force_login(owner)
    url = reverse("dashboard:destination_edit", args=[webhook.pk])
    form = client.get(url).content.decode()
    assert f'value="{HOOK_URL}"' in form and 'name="kind"' not in form
    response = client.post(
        url,
        {
            "url": "https://127.0.0.1:9/hooks/v2",
            "description": "Renamed",
            "event_types": [EventType.BATCH_COMPLETED],
        },
    )
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert webhook.url == "https://127.0.0.1:9/hooks/v2" and webhook.description == "Renamed"
    assert webhook.event_types == [EventType.BATCH_COMPLETED] and not webhook.enabled
    assert webhook.secrets["current"] == webhook.first_secret


def test_editing_slack_never_shows_its_url_and_keeps_it_when_left_empty(client, owner, team, slack):
    client.force_login(owner)
    url = reverse("dashboard:destination_edit", args=[slack.pk])
    form = client.get(url).content.decode()
    assert "SlackOwnSecret" not in form and "Leave this empty to keep it" in form
    response = client.post(url, {"url": "", "description": "#ops", "all_events": "on"})
    assert response.status_code == 302
    slack.refresh_from_db()
    assert slack.url == SLACK_URL and slack.description == "#ops"


def test_the_switch_answers_htmx_with_its_row_once(client, owner, team, webhook):
    client.force_login(owner)
    url = reverse("dashboard:destination_switch", args=[webhook.pk])
    response = client.post(url, {"enabled": "0"}, **HX)
    html = response.content.decode()
    assert "<html" not in html and html.count(f'id="destination-{webhook.pk}"') == 1
    assert html.count("<form") == 2 and html.count(">Switch on<") == 1 and ">Off<" in html
    webhook.refresh_from_db()
    assert not webhook.enabled and webhook.disabled_reason
    # Asked twice, the state stays as asked (a switch, not a toggle).
    client.post(url, {"enabled": "0"}, **HX)
    webhook.refresh_from_db()
    assert not webhook.enabled
    plain = client.post(url, {"enabled": "1"})
    assert plain.status_code == 302 and plain["Location"] == _list(team)
    webhook.refresh_from_db()
    assert webhook.enabled and not webhook.disabled_reason


def test_delete_asks_first_then_deletes(client, owner, team, webhook):
    client.force_login(owner)
    url = reverse("dashboard:destination_delete", args=[webhook.pk])
    confirm = client.get(url).content.decode()
    assert confirm.count(">Delete</button>") == 1 and "delivery log is deleted" in confirm
    assert Destination.objects.filter(pk=webhook.pk).exists()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == _list(team)
    assert not Destination.objects.filter(pk=webhook.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DESTINATION_DELETED).count() == 1


def test_rotate_asks_first_then_shows_the_new_secret_once(client, owner, team, webhook):
    client.force_login(owner)
    url = reverse("dashboard:destination_rotate", args=[webhook.pk])
    confirm = client.get(url).content.decode()
    assert "keeps signing for 24 hours" in confirm and not SECRET.search(confirm)
    response = client.post(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    shown = SECRET.findall(html)
    webhook.refresh_from_db()
    assert shown == [webhook.secrets["current"]] and shown[0] != webhook.first_secret
    assert webhook.secrets["retiring"][0]["secret"] == webhook.first_secret
    assert "keeps signing for 24 hours" in html
    assert webhook.first_secret not in html


def test_a_slack_destination_has_no_secret_to_rotate(client, owner, slack):
    client.force_login(owner)
    url = reverse("dashboard:destination_rotate", args=[slack.pk])
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    html = client.get(_list(slack.team)).content.decode()
    assert "Rotate secret" not in html


def test_a_destination_whose_host_went_private_can_still_be_switched_off(client, owner, webhook):
    # Its saved address is refused at every delivery; the switch does not look it up again.
    Destination.objects.filter(pk=webhook.pk).update(url="https://10.0.0.5/hook")
    client.force_login(owner)
    url = reverse("dashboard:destination_switch", args=[webhook.pk])
    html = client.post(url, {"enabled": "0"}, **HX).content.decode()
    assert html.count(f'id="destination-{webhook.pk}"') == 1 and 'role="alert"' not in html
    assert not Destination.objects.get(pk=webhook.pk).enabled
