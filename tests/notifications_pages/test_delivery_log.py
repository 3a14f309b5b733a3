"""A destination's delivery log: every attempt with its time, status, duration and the
first 1 kB of the answer (escaped), newest first a page at a time; Resend and "Send a test
event"; only that destination's team's events, ever."""

from datetime import timedelta

import pytest
from django.urls import reverse

from dashboard.models import Delivery, DeliveryStatus, Destination, EventType, OutboxEvent
from dashboard.views.deliveries import DELIVERIES_PER_PAGE
from tests.notifications_pages.made import HX, delivery_of

pytestmark = pytest.mark.django_db


def _log(destination, query=""):
    return reverse("dashboard:delivery_log", args=[destination.pk]) + query


def test_each_attempt_shows_its_time_status_duration_and_answer(client, owner, webhook):
    delivery = delivery_of(
        webhook,
        attempts=[(500, 1234, "Database <b>down</b>"), (None, 10_000, ""), (204, 87, "ok")],
        status=DeliveryStatus.DELIVERED,
    )
    client.force_login(owner)
    html = client.get(_log(webhook)).content.decode()
    assert html.count(f'id="delivery-{delivery.pk}"') == 1
    assert delivery.event.webhook_id in html and "Project create failed" in html
    assert html.count('<ol class="attempts"') == 1 and html.count("<li>") == 3
    for shown in (">500<", "1234 ms", ">No answer<", "10000 ms", ">204<", "87 ms"):
        assert shown in html, shown
    assert "Database &lt;b&gt;down&lt;/b&gt;" in html and "<b>down" not in html
    assert html.index(">204<") < html.index(">500<")  # newest attempt first


def test_an_answer_shows_no_more_than_1_kb(client, owner, webhook):
    delivery_of(webhook, attempts=[(502, 5, "A" * 1024 + "B" * 500)])
    client.force_login(owner)
    html = client.get(_log(webhook)).content.decode()
    answer = html.split('<pre class="answer">', 1)[1].split("</pre>", 1)[0]
    assert answer == "A" * 1024  # (not the whole page: a CSRF token may hold "AB")


def test_the_log_pages_newest_first_with_the_query_kept(client, owner, webhook):
    deliveries = [
        delivery_of(webhook, event_data={"n": n}, ago=timedelta(hours=n + 1))
        for n in range(DELIVERIES_PER_PAGE + 3)
    ]
    client.force_login(owner)
    first = client.get(_log(webhook, "?page=1&keep=me")).content.decode()
    assert first.count('class="card delivery"') == DELIVERIES_PER_PAGE
    assert f'id="delivery-{deliveries[0].pk}"' in first  # the newest
    assert f'id="delivery-{deliveries[-1].pk}"' not in first
    assert 'href="?page=2&amp;keep=me"' in first and "Page 1 of 2" in first
    second = client.get(_log(webhook, "?page=2"), **HX).content.decode()
    assert "<html" not in second and second.count('id="deliveries"') == 1
    assert second.count('class="card delivery"') == 3
    assert f'id="delivery-{deliveries[-1].pk}"' in second and ">Newer<" in second
    for odd in ("?page=0", "?page=-1", "?page=%D9%A2", "?page=" + "9" * 40, "?page=x"):
        assert client.get(_log(webhook, odd)).status_code == 200, odd


def test_the_log_never_shows_another_teams_events(client, owner, team, webhook, elsewhere):
    mine = delivery_of(webhook, event_data={"name": "Rocket project"})
    # Even a delivery row that points at another team's event (it should never exist).
    foreign = OutboxEvent.objects.create(
        team=elsewhere.team, type=EventType.PROJECT_CREATED, data={"name": "Theirs"}
    )
    Delivery.objects.create(event=foreign, destination=webhook, status=DeliveryStatus.PENDING)
    client.force_login(owner)
    html = client.get(_log(webhook)).content.decode()
    assert html.count('class="card delivery"') == 1 and mine.event.webhook_id in html
    assert foreign.webhook_id not in html
    for event in OutboxEvent.objects.filter(team=elsewhere.team):
        assert event.webhook_id not in html
    assert client.get(_log(elsewhere)).status_code == 404


def test_resend_puts_the_delivery_back_in_line(client, owner, webhook):
    delivery = delivery_of(webhook, status=DeliveryStatus.FAILED)
    client.force_login(owner)
    url = reverse("dashboard:delivery_resend", args=[delivery.pk])
    response = client.post(url, {"page": "2"})
    assert response.status_code == 302 and response["Location"] == _log(webhook, "?page=2")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at


def test_resend_with_htmx_answers_with_that_delivery_once(client, owner, webhook):
    delivery = delivery_of(webhook, status=DeliveryStatus.DELIVERED)
    other = delivery_of(webhook)
    client.force_login(owner)
    response = client.post(reverse("dashboard:delivery_resend", args=[delivery.pk]), **HX)
    html = response.content.decode()
    assert "<html" not in html and html.count(f'id="delivery-{delivery.pk}"') == 1
    assert f'id="delivery-{other.pk}"' not in html
    assert html.count("<form") == 1 and html.count(">Resend<") == 1 and "Sent again" in html


def test_resend_to_a_switched_off_destination_says_why(client, owner, webhook):
    delivery = delivery_of(webhook)
    Destination.objects.filter(pk=webhook.pk).update(enabled=False)
    client.force_login(owner)
    html = client.post(
        reverse("dashboard:delivery_resend", args=[delivery.pk]), **HX
    ).content.decode()
    assert "Switch the destination on" in html and 'role="alert"' in html
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_send_a_test_event_shows_it_at_the_top_of_the_log(client, owner, webhook):
    older = delivery_of(webhook)
    client.force_login(owner)
    url = reverse("dashboard:destination_test", args=[webhook.pk])
    html = client.post(url, **HX).content.decode()
    test = Delivery.objects.get(event__type=EventType.WEBHOOK_TEST)
    assert test.destination == webhook and test.event.team_id == webhook.team_id
    assert html.count('id="deliveries"') == 1 and "<html" not in html
    assert html.index(f'id="delivery-{test.pk}"') < html.index(f'id="delivery-{older.pk}"')
    assert html.count("A test event is on its way") == 1
    plain = client.post(url)
    assert plain.status_code == 302 and plain["Location"] == _log(webhook)
    assert Delivery.objects.filter(event__type=EventType.WEBHOOK_TEST).count() == 2


def test_no_test_event_goes_to_a_switched_off_destination(client, owner, webhook):
    Destination.objects.filter(pk=webhook.pk).update(enabled=False)
    client.force_login(owner)
    url = reverse("dashboard:destination_test", args=[webhook.pk])
    html = client.post(url, **HX).content.decode()
    assert "Switch the destination on" in html
    assert not Delivery.objects.exists()
