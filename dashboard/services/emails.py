"""Mail about events, sent from the outbox by the workers: plain text with a link to the
page, never a secret (it is written from the event's payload, which holds none).

A notice is claimed before it is sent (a lease, like a delivery's), so two workers never
send one twice at once; one whose worker died is queued again by the sweep. A person who
chose the daily digest gets one mail a day with every event since the last one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from dashboard import queue
from dashboard.models import (
    EmailNotice,
    EmailStatus,
    NotificationPreference,
    Role,
    Team,
    role_in,
)
from dashboard.services.event_texts import digest_text, mail_text
from dashboard.services.notification_preferences import team_admins

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60
MOST_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=5)
DIGEST_EVERY = timedelta(hours=24)
# A digest job that runs a little early still counts as a day.
DIGEST_SLACK = timedelta(minutes=10)


def admins_notify(*, team: Team, subject: str, lines: list[str], path: str) -> list[int]:
    """A mail of its own to each of the team's admins, in the caller's transaction, sent
    once it commits."""
    body = "\n".join([*lines, "", f"Open it: {settings.SITE_URL}{path}"])
    notices = EmailNotice.objects.bulk_create(
        EmailNotice(team=team, user=admin, subject=subject[:200], body=body)
        for admin in team_admins(team.pk)
    )
    ids = [notice.pk for notice in notices]

    def queue_them() -> None:
        for notice_id in ids:  # one that can't be queued is left to the sweep
            queue.enqueue_email_notice(notice_id=notice_id)

    transaction.on_commit(queue_them)
    return ids


def _claim(notice_id: int, now: datetime) -> bool:
    return bool(
        EmailNotice.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
            pk=notice_id,
            status=EmailStatus.PENDING,
            digest=False,
        ).update(claimed_until=now + timedelta(seconds=LEASE_SECONDS), attempts=F("attempts") + 1)
    )


def email_notice_send(notice_id: int) -> str:
    """Send one mail owed at once, if nobody else is sending it."""
    now = timezone.now()
    if not _claim(notice_id, now):
        return "not due"
    notice = EmailNotice.objects.select_related("event", "team", "user").get(pk=notice_id)
    if not _still_told(notice.user, notice.team_id, admins_only=notice.event is None):
        EmailNotice.objects.filter(pk=notice_id).update(
            status=EmailStatus.FAILED, claimed_until=None
        )
        return "not sent: no longer in the team"
    if notice.event is not None:
        subject, body = mail_text(notice.event, notice.team.name)
    else:
        subject, body = notice.subject, notice.body
    try:
        send_mail(subject, body, None, [notice.user.email])
    except Exception:  # SMTP and its kin raise anything; the mail is tried again later
        logger.exception("Could not send mail %s", notice_id)
        gave_up = notice.attempts >= MOST_ATTEMPTS
        # Held back (5, 10, 20, 40 minutes) so a mail server's outage outlasts no mail.
        retry_at = now + RETRY_AFTER * 2 ** max(notice.attempts - 1, 0)
        EmailNotice.objects.filter(pk=notice_id).update(
            claimed_until=None if gave_up else retry_at,
            status=EmailStatus.FAILED if gave_up else EmailStatus.PENDING,
        )
        return "failed"
    EmailNotice.objects.filter(pk=notice_id).update(
        status=EmailStatus.SENT, sent_at=timezone.now(), claimed_until=None
    )
    return "sent"


def digests_send(*, now: datetime | None = None) -> int:
    """One mail per person and team whose digest is due (a day since the last) and who has
    events waiting. The preference row is claimed by a conditional update: one sender."""
    now = now or timezone.now()
    due_before = now - DIGEST_EVERY + DIGEST_SLACK
    waiting = EmailNotice.objects.filter(status=EmailStatus.PENDING, digest=True)
    pairs = set(waiting.values_list("user_id", "team_id"))
    sent = 0
    for user_id, team_id in sorted(pairs):
        prefs = NotificationPreference.objects.filter(user_id=user_id, team_id=team_id)
        last = prefs.values_list("last_digest_at", flat=True).first()
        if last is not None and last > due_before:
            continue
        if not prefs.filter(last_digest_at=last).update(last_digest_at=now):
            continue  # another sender took it
        sent += _send_digest(user_id, team_id, last, now)
    return sent


def _send_digest(user_id: int, team_id: int, last: datetime | None, now: datetime) -> int:
    notices = list(
        EmailNotice.objects.filter(
            user_id=user_id, team_id=team_id, status=EmailStatus.PENDING, digest=True
        )
        .select_related("event", "team", "user")
        .order_by("created_at", "id")
    )
    if not notices:
        return 0
    first = notices[0]
    if not _still_told(first.user, team_id, admins_only=False):
        EmailNotice.objects.filter(pk__in=[n.pk for n in notices]).update(status=EmailStatus.FAILED)
        return 0
    subject, body = digest_text([n.event for n in notices if n.event], first.team.name)
    try:
        send_mail(subject, body, None, [first.user.email])
    except Exception:
        logger.exception("Could not send the digest of user %s, team %s", user_id, team_id)
        # Tried again at the next run.
        NotificationPreference.objects.filter(
            user_id=user_id, team_id=team_id, last_digest_at=now
        ).update(last_digest_at=last)
        return 0
    EmailNotice.objects.filter(pk__in=[n.pk for n in notices]).update(
        status=EmailStatus.SENT, sent_at=timezone.now()
    )
    return 1


def _still_told(user, team_id: int, *, admins_only: bool) -> bool:
    """Mail is addressed when the event is recorded and sent later: by then the person may
    have left the team (or stopped being its admin, for an admin's notice)."""
    if not user.is_active:
        return False
    role = role_in(user, team_id)
    return role == Role.ADMIN if admins_only else role is not None
