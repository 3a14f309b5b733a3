"""Mail about events (locmem backend): who gets what, opting in and out, the daily digest,
and never a secret in any message."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from dashboard import services
from dashboard.models import (
    AuditAction,
    AuditEvent,
    EmailNotice,
    EmailStatus,
    EventType,
    NotificationPreference,
    Role,
)
from dashboard.services import ServiceError
from dashboard.services.notification_preferences import Preference
from dashboard.services.vendor_calls import mark_needs_reconnect
from tests.factories import MembershipFactory, UserFactory
from tests.notifications.conftest import webhook

pytestmark = pytest.mark.django_db


def happen(team, capture, type, data=None):
    with capture(execute=True):
        return services.event_record(team=team, type=type, data=data or {})


def recipients() -> list[list[str]]:
    return sorted(message.to for message in mail.outbox)


def test_admins_get_credentials_and_unknown_outcomes_by_default_and_others_nothing(
    team, admin, colleague, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    happen(team, capture, EventType.ACCOUNT_NEEDS_CREDENTIALS)
    happen(team, capture, EventType.PROJECT_OUTCOME_UNKNOWN)
    happen(team, capture, EventType.PROJECT_FAILED)
    assert recipients() == [["ada@example.com"], ["ada@example.com"]]
    assert services.preference_for(user=admin, team=team) == Preference(
        (
            "project.outcome_unknown",
            "project.awaiting_approval",
            "project.rejected",
            "account.needs_credentials",
        ),
        False,
        True,
    )
    assert services.preference_for(user=colleague, team=team) == Preference((), False, True)


def test_a_member_who_opts_in_gets_mail(team, colleague, django_capture_on_commit_callbacks):
    services.preference_save(
        user=colleague, team=team, event_types=["project.failed", "batch.completed"], digest=False
    )
    happen(team, django_capture_on_commit_callbacks, EventType.PROJECT_FAILED)
    happen(team, django_capture_on_commit_callbacks, EventType.PROJECT_CREATED)
    assert recipients() == [["cole@example.com"]]
    assert AuditEvent.objects.filter(action=AuditAction.NOTIFICATIONS_CHOSEN).count() == 1


def test_an_admin_who_opts_out_gets_nothing(team, admin, django_capture_on_commit_callbacks):
    services.preference_save(user=admin, team=team, event_types=[], digest=False)
    happen(team, django_capture_on_commit_callbacks, EventType.ACCOUNT_NEEDS_CREDENTIALS)
    assert mail.outbox == [] and not EmailNotice.objects.exists()


def test_choices_are_per_team(team, other_team, admin, django_capture_on_commit_callbacks):
    MembershipFactory(team=other_team, user=admin, role=Role.ADMIN)
    services.preference_save(user=admin, team=other_team, event_types=[], digest=False)
    happen(team, django_capture_on_commit_callbacks, EventType.PROJECT_OUTCOME_UNKNOWN)
    happen(other_team, django_capture_on_commit_callbacks, EventType.PROJECT_OUTCOME_UNKNOWN)
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("[Rocket]")


def test_people_without_an_address_or_no_longer_active_get_nothing(
    team, django_capture_on_commit_callbacks
):
    for user in (
        UserFactory(username="noaddress", email=""),
        UserFactory(username="gone", email="gone@example.com", is_active=False),
    ):
        MembershipFactory(team=team, user=user, role=Role.ADMIN)
    happen(team, django_capture_on_commit_callbacks, EventType.PROJECT_OUTCOME_UNKNOWN)
    assert mail.outbox == []


def test_a_mail_is_plain_text_with_a_link_to_the_page(
    team, admin, r4_account, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        mark_needs_reconnect(r4_account, reason="Invalid API key")
    (message,) = mail.outbox
    assert message.subject == f"[Rocket] Account needs new credentials: {r4_account.label}"
    assert f"Open it: {settings.SITE_URL}{r4_account.get_absolute_url()}" in message.body
    assert "Why: Invalid API key" in message.body
    assert message.alternatives == []
    notice = EmailNotice.objects.get()
    assert notice.status == EmailStatus.SENT and notice.sent_at is not None


def test_a_mail_is_sent_once_however_often_its_task_runs(
    team, admin, django_capture_on_commit_callbacks
):
    happen(team, django_capture_on_commit_callbacks, EventType.PROJECT_OUTCOME_UNKNOWN)
    notice = EmailNotice.objects.get()
    assert services.email_notice_send(notice.pk) == "not due"
    assert len(mail.outbox) == 1


def test_a_failed_send_is_tried_again_later(
    team, admin, monkeypatch, django_capture_on_commit_callbacks
):
    from dashboard.services import emails

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(emails, "send_mail", broken)
    happen(team, django_capture_on_commit_callbacks, EventType.PROJECT_OUTCOME_UNKNOWN)
    notice = EmailNotice.objects.get()
    # Held back five minutes: a sweep before then leaves it (a mail server's short outage
    # does not use up its tries).
    held_until = notice.claimed_until
    assert notice.status == EmailStatus.PENDING and held_until > timezone.now()
    assert held_until - timezone.now() > timedelta(minutes=4)
    monkeypatch.undo()
    EmailNotice.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    services.outbox_sweep()
    assert mail.outbox == []
    EmailNotice.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    services.outbox_sweep()
    assert len(mail.outbox) == 1


def test_a_digest_gathers_a_days_events_in_one_mail(
    team, colleague, django_capture_on_commit_callbacks
):
    services.preference_save(
        user=colleague, team=team, event_types=["project.failed", "project.created"], digest=True
    )
    data = {"project": {"name": "alpha", "url": "https://dash.example.com/p/1/"}}
    happen(team, django_capture_on_commit_callbacks, EventType.PROJECT_FAILED, data)
    happen(team, django_capture_on_commit_callbacks, EventType.PROJECT_CREATED, data)
    assert mail.outbox == []  # nothing at once

    assert services.digests_send() == 1
    (digest,) = mail.outbox
    assert digest.to == ["cole@example.com"]
    assert digest.subject == "[Rocket] Daily digest: 2 events"
    assert "Project create failed: alpha" in digest.body
    assert "https://dash.example.com/p/1/" in digest.body

    happen(team, django_capture_on_commit_callbacks, EventType.PROJECT_FAILED, data)
    assert services.digests_send() == 0  # the next one a day later
    NotificationPreference.objects.update(last_digest_at=timezone.now() - timedelta(hours=24))
    assert services.digests_send() == 1
    assert mail.outbox[1].subject == "[Rocket] Daily digest: 1 event"


@pytest.mark.parametrize(
    ("event_types", "digest"),
    [(["project.deleted"], False), (["webhook.test"], False), ("all", False), ([], "yes")],
)
def test_bad_choices_are_refused(team, colleague, event_types, digest):
    with pytest.raises(ServiceError):
        services.preference_save(user=colleague, team=team, event_types=event_types, digest=digest)
    assert not NotificationPreference.objects.exists()


def test_an_outsider_cannot_choose_mail_from_a_team(team, outsider):
    with pytest.raises(ServiceError, match="not a member"):
        services.preference_save(user=outsider, team=team, event_types=[], digest=False)


def test_no_secret_is_in_any_message(
    team, admin, colleague, r4_account, receiver, sandbox, django_capture_on_commit_callbacks
):
    """Every kind of mail, with a destination's secret, an account's key and a project's
    secret in the database: none of them in any subject or body."""
    destination, secret = webhook(team, admin, receiver.url)
    services.preference_save(
        user=colleague, team=team, event_types=list(EventType.values[:-1]), digest=False
    )
    api_key = r4_account.credentials["api_key"]
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        services.project_create(
            account=r4_account, user=colleague, data={"name": "a"}, idempotency_key=uuid.uuid4()
        )
    with capture(execute=True):
        mark_needs_reconnect(r4_account, reason="Invalid API key")
    with capture(execute=True):
        services.account_disconnect(account=r4_account, user=admin)
    with capture(execute=True):
        services.destination_update(
            destination=destination,
            user=admin,
            url=destination.url,
            description="",
            event_types=[],
            enabled=False,
        )
    from dashboard.services.deliveries import destination_switch_off

    destination.enabled = True
    destination.save()
    with capture(execute=True):
        destination_switch_off(destination, reason="The destination answered 410 Gone.")

    assert len(mail.outbox) == 5
    assert len(receiver.records()) == 3
    for message in mail.outbox:
        text = message.subject + message.body
        for leaked in (secret, secret.removeprefix("whsec_"), api_key):
            assert leaked not in text
