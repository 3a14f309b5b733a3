"""A destination switched off (410, a day of failures, an admin) says so without its
secret, tells the admins where to look, and never loses an answer already on its way."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dashboard import queue, services
from dashboard.models import (
    AuditAction,
    AuditEvent,
    Delivery,
    DeliveryStatus,
    Destination,
    DestinationKind,
    EmailNotice,
    EmailStatus,
    EventType,
    Membership,
    Role,
)
from dashboard.services.deliveries import claim_delivery, delivery_record, delivery_send
from tests.notifications.conftest import webhook

pytestmark = pytest.mark.django_db

SLACK_SECRET = "xoxsecretpart"


def happen(team, capture, type=EventType.PROJECT_FAILED):
    with capture(execute=True):
        return services.event_record(team=team, type=type, data={"n": 1})


@pytest.fixture
def slack(team, admin, receiver):
    destination, _ = webhook(
        team,
        admin,
        f"{receiver.url}/T0001/B0001/{SLACK_SECRET}",
        kind=DestinationKind.SLACK,
        description="",  # so it is named by its URL, masked
    )
    return destination


def test_a_slack_destination_gone_410_is_named_without_its_secret(
    team, admin, slack, receiver, caplog, django_capture_on_commit_callbacks
):
    receiver.configure(status=410)
    with caplog.at_level(logging.DEBUG):
        happen(team, django_capture_on_commit_callbacks)

    slack.refresh_from_db()
    assert not slack.enabled and "410" in slack.disabled_reason
    audit = AuditEvent.objects.get(action=AuditAction.DESTINATION_DISABLED)
    (notice,) = mail.outbox
    for text in (audit.summary, notice.subject, notice.body, caplog.text, str(slack)):
        assert SLACK_SECRET not in text
    assert "••••" in audit.summary
    # The mail sends the admin to the destination's delivery log, where it is switched on.
    assert reverse("dashboard:delivery_log", args=[slack.pk]) in notice.body


def test_the_sweep_switches_off_a_destination_failing_for_a_day_with_retries_left(
    team, admin, receiver, django_capture_on_commit_callbacks
):
    destination, secret = webhook(team, admin, receiver.url)
    receiver.configure(secrets=[secret], status=500)
    happen(team, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.retry_step == 1

    assert services.outbox_sweep()["switched_off"] == 0  # failing, but not for a day yet
    Destination.objects.filter(pk=destination.pk).update(
        failing_since=timezone.now() - timedelta(hours=25)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.outbox_sweep()["switched_off"] == 1
    destination.refresh_from_db()
    assert not destination.enabled and destination.disabled_reason.startswith("Every delivery")
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert services.outbox_sweep()["switched_off"] == 0  # once


def test_an_answer_on_its_way_when_switched_off_is_still_recorded(team, admin, receiver):
    destination, secret = webhook(team, admin, receiver.url)
    receiver.configure(secrets=[secret])
    services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})  # not committed
    claim = claim_delivery(destination.pk)

    services.destination_update(
        destination=destination,
        user=admin,
        url=destination.url,
        description="",
        event_types=[],
        enabled=False,
    )
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING  # its sender is still at it

    delivery_record(delivery, claim.lease, delivery_send(delivery.pk, claim.lease))
    assert len(receiver.records()) == 1
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_a_failed_answer_after_the_switch_off_is_not_retried(team, admin, receiver):
    destination, secret = webhook(team, admin, receiver.url)
    receiver.configure(secrets=[secret], status=500)
    services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})
    claim = claim_delivery(destination.pk)
    Destination.objects.filter(pk=destination.pk).update(enabled=False)

    delivery = Delivery.objects.get()
    delivery_record(delivery, claim.lease, delivery_send(delivery.pk, claim.lease))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None


def test_mail_owed_to_someone_who_left_the_team_is_never_sent(
    team, admin, colleague, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.event_record(team=team, type=EventType.PROJECT_OUTCOME_UNKNOWN, data={})
    # A team keeps an admin (PostgreSQL's trigger says so): another takes over first.
    Membership.objects.filter(user=colleague, team=team).update(role=Role.ADMIN)
    Membership.objects.filter(user=admin, team=team).delete()

    services.email_notice_send(EmailNotice.objects.get().pk)
    assert mail.outbox == []
    assert EmailNotice.objects.get().status == EmailStatus.FAILED


def test_a_queue_that_is_down_leaves_deliveries_to_the_sweep_not_the_request(
    team, admin, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    _, secret = webhook(team, admin, receiver.url)
    receiver.configure(secrets=[secret])
    monkeypatch.setattr(queue, "queue_has_workers", lambda: True)
    monkeypatch.setattr(queue, "enqueue_delivery_turn", lambda **kwargs: False)

    happen(team, django_capture_on_commit_callbacks)
    assert receiver.records() == []  # not sent from the request that recorded it
    monkeypatch.undo()
    services.outbox_sweep()
    assert len(receiver.records()) == 1
