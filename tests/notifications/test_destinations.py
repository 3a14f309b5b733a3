"""Destinations: only team admins manage them, every change is audited, a URL passes the
SSRF guard when saved, and a webhook's secret is shown once and kept encrypted."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dashboard import services
from dashboard.models import (
    AuditAction,
    AuditEvent,
    Delivery,
    DeliveryStatus,
    Destination,
    DestinationKind,
    EmailNotice,
    EventType,
    OutboxEvent,
)
from dashboard.services import ServiceError
from dashboard.services.webhook_requests import signing_secrets
from tests.notifications.conftest import webhook

pytestmark = pytest.mark.django_db
PUBLIC = "93.184.216.34"


@pytest.fixture
def public_name(resolving, settings):
    resolving("hooks.example.com", PUBLIC)
    return "https://hooks.example.com/dashboard"


def test_an_admin_adds_a_webhook_and_sees_its_secret_once(team, admin, public_name):
    destination, secret = webhook(team, admin, public_name, event_types=["project.failed"])

    assert secret.startswith("whsec_")
    assert destination.secrets == {"current": secret}
    assert destination.event_types == ["project.failed"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM dashboard_destination WHERE id = %s", [destination.pk])
        stored = cursor.fetchone()[0]
    assert secret not in stored and secret.removeprefix("whsec_") not in stored
    assert AuditEvent.objects.filter(action=AuditAction.DESTINATION_CREATED).count() == 1
    assert secret not in AuditEvent.objects.get().summary


def test_a_slack_destination_has_no_secret(team, admin, public_name):
    destination, secret = webhook(team, admin, public_name, kind=DestinationKind.SLACK)
    assert secret is None and destination.secrets == {}


@pytest.mark.parametrize("role_user", ["member", "viewer", "outsider"])
def test_only_team_admins_manage_destinations(request, team, admin, public_name, role_user):
    user = request.getfixturevalue(role_user)
    destination, _ = webhook(team, admin, public_name)
    calls = [
        lambda: webhook(team, user, public_name),
        lambda: services.destination_update(
            destination=destination,
            user=user,
            url=public_name,
            description="",
            event_types=[],
            enabled=False,
        ),
        lambda: services.destination_rotate_secret(destination=destination, user=user),
        lambda: services.destination_send_test(destination=destination, user=user),
        lambda: services.destination_delete(destination=destination, user=user),
    ]
    for call in calls:
        with pytest.raises(ServiceError, match="Only team admins"):
            call()
    assert Destination.objects.count() == 1
    assert Destination.objects.get().enabled
    assert OutboxEvent.objects.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.1.2.3/hook",
        "https://100.64.0.1/hook",
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_a_private_or_reserved_address_is_refused_when_saved(team, admin, url):
    with pytest.raises(ServiceError) as refused:
        webhook(team, admin, url)
    assert "private or reserved" in refused.value.field_errors["url"]
    assert not Destination.objects.exists()


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.9.8.7", "100.64.3.4"])
def test_a_name_that_resolves_to_a_private_address_is_refused(team, admin, resolving, address):
    resolving("inside.example.com", address)
    with pytest.raises(ServiceError) as refused:
        webhook(team, admin, "https://inside.example.com/hook")
    assert "private or reserved" in refused.value.field_errors["url"]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://hooks.example.com/plain", "https://"),
        ("https://user:pw@hooks.example.com/", "credentials"),
        ("", "Enter"),
        ("   ", "Enter"),
        ("ftp://hooks.example.com/", "https://"),
        ("https://hooks.example.com/" + "a" * 500, "at most 500"),
        ("https://hooks.example.com/\x00", "control characters"),
        ("https://hooks.example.com/\x1b[31m", "control characters"),
        ("https://hooks.example.com/a b", "spaces"),
        ("https://hooks.example.com:99999/", "valid"),
        ("https://hooks.example.com/#part", "#"),
        (["https://hooks.example.com/"], "Enter"),
        (None, "Enter"),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(team, admin, public_name, url, words):
    with pytest.raises(ServiceError) as refused:
        webhook(team, admin, url)
    assert words in refused.value.field_errors["url"]
    assert not Destination.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "x" * 201),
        ("description", "a\x00b"),
        ("description", "line\nbreak"),
        ("event_types", ["project.deleted"]),
        ("event_types", ["webhook.test"]),
        ("event_types", "project.failed"),
        ("event_types", [None]),
        ("event_types", ["project.failed"] * 100),
    ],
)
def test_bad_description_or_event_types_are_field_errors(team, admin, public_name, field, value):
    with pytest.raises(ServiceError) as refused:
        webhook(team, admin, public_name, **{field: value})
    assert field in refused.value.field_errors
    assert not Destination.objects.exists()


def test_an_allow_listed_loopback_receiver_may_use_plain_http(team, admin, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    destination, _ = webhook(team, admin, "http://127.0.0.1:8999/hooks")
    assert destination.url == "http://127.0.0.1:8999/hooks"


def test_the_vendor_allow_list_does_not_let_a_webhook_through(team, admin, settings):
    settings.ALLOWED_VENDOR_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ServiceError):
        webhook(team, admin, "http://127.0.0.1:8999/hooks")


def test_rotation_keeps_the_old_secret_signing_for_a_day(team, admin, public_name):
    destination, first = webhook(team, admin, public_name)
    second = services.destination_rotate_secret(destination=destination, user=admin)

    destination.refresh_from_db()
    now = timezone.now()
    assert second != first and second.startswith("whsec_")
    assert signing_secrets(destination.secrets, now) == [second, first]
    assert signing_secrets(destination.secrets, now + timedelta(hours=24, seconds=1)) == [second]
    summaries = AuditEvent.objects.filter(action=AuditAction.DESTINATION_SECRET_ROTATED)
    assert summaries.count() == 1 and second not in summaries.get().summary


def test_two_rotations_in_a_day_keep_every_retired_secret_signing_for_its_hours(
    team, admin, public_name, settings
):
    destination, first = webhook(team, admin, public_name)
    second = services.destination_rotate_secret(destination=destination, user=admin)
    third = services.destination_rotate_secret(destination=destination, user=admin)
    destination.refresh_from_db()
    now = timezone.now()
    assert signing_secrets(destination.secrets, now) == [third, first, second]
    later = now + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS, minutes=1)
    assert signing_secrets(destination.secrets, later) == [third]
    fourth = services.destination_rotate_secret(destination=destination, user=admin)
    destination.refresh_from_db()
    # Retired secrets whose hours are over are dropped when the next rotation is stored.
    assert len(destination.secrets["retiring"]) == 3 and fourth != third


def test_a_slack_destination_has_no_secret_to_rotate(team, admin, public_name):
    destination, _ = webhook(team, admin, public_name, kind=DestinationKind.SLACK)
    with pytest.raises(ServiceError, match="Only webhook"):
        services.destination_rotate_secret(destination=destination, user=admin)


def test_a_test_event_goes_to_that_destination_only_and_to_nobody_by_mail(team, admin, public_name):
    destination, _ = webhook(team, admin, public_name)
    other, _ = webhook(team, admin, public_name, description="Other")

    delivery = services.destination_send_test(destination=destination, user=admin)

    assert delivery.destination == destination and delivery.event.type == EventType.WEBHOOK_TEST
    assert Delivery.objects.filter(destination=other).count() == 0
    assert EmailNotice.objects.count() == 0
    assert AuditEvent.objects.filter(action=AuditAction.DESTINATION_TESTED).count() == 1


def test_switching_off_fails_what_was_pending_and_on_again_starts_afresh(team, admin, public_name):
    destination, _ = webhook(team, admin, public_name)
    services.event_record(team=team, type=EventType.BATCH_COMPLETED, data={})
    Destination.objects.filter(pk=destination.pk).update(failing_since=timezone.now())

    off = services.destination_update(
        destination=destination,
        user=admin,
        url=public_name,
        description="Ops hook",
        event_types=[],
        enabled=False,
    )
    assert not off.enabled and off.disabled_reason == "Switched off by a team admin."
    assert Delivery.objects.get().status == DeliveryStatus.FAILED

    on = services.destination_update(
        destination=off,
        user=admin,
        url=public_name,
        description="Renamed",
        event_types=[],
        enabled=True,
    )
    assert on.enabled and on.disabled_reason == "" and on.failing_since is None
    summaries = list(
        AuditEvent.objects.filter(action=AuditAction.DESTINATION_EDITED)
        .order_by("id")
        .values_list("summary", flat=True)
    )
    assert summaries == [
        "“Ops hook”: switched off.",
        "“Renamed”: description changed; switched on.",
    ]


def test_a_disabled_destination_gets_no_new_events(team, admin, public_name):
    destination, _ = webhook(team, admin, public_name, enabled=False)
    services.event_record(team=team, type=EventType.BATCH_COMPLETED, data={})
    assert not Delivery.objects.exists()
    with pytest.raises(ServiceError, match="Switch the destination on"):
        services.destination_send_test(destination=destination, user=admin)


def test_deleting_a_destination_takes_its_log_with_it(team, admin, public_name):
    destination, _ = webhook(team, admin, public_name)
    services.event_record(team=team, type=EventType.BATCH_COMPLETED, data={})
    services.destination_delete(destination=destination, user=admin)
    assert not Destination.objects.exists() and not Delivery.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DESTINATION_DELETED).count() == 1


def test_the_admin_shows_destinations_and_their_log_but_never_a_secret(
    admin_client, team, admin, receiver, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    destination, secret = webhook(team, admin, receiver.url)
    receiver.configure(secrets=[secret])
    with django_capture_on_commit_callbacks(execute=True):
        services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})
    delivery = Delivery.objects.get()
    pages = [
        reverse("admin:dashboard_destination_changelist"),
        reverse("admin:dashboard_destination_change", args=[destination.pk]),
        reverse("admin:dashboard_delivery_change", args=[delivery.pk]),
        reverse("admin:dashboard_outboxevent_changelist"),
        reverse("admin:dashboard_emailnotice_changelist"),
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200
        assert secret.removeprefix("whsec_") not in response.content.decode()
    assert admin_client.get(pages[1]).content.decode().count(receiver.url) >= 1


def test_a_host_gone_private_still_lets_an_admin_switch_its_destination_off(team, admin, resolving):
    """The saved address is judged again at every delivery; an edit that keeps it does not
    look it up again, so a host now resolving privately cannot trap its destination on.
    Changing the address to anything is judged in full."""
    resolving("hooks.example.com", PUBLIC, "10.0.0.5")
    destination, _ = webhook(team, admin, "https://hooks.example.com/dashboard")

    off = services.destination_update(
        destination=destination,
        user=admin,
        url="https://hooks.example.com/dashboard",
        description="Gone private",
        event_types=[],
        enabled=False,
    )
    assert not off.enabled and off.description == "Gone private"

    with pytest.raises(services.ServiceError) as refused:
        services.destination_update(
            destination=off,
            user=admin,
            url="https://hooks.example.com/other",
            description="",
            event_types=[],
            enabled=False,
        )
    assert "url" in refused.value.field_errors
    assert Destination.objects.get(pk=destination.pk).url == "https://hooks.example.com/dashboard"
