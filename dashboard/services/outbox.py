"""Events leave through an outbox: written in the caller's transaction, next to the change
they describe, and fanned out there (a Delivery per destination that wants the type, an
EmailNotice per person who does). Work is queued only once the transaction commits, so a
change that rolls back sends nothing; a process that dies after the commit loses nothing,
as the sweep queues whatever is due and unclaimed.

Payloads are plain facts and a link: never a secret, never a credential.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from dashboard import queue
from dashboard.models import (
    Batch,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Destination,
    EmailNotice,
    EmailStatus,
    EventType,
    OutboxEvent,
    Project,
    ProjectStatus,
    Team,
    VendorAccount,
)
from dashboard.services.notification_preferences import recipients
from dashboard.validation.text import printable

logger = logging.getLogger(__name__)

# Words from a vendor kept in a payload: one line, this long at most.
REASON_MAX = 500


def event_record(
    *, team: Team, type: str, data: dict, not_mailed_to: frozenset[int] = frozenset()
) -> OutboxEvent:
    """Record one event in the caller's transaction, and fan it out there."""
    return events_record(team_id=team.pk, type=type, datas=[data], not_mailed_to=not_mailed_to)[0]


def events_record(
    *,
    team_id: int,
    type: str,
    datas: list[dict],
    destination: Destination | None = None,
    not_mailed_to: frozenset[int] = frozenset(),
) -> list[OutboxEvent]:
    """Record events of one team and type together (one query per table, however many).
    `destination`: to that destination only, and to nobody by mail (a test event).
    `not_mailed_to`: people left out of the mail (a requester is not their own approver)."""
    EventType(type)  # a typo is a bug, not a new type
    now = timezone.now()
    with transaction.atomic():
        events = OutboxEvent.objects.bulk_create(
            OutboxEvent(team_id=team_id, type=type, data=data, created_at=now) for data in datas
        )
        if destination is not None:
            destinations = [destination]
        else:
            # Not decrypted: fanning out needs no secret.
            enabled = Destination.objects.filter(team_id=team_id, enabled=True).defer("secrets")
            destinations = [d for d in enabled if d.wants(type)]
        Delivery.objects.bulk_create(
            Delivery(event=event, destination=d, next_attempt_at=now, created_at=now)
            for event in events
            for d in destinations
        )
        people = recipients(team_id=team_id, event_type=type) if destination is None else []
        people = [(user_id, digest) for user_id, digest in people if user_id not in not_mailed_to]
        notices = EmailNotice.objects.bulk_create(
            EmailNotice(event=event, team_id=team_id, user_id=user_id, digest=digest)
            for event in events
            for user_id, digest in people
        )
        destination_ids = [d.pk for d in destinations]
        immediate = [n.pk for n in notices if not n.digest]
        transaction.on_commit(lambda: queue_work(destination_ids, immediate))
    return events


def queue_work(destination_ids: list[int], notice_ids: list[int]) -> None:
    """After the commit: a turn for each destination, a task for each mail. Without
    workers (an immediate queue) deliveries are made here and now. With workers, work that
    could not be queued (the queue is down) is left to the sweep, never done in the
    request that recorded the event; a destination already at its in-flight limit gets
    no new turn (the turns in flight take what comes next)."""
    from dashboard.services.deliveries import deliver_in_place, needing_a_turn

    with_workers = queue.queue_has_workers()
    for destination_id in needing_a_turn(destination_ids) if destination_ids else []:
        if with_workers:
            queue.enqueue_delivery_turn(destination_id=destination_id)
        else:
            deliver_in_place(destination_id)
    for notice_id in notice_ids:
        queue.enqueue_email_notice(notice_id=notice_id)


def site_url(path: str) -> str:
    return settings.SITE_URL + path


# --- payloads ---------------------------------------------------------------------------


def _line(text: str) -> str:
    return printable(str(text or ""))[:REASON_MAX]


def project_data(project: Project) -> dict:
    error = None
    if project.status in (ProjectStatus.FAILED, ProjectStatus.UNKNOWN) and project.error_message:
        error = {
            "kind": project.error_kind,
            "code": project.error_code,
            "message": _line(project.error_message),
        }
    return {
        "project": {
            "reference": str(project.reference),
            "name": project.name,
            "vendor": project.vendor,
            "account": {"id": project.account_id, "label": project.account.label},
            "status": project.status,
            "remote_id": project.remote_id,
            "error": error,
            "url": site_url(project.get_absolute_url()),
        }
    }


def account_data(account: VendorAccount, *, reason: str = "") -> dict:
    return {
        "account": {
            "id": account.pk,
            "label": account.label,
            "vendor": account.vendor,
            "status": account.status,
            "url": site_url(account.get_absolute_url()),
        },
        "reason": _line(reason),
    }


def batch_data(batch: Batch) -> dict:
    counts = dict(
        Project.objects.filter(batch_id=batch.pk)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "batch": {
            "reference": str(batch.reference),
            "name": batch.name,
            "counts": {status: counts.get(status, 0) for status in ProjectStatus.values},
            "url": site_url(batch.get_absolute_url()),
        }
    }


# The event a project's move into each status is.
EVENT_OF_STATUS = {
    ProjectStatus.CREATED: EventType.PROJECT_CREATED,
    ProjectStatus.FAILED: EventType.PROJECT_FAILED,
    ProjectStatus.UNKNOWN: EventType.PROJECT_OUTCOME_UNKNOWN,
}


def projects_moved_record(project_ids: list[int], status: str) -> None:
    """The events of projects that just moved into `status` (in the mover's transaction),
    read as they are now: one query, however many moved."""
    event_type = EVENT_OF_STATUS.get(status)
    if event_type is None or not project_ids:
        return
    moved = Project.objects.filter(pk__in=project_ids).select_related("account").defer("secrets")
    by_team: dict[int, list[dict]] = {}
    for project in moved.order_by("pk"):
        by_team.setdefault(project.team_id, []).append(project_data(project))
    for team_id, datas in by_team.items():
        events_record(team_id=team_id, type=event_type, datas=datas)


def project_event_record(
    project: Project, type: str, *, not_mailed_to: frozenset[int] = frozenset(), **extra
) -> OutboxEvent:
    """One event about `project`, read as it is now, with `extra` facts beside it."""
    fresh = Project.objects.select_related("account", "team").defer("secrets").get(pk=project.pk)
    return event_record(
        team=fresh.team,
        type=type,
        data={**project_data(fresh), **extra},
        not_mailed_to=not_mailed_to,
    )


# --- the sweep --------------------------------------------------------------------------


def outbox_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Work whose task was lost (a process killed after the commit, a queue outage, a
    worker killed mid-delivery, its lease run out): queued again."""
    from dashboard.services.deliveries import destinations_failing_for_a_day_switch_off

    now = now or timezone.now()
    switched_off = destinations_failing_for_a_day_switch_off(now)
    due = Delivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=now,
        destination__enabled=True,
    )
    destination_ids = sorted(set(due.values_list("destination_id", flat=True)))
    grace = now - timedelta(seconds=settings.SCHEDULE_OUTBOX_SWEEP_SECONDS)
    notices = list(
        EmailNotice.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
            status=EmailStatus.PENDING,
            digest=False,
            created_at__lt=grace,
        ).values_list("pk", flat=True)[:1000]
    )
    queue_work(destination_ids, notices)
    return {
        "destinations": len(destination_ids),
        "emails": len(notices),
        "switched_off": switched_off,
    }


def outbox_prune(*, now: datetime | None = None) -> int:
    """The delivery log, events and mail notices older than NOTIFICATIONS_KEEP_DAYS (an
    event still being delivered stays until it is done)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.NOTIFICATIONS_KEEP_DAYS)
    busy = Delivery.objects.filter(status=DeliveryStatus.PENDING).values("event_id")
    deleted, _ = OutboxEvent.objects.filter(created_at__lt=cutoff).exclude(pk__in=busy).delete()
    attempts, _ = DeliveryAttempt.objects.filter(started_at__lt=cutoff).delete()
    notices, _ = EmailNotice.objects.filter(event__isnull=True, created_at__lt=cutoff).delete()
    return deleted + attempts + notices
