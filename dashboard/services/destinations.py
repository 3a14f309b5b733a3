"""A team's notification destinations, managed by its admins: every change audited.

A destination's URL is user input: it passes the SSRF guard when it is saved (https only
unless its host is in WEBHOOK_ALLOWED_HOSTS, no credentials, no private or reserved
address), and again at each delivery, so a name that resolves elsewhere later (DNS
rebinding) is refused then too. A webhook's signing secret is shown once, when it is made
or rotated, and stored encrypted.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from dashboard.models import (
    AuditAction,
    Delivery,
    DeliveryStatus,
    Destination,
    DestinationKind,
    EventType,
    Role,
    Team,
    role_in,
)
from dashboard.models.columns import column_max
from dashboard.services.audit import audit_record
from dashboard.services.deliveries import destination_switch_off
from dashboard.services.errors import ServiceError
from dashboard.services.notification_preferences import clean_event_types
from dashboard.services.outbox import events_record, queue_work, site_url
from dashboard.services.webhook_requests import new_secret, rotated
from dashboard.validation.text import has_control_characters
from providers import ssrf
from providers.errors import ProviderError

URL_MAX = column_max(Destination, "url")
DESCRIPTION_MAX = column_max(Destination, "description")
ALLOW_LIST = "WEBHOOK_ALLOWED_HOSTS"


def require_admin(user, team_id: int) -> None:
    if role_in(user, team_id) != Role.ADMIN:
        raise ServiceError("Only team admins manage notification destinations.")


def clean_url(value: object) -> str:
    """An https URL that passes the SSRF guard now, or a field error on "url"."""
    url = value.strip() if isinstance(value, str) else ""
    if not url:
        raise ServiceError(field_errors={"url": "Enter the destination's https:// address."})
    if len(url) > URL_MAX:
        raise ServiceError(field_errors={"url": f"Use an address of at most {URL_MAX} characters."})
    if has_control_characters(url) or " " in url:
        raise ServiceError(field_errors={"url": "The address holds spaces or control characters."})
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a port out of range raises here)
    except ValueError:
        raise ServiceError(field_errors={"url": "Enter a valid https:// address."}) from None
    if parts.username or parts.password:
        raise ServiceError(field_errors={"url": "Don't put credentials in the address."})
    if parts.fragment:
        raise ServiceError(field_errors={"url": "Leave out the # part."})
    try:
        ssrf.resolve(url, field="url", allow_setting=ALLOW_LIST, https_only=True)
    except ProviderError as exc:
        raise ServiceError(field_errors={"url": exc.message}) from None
    return url


def _as_saved(url: str) -> str:
    return url


def clean_description(value: object) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > DESCRIPTION_MAX or has_control_characters(text):
        raise ServiceError(
            field_errors={
                "description": f"Use at most {DESCRIPTION_MAX} characters, "
                "without control characters."
            }
        )
    return text


def _clean(url, description, event_types, *, saved_url: str | None = None) -> dict:
    """`saved_url`: the address already stored, judged when it was saved and again at every
    delivery; left unchanged it is not looked up again (so a host that no longer resolves
    never stops an admin from switching its destination off)."""
    errors, cleaned = {}, {}
    keep = saved_url is not None and url == saved_url
    for name, clean, value in (
        ("url", _as_saved if keep else clean_url, url),
        ("description", clean_description, description),
        ("event_types", clean_event_types, event_types),
    ):
        try:
            cleaned[name] = clean(value)
        except ServiceError as exc:
            errors.update(exc.field_errors)
    if errors:
        raise ServiceError(field_errors=errors)
    cleaned["event_types"] = list(cleaned["event_types"])
    return cleaned


def destination_create(
    *,
    team: Team,
    user,
    kind: str,
    url: str,
    description: str = "",
    event_types=(),
    enabled: bool = True,
) -> tuple[Destination, str | None]:
    """A new destination and, for a webhook, its signing secret (shown this once)."""
    require_admin(user, team.pk)
    if kind not in DestinationKind.values:
        raise ServiceError(field_errors={"kind": "Choose a webhook or a Slack incoming webhook."})
    cleaned = _clean(url, description, event_types)
    secret = new_secret() if kind == DestinationKind.WEBHOOK else None
    with transaction.atomic():
        destination = Destination.objects.create(
            team=team,
            kind=kind,
            enabled=bool(enabled),
            secrets={"current": secret} if secret else {},
            created_by=user,
            **cleaned,
        )
        audit_record(
            team=team,
            actor=user,
            action=AuditAction.DESTINATION_CREATED,
            target=destination,
            summary=f"{destination.get_kind_display()} “{destination}” added.",
        )
    return destination, secret


def destination_update(
    *, destination: Destination, user, url: str, description: str, event_types, enabled: bool
) -> Destination:
    """Change a destination. Switched off, its pending deliveries fail; switched on, it
    starts afresh (its failures forgotten)."""
    require_admin(user, destination.team_id)
    cleaned = _clean(url, description, event_types, saved_url=destination.url)
    with transaction.atomic():
        locked = Destination.objects.select_for_update().get(pk=destination.pk)
        toggled = ""
        if locked.enabled and not enabled:
            destination_switch_off(
                locked, reason="Switched off by a team admin.", actor=user, tell_admins=False
            )
            toggled = "switched off"
        elif enabled and not locked.enabled:
            locked.enabled, locked.disabled_reason, locked.failing_since = True, "", None
            toggled = "switched on"
        changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.save()
        words = ([f"{', '.join(changed)} changed"] if changed else []) + [toggled] * bool(toggled)
        if words:
            audit_record(
                team=locked.team,
                actor=user,
                action=AuditAction.DESTINATION_EDITED,
                target=locked,
                summary=f"“{locked}”: {'; '.join(words)}.",
            )
    return locked


def destination_delete(*, destination: Destination, user) -> None:
    require_admin(user, destination.team_id)
    with transaction.atomic():
        audit_record(
            team=destination.team,
            actor=user,
            action=AuditAction.DESTINATION_DELETED,
            target=destination,
            summary=f"{destination.get_kind_display()} “{destination}” deleted.",
        )
        Destination.objects.filter(pk=destination.pk).delete()


def destination_rotate_secret(*, destination: Destination, user) -> str:
    """A new signing secret (shown this once); the old one signs too for the overlap."""
    require_admin(user, destination.team_id)
    if destination.kind != DestinationKind.WEBHOOK:
        raise ServiceError("Only webhook destinations have a signing secret.")
    with transaction.atomic():
        # Locked, then read: two rotations at once each keep the other's secret as previous.
        locked = Destination.objects.select_for_update().get(pk=destination.pk)
        kept, fresh = rotated(dict(locked.secrets), timezone.now())
        Destination.objects.filter(pk=locked.pk).update(secrets=kept, updated_at=timezone.now())
        audit_record(
            team=locked.team,
            actor=user,
            action=AuditAction.DESTINATION_SECRET_ROTATED,
            target=locked,
            summary=f"“{locked}”: signing secret rotated; the old one signs for a day.",
        )
    return fresh


def destination_send_test(*, destination: Destination, user) -> Delivery:
    """A `webhook.test` event, to this destination only."""
    require_admin(user, destination.team_id)
    if not destination.enabled:
        raise ServiceError("Switch the destination on to send it a test event.")
    with transaction.atomic():
        (event,) = events_record(
            team_id=destination.team_id,
            type=EventType.WEBHOOK_TEST,
            datas=[
                {
                    "message": "A test event from the dashboard.",
                    "destination": {"id": destination.pk, "description": destination.description},
                    "url": site_url("/"),
                }
            ],
            destination=destination,
        )
        audit_record(
            team=destination.team,
            actor=user,
            action=AuditAction.DESTINATION_TESTED,
            target=destination,
            summary=f"Test event sent to “{destination}”.",
        )
    return Delivery.objects.get(event=event, destination=destination)


def delivery_resend(*, delivery: Delivery, user) -> Delivery:
    """Send a delivered or failed event again: the same delivery (the same webhook-id),
    with its retries afresh; each try is a new attempt in the log."""
    destination = delivery.destination
    require_admin(user, destination.team_id)
    if not Destination.objects.filter(pk=destination.pk, enabled=True).exists():
        raise ServiceError("Switch the destination on to send to it again.")
    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).exclude(
            status=DeliveryStatus.PENDING, claimed_until__gt=now
        ).update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            claimed_until=None,
            retry_step=0,
        )
        audit_record(
            team=destination.team,
            actor=user,
            action=AuditAction.DELIVERY_RESENT,
            target=delivery,
            summary=f"Event {delivery.event.webhook_id} sent again to “{destination}”.",
        )
        transaction.on_commit(lambda: queue_work([destination.pk], []))
    delivery.refresh_from_db()
    return delivery
