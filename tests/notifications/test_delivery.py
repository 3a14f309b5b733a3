"""Deliveries to a real receiver process that verifies every one with `standardwebhooks`:
signed bodies, retries with the same webhook-id, 410, timeouts, the log, Slack."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import queue, services
from dashboard.models import (
    AuditAction,
    AuditEvent,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Destination,
    DestinationKind,
    EventType,
    OutboxEvent,
)
from dashboard.services import deliveries
from dashboard.services.deliveries import (
    Turn,
    claim_delivery,
    delivery_send,
    due_now,
    parse_schedule,
)
from tests.notifications.conftest import webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(team, admin, receiver):
    destination, secret = webhook(team, admin, receiver.url)
    receiver.configure(secrets=[secret])
    return destination


def happen(team, django_capture_on_commit_callbacks, type=EventType.PROJECT_FAILED, data=None):
    """An event, committed: its work runs as it would after a commit."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.event_record(team=team, type=type, data=data or {"n": 1})


def make_due(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_delivery_is_signed_and_verified_by_the_receiver(
    team, hook, receiver, django_capture_on_commit_callbacks
):
    event = happen(team, django_capture_on_commit_callbacks, data={"project": {"name": "x"}})

    (got,) = receiver.records()
    assert got["verified_with"] == [0] and got["signatures"] == 1
    assert got["webhook_id"] == event.webhook_id and got["type"] == "project.failed"
    assert got["data"] == {"project": {"name": "x"}}
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code == 200 and attempt.response_excerpt == "ok" and attempt.error == ""


def test_a_500_is_retried_on_the_schedule_with_the_same_webhook_id(
    team, hook, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = "5s,5m"
    receiver.configure(answers=[500, 500])
    before = timezone.now()
    event = happen(team, django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.retry_step == 1
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 5 <= wait <= 5.5 + 1
    assert delivery.last_error == "The destination answered 500."
    make_due(delivery)
    services.deliver_in_place(hook.pk)
    delivery.refresh_from_db()
    assert delivery.retry_step == 2
    assert 300 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 331
    make_due(delivery)
    services.deliver_in_place(hook.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    records = receiver.records()
    assert [r["status"] for r in records] == [500, 500, 200]
    assert {r["webhook_id"] for r in records} == {event.webhook_id}
    assert all(r["verified_with"] == [0] for r in records)
    assert list(delivery.tries.order_by("id").values_list("status_code", flat=True)) == [
        500,
        500,
        200,
    ]


def test_a_delivery_whose_retries_run_out_fails(
    team, hook, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = "1s"
    receiver.configure(status=503)
    happen(team, django_capture_on_commit_callbacks)
    make_due(Delivery.objects.get())
    services.deliver_in_place(hook.pk)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert Destination.objects.get().enabled  # not a day of failures yet
    assert Destination.objects.get().failing_since is not None


def test_a_410_switches_the_destination_off_at_once_and_tells_the_admins(
    team, hook, admin, receiver, django_capture_on_commit_callbacks
):
    receiver.configure(answers=[410])
    happen(team, django_capture_on_commit_callbacks)

    destination = Destination.objects.get()
    assert not destination.enabled and "410 Gone" in destination.disabled_reason
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    assert AuditEvent.objects.filter(action=AuditAction.DESTINATION_DISABLED).count() == 1
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"] and "switched off" in message.subject
    services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})
    assert Delivery.objects.count() == 1  # nothing new for a destination that is off


def test_a_destination_failing_for_a_day_is_switched_off_and_admins_told(
    team, hook, admin, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_SCHEDULE = "1s"
    receiver.configure(status=500)
    Destination.objects.filter(pk=hook.pk).update(
        failing_since=timezone.now() - timedelta(hours=25)
    )
    happen(team, django_capture_on_commit_callbacks)
    assert Destination.objects.get().enabled  # a retry is still to come
    make_due(Delivery.objects.get())
    with django_capture_on_commit_callbacks(execute=True):
        services.deliver_in_place(hook.pk)

    destination = Destination.objects.get()
    assert not destination.enabled and "Every delivery failed" in destination.disabled_reason
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"] and destination.description in message.body


def test_a_success_ends_a_run_of_failures(team, hook, receiver, django_capture_on_commit_callbacks):
    Destination.objects.filter(pk=hook.pk).update(failing_since=timezone.now())
    happen(team, django_capture_on_commit_callbacks)
    assert Destination.objects.get().failing_since is None


def test_a_slow_destination_times_out_and_is_retried(
    team, hook, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.configure(sleep=2, sleep_times=1)
    happen(team, django_capture_on_commit_callbacks)
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code is None and "0.5 seconds" in attempt.error
    assert attempt.duration_ms < 1500
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_a_redirect_is_not_followed(team, hook, receiver, django_capture_on_commit_callbacks):
    receiver.configure(answers=[302])
    happen(team, django_capture_on_commit_callbacks)
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code == 302 and "redirect" in attempt.error
    assert len(receiver.records()) == 1


def test_the_log_keeps_the_first_kilobyte_of_an_answer_as_printable_text(
    team, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.configure(body="\x1b[31mred\x00" + "é" * 2000)
    happen(team, django_capture_on_commit_callbacks)
    excerpt = DeliveryAttempt.objects.get().response_excerpt
    assert excerpt.startswith("[31mred") and "\x00" not in excerpt and "\x1b" not in excerpt
    assert len(excerpt.encode()) <= 1024


def test_a_resend_is_a_new_attempt_of_the_same_delivery(
    team, hook, admin, receiver, django_capture_on_commit_callbacks
):
    event = happen(team, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_resend(delivery=delivery, user=admin)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    assert [r["webhook_id"] for r in receiver.records()] == [event.webhook_id] * 2
    assert AuditEvent.objects.filter(action=AuditAction.DELIVERY_RESENT).count() == 1


def test_a_test_event_is_delivered(team, hook, admin, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.destination_send_test(destination=hook, user=admin)
    (got,) = receiver.records()
    assert got["type"] == "webhook.test" and got["verified_with"] == [0]


def test_during_a_rotation_both_secrets_sign(
    team, hook, admin, receiver, django_capture_on_commit_callbacks
):
    old = receiver_secret = Destination.objects.get().secrets["current"]
    new = services.destination_rotate_secret(destination=hook, user=admin)
    receiver.configure(secrets=[old, new])
    happen(team, django_capture_on_commit_callbacks)
    (got,) = receiver.records()
    assert got["signatures"] == 2 and got["verified_with"] == [0, 1]
    assert receiver_secret == old


def test_a_slack_destination_gets_a_readable_message_with_a_link(
    team, admin, receiver, settings, django_capture_on_commit_callbacks
):
    webhook(team, admin, receiver.url, kind=DestinationKind.SLACK)
    data = {
        "project": {
            "name": "<!channel> & co",
            "vendor": "r4",
            "status": "failed",
            "account": {"label": "Main"},
            "error": {"message": "Refused"},
            "url": "https://dash.example.com/projects/1/",
        }
    }
    happen(team, django_capture_on_commit_callbacks, data=data)
    (got,) = receiver.records()
    assert got["webhook_id"] is None and got["signatures"] == 0  # unsigned
    text = got["text"]
    assert text.startswith("*Project create failed: &lt;!channel&gt; &amp; co* (Rocket)")
    assert "Error: Refused" in text
    assert text.endswith("<https://dash.example.com/projects/1/|Open in the dashboard>")


def test_a_busy_destination_takes_no_more_than_its_limit_in_flight(team, hook, settings):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION = 2
    for _ in range(3):
        services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})
    first, second, third = (claim_delivery(hook.pk) for _ in range(3))
    assert [first.turn, second.turn, third.turn] == [Turn.CLAIMED, Turn.CLAIMED, Turn.BUSY]
    Delivery.objects.filter(pk=first.delivery_id).update(claimed_until=timezone.now())
    assert claim_delivery(hook.pk).turn == Turn.CLAIMED  # a lease that ran out frees its place


def turns_queued() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=queue.DELIVER_TO_DESTINATION).count()


def test_a_destination_at_its_limit_gets_no_new_turn_and_a_turn_in_flight_takes_the_next(
    team, hook, receiver, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION = 2
    happen(team, django_capture_on_commit_callbacks, data={"n": 0})
    first = claim_delivery(hook.pk)
    happen(team, django_capture_on_commit_callbacks, data={"n": 1})
    assert turns_queued() == 2  # one in flight: room for another turn
    second = claim_delivery(hook.pk)

    happen(team, django_capture_on_commit_callbacks, data={"n": 2})
    assert turns_queued() == 2  # at its limit: the turns in flight take it

    delivery_send(first.delivery_id, first.lease)
    assert due_now(hook.pk)  # so the turn that just ended queues another
    assert services.destination_deliver_next(hook.pk) is False
    delivery_send(second.delivery_id, second.lease)
    assert sorted(r["data"]["n"] for r in receiver.records()) == [0, 1, 2]


def test_a_slow_answer_leaves_the_destination_one_delivery_in_flight_until_a_quick_one(
    team, hook, receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION = 2
    monkeypatch.setattr(deliveries, "SLOW_ATTEMPT_SECONDS", 0.3)
    receiver.configure(sleep=0.4, sleep_times=1)
    happen(team, django_capture_on_commit_callbacks, data={"n": 0})
    services.destination_deliver_next(hook.pk)
    assert Destination.objects.get().slow

    for n in (1, 2):
        happen(team, django_capture_on_commit_callbacks, data={"n": n})
    first = claim_delivery(hook.pk)
    assert claim_delivery(hook.pk).turn == Turn.BUSY  # one worker at most, not two
    queued = turns_queued()
    happen(team, django_capture_on_commit_callbacks, data={"n": 3})
    assert turns_queued() == queued  # and no turn queued that would end at once

    delivery_send(first.delivery_id, first.lease)  # answered at once this time
    assert not Destination.objects.get().slow
    assert [claim_delivery(hook.pk).turn for _ in range(3)] == [Turn.CLAIMED] * 2 + [Turn.BUSY]


def test_a_claim_locks_the_destinations_row_alone(team, hook):
    """Its team's row locked too (the ordering's join), an event recorded at that moment
    deadlocked with the claim on PostgreSQL (bench/webhooks.py)."""
    services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})
    with CaptureQueriesContext(connection) as queries:
        assert claim_delivery(hook.pk).turn == Turn.CLAIMED
    lock = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT"))
    assert "dashboard_destination" in lock and "dashboard_team" not in lock


def test_the_sweep_queues_what_was_never_sent(team, hook, receiver):
    services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})  # no commit hooks
    assert receiver.records() == []
    assert services.outbox_sweep() == {"destinations": 1, "emails": 0, "switched_off": 0}
    assert len(receiver.records()) == 1 and Delivery.objects.get().status == "delivered"


def test_the_daily_job_prunes_the_log_after_thirty_days(team, hook, receiver):
    services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})
    services.outbox_sweep()
    recent = services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})
    long_ago = timezone.now() - timedelta(days=31)
    OutboxEvent.objects.exclude(pk=recent.pk).update(created_at=long_ago)
    DeliveryAttempt.objects.update(started_at=long_ago)

    services.outbox_prune()
    assert list(OutboxEvent.objects.all()) == [recent]
    assert not DeliveryAttempt.objects.exists()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("5s,5m,30m,2h,5h,10h", [5, 300, 1800, 7200, 18000, 36000]), ("0.2, 1d", [0.2, 86400])],
)
def test_the_retry_schedule_reads_units(text, seconds):
    assert parse_schedule(text) == seconds


@pytest.mark.parametrize("text", ["", "5x", "fast", "-1s", "5s,,5m"])
def test_a_bad_retry_schedule_is_refused(text):
    with pytest.raises(ValueError):
        parse_schedule(text)


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.0.0.5", "100.64.0.9"])
def test_a_name_that_turns_private_after_it_was_saved_is_refused_at_send(
    team, admin, resolving, address, django_capture_on_commit_callbacks
):
    """DNS rebinding: public when saved, private when sent. Nothing is sent (the tests'
    loopback guard would fail loudly on any request to another host)."""
    resolving("rebind.example.com", "93.184.216.34", address)
    webhook(team, admin, "https://rebind.example.com/hook")
    happen(team, django_capture_on_commit_callbacks)

    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code is None and "private or reserved" in attempt.error
    assert Delivery.objects.get().status == DeliveryStatus.PENDING  # retried later


def test_an_unreadable_retry_schedule_stops_the_start(settings):
    from dashboard.checks import check_webhook_retry_schedule

    settings.WEBHOOK_RETRY_SCHEDULE = "5s,soon"
    (error,) = check_webhook_retry_schedule()
    assert error.id == "dashboard.E007" and "soon" in error.msg
    settings.WEBHOOK_RETRY_SCHEDULE = "5s,5m"
    assert check_webhook_retry_schedule() == []
