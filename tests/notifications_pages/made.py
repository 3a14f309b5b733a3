"""Destinations made as the page makes them, and deliveries with their attempts as the
workers record them; for the page tests and the browser checks."""

import re
from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from dashboard import services
from dashboard.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    DestinationKind,
    EventType,
    OutboxEvent,
)

HX = {"HTTP_HX_REQUEST": "true"}
# Receivers on loopback, let through by WEBHOOK_ALLOWED_HOSTS; nothing listens there.
HOOK_URL = "https://127.0.0.1:9/hooks/rocket"
SLACK_URL = "https://127.0.0.1:9/services/T0001/B0001/SlackOwnSecret0123456789"
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]{20,}")


def destination_made(team, admin, *, kind=DestinationKind.WEBHOOK, url=HOOK_URL, **fields):
    """(destination, its first secret or None)."""
    options = {"description": "Incident bot", "event_types": [], "enabled": True, **fields}
    with override_settings(WEBHOOK_ALLOWED_HOSTS=["127.0.0.1"]):
        return services.destination_create(team=team, user=admin, kind=kind, url=url, **options)


def delivery_of(
    destination,
    *,
    type=EventType.PROJECT_FAILED,
    attempts=((500, 120, "Internal error"),),
    status=DeliveryStatus.FAILED,
    ago=timedelta(minutes=5),
    event_data=None,
    team_id=None,
):
    """A delivery of a new event to `destination`; `attempts`: (status code, ms, answer),
    oldest first."""
    when = timezone.now() - ago
    event = OutboxEvent.objects.create(
        team_id=team_id or destination.team_id, type=type, data=event_data or {}, created_at=when
    )
    delivery = Delivery.objects.create(
        event=event,
        destination=destination,
        status=status,
        attempts=len(attempts),
        created_at=when,
        last_status_code=attempts[-1][0] if attempts else None,
    )
    for step, (code, ms, answer) in enumerate(attempts):
        DeliveryAttempt.objects.create(
            delivery=delivery,
            started_at=when + timedelta(seconds=step),
            status_code=code,
            duration_ms=ms,
            response_excerpt=answer,
        )
    return delivery


def between(html: str, start: str, end: str = "</div>") -> str:
    """The part of the page after `start`, up to `end`: one field's feedback region."""
    return html.split(start, 1)[1].split(end, 1)[0]


def notification_pages(admin, team) -> dict[str, str]:
    """The notification pages of `team` (which `admin` administers), with a webhook that
    has a log of several attempts and a Slack destination switched off, with its reason."""
    from django.urls import reverse

    from dashboard.models import Destination

    webhook, _ = destination_made(
        team,
        admin,
        description="Incident bot for the on-call rotation of the checkout team",
        event_types=[EventType.PROJECT_FAILED, EventType.PROJECT_OUTCOME_UNKNOWN],
    )
    slack, _ = destination_made(team, admin, kind=DestinationKind.SLACK, url=SLACK_URL)
    Destination.objects.filter(pk=slack.pk).update(
        enabled=False, disabled_reason="Slack answered 410 Gone: the channel's webhook is gone."
    )
    long_answer = '{"error": "' + "upstream timed out; " * 80 + '"}'
    attempts = [(503, 10_012, long_answer), (None, 10_000, ""), (200, 95, "")]
    delivery_of(webhook, attempts=attempts, status=DeliveryStatus.DELIVERED)
    delivery_of(webhook, type=EventType.ACCOUNT_NEEDS_CREDENTIALS, status=DeliveryStatus.PENDING)
    return {
        "destinations": reverse("dashboard:destination_list", args=[team.pk]),
        "new destination": reverse("dashboard:destination_new", args=[team.pk]),
        "edit destination": reverse("dashboard:destination_edit", args=[webhook.pk]),
        "edit slack destination": reverse("dashboard:destination_edit", args=[slack.pk]),
        "delete destination": reverse("dashboard:destination_delete", args=[webhook.pk]),
        "rotate secret": reverse("dashboard:destination_rotate", args=[webhook.pk]),
        "delivery log": reverse("dashboard:delivery_log", args=[webhook.pk]),
        "empty delivery log": reverse("dashboard:delivery_log", args=[slack.pk]),
        "notifications": reverse("dashboard:notification_preferences"),
    }
