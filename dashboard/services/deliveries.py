"""Delivering events to destinations, by the workers.

- A destination's turn: at most WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION deliveries in flight
  per destination, across every worker (counted and claimed in one step under the
  destination's row lock), and one while it is slow (its last attempt took
  SLOW_ATTEMPT_SECONDS or more). A turn sends one delivery, then the task queues itself
  behind everyone else's work, so a slow destination holds one worker at most and never
  delays another. An event queues no turn for a destination already at its limit.
- A claim is a lease (`claimed_until`): a worker killed mid-delivery holds it no longer
  than a delivery can last, then the sweep queues it again. Delivery is at least once;
  the webhook-id lets a receiver drop a repeat.
- Every attempt is kept. A 2xx delivers; a 410 switches the destination off at once;
  anything else (another status, a timeout, a refusal) is retried on
  WEBHOOK_RETRY_SCHEDULE, with jitter. A destination failing every attempt for
  WEBHOOK_DISABLE_AFTER_HOURS, its last delivery's retries spent, is switched off and its
  team's admins are told by mail.
"""

from __future__ import annotations

import enum
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import SystemRandom

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from dashboard import queue
from dashboard.models import (
    AuditAction,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Destination,
)
from dashboard.services.audit import audit_record
from dashboard.services.emails import admins_notify
from dashboard.services.webhook_requests import EXCERPT_BYTES, delivery_request, excerpt
from dashboard.validation.text import printable
from providers import http
from providers.errors import ProviderError

logger = logging.getLogger(__name__)
_jitter = SystemRandom()

# A claim outlasts the longest attempt by this much (the attempt is recorded after it).
LEASE_MARGIN_SECONDS = 5.0
# An attempt this long (an answer, a timeout or a refusal) marks its destination slow.
SLOW_ATTEMPT_SECONDS = 1.0
GONE = 410
ERROR_MAX = 300
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_STEP = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_schedule(text: str) -> list[float]:
    """ "5s,5m,30m,2h" → seconds; ValueError for anything else."""
    steps = []
    for part in text.split(","):
        match = _STEP.match(part)
        if match is None:
            raise ValueError(f"WEBHOOK_RETRY_SCHEDULE: “{part.strip()}” is not like 5s, 5m or 2h.")
        steps.append(float(match.group(1)) * _UNITS[match.group(2) or "s"])
    return steps


def retry_schedule() -> list[float]:
    return parse_schedule(settings.WEBHOOK_RETRY_SCHEDULE)


def jittered(seconds: float) -> timedelta:
    """A pause, plus up to a tenth more, so retries of many deliveries spread out."""
    return timedelta(seconds=seconds * (1 + 0.1 * _jitter.random()))


class Turn(enum.Enum):
    CLAIMED = "claimed"
    BUSY = "busy"  # the destination has its most deliveries in flight
    NOTHING = "nothing"  # nothing due, or the destination is off


@dataclass(frozen=True)
class Claim:
    turn: Turn
    delivery_id: int | None = None
    lease: datetime | None = None


def in_flight_limit(*, slow: bool) -> int:
    """The most deliveries of a destination in flight at once: one while it is slow, so a
    destination that takes seconds to answer holds one worker, not several."""
    return 1 if slow else max(1, settings.WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION)


def lease_seconds() -> float:
    return settings.WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS


def claim_delivery(destination_id: int) -> Claim:
    """Claim the destination's next due delivery, if it has room for one more in flight."""
    now = timezone.now()
    with transaction.atomic():
        # The destination's row only (its Meta ordering would join and lock the team's
        # row too), and not its key: a transaction recording an event for it still
        # commits (FOR KEY SHARE) instead of deadlocking with a claim (PostgreSQL).
        slow = (
            Destination.objects.select_for_update(no_key=True)
            .filter(pk=destination_id, enabled=True)
            .order_by()
            .values_list("slow", flat=True)
            .first()
        )
        if slow is None:
            return Claim(Turn.NOTHING)
        pending = Delivery.objects.filter(destination_id=destination_id, status="pending")
        if pending.filter(claimed_until__gt=now).count() >= in_flight_limit(slow=slow):
            return Claim(Turn.BUSY)
        due = (
            pending.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .filter(next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)
            .first()
        )
        if due is None:
            return Claim(Turn.NOTHING)
        lease = now + timedelta(seconds=lease_seconds())
        Delivery.objects.filter(pk=due).update(claimed_until=lease)
    return Claim(Turn.CLAIMED, due, lease)


def needing_a_turn(destination_ids: list[int]) -> list[int]:
    """Those not already at their most deliveries in flight. One at its limit needs no new
    turn: each turn in flight ends after this moment, and takes another if more are due
    then (a claim whose worker died runs out, and the sweep queues it again). Without this,
    every event queued a turn for a busy (slow) destination, which ended at once."""
    in_flight = (
        Delivery.objects.filter(
            destination_id__in=destination_ids,
            status=DeliveryStatus.PENDING,
            claimed_until__gt=timezone.now(),
        )
        .values_list("destination_id", "destination__slow")
        .annotate(n=Count("id"))
        .order_by()
    )
    full = {pk for pk, slow, n in in_flight if n >= in_flight_limit(slow=slow)}
    return [pk for pk in destination_ids if pk not in full]


def due_now(destination_id: int) -> bool:
    now = timezone.now()
    return Delivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        destination_id=destination_id,
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=now,
        destination__enabled=True,
    ).exists()


def destination_deliver_next(destination_id: int) -> bool:
    """One turn of a destination: send its next due delivery if it has room. True when
    more are due now (take another turn)."""
    claim = claim_delivery(destination_id)
    if claim.turn != Turn.CLAIMED:
        return False  # busy: whoever holds the turns takes the next ones
    delivery_send(claim.delivery_id, claim.lease)
    return due_now(destination_id)


def deliver_in_place(destination_id: int) -> None:
    """Without workers (an immediate queue): every delivery due now, one after another."""
    while destination_deliver_next(destination_id):
        pass


@dataclass(frozen=True)
class Outcome:
    started_at: datetime
    duration_ms: int
    status_code: int | None = None
    excerpt: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def delivery_send(delivery_id: int, lease: datetime) -> Outcome:
    """Send a claimed delivery once and record the attempt and what follows from it."""
    delivery = Delivery.objects.select_related("event", "destination", "destination__team").get(
        pk=delivery_id
    )
    destination = delivery.destination
    started_at, started = timezone.now(), time.monotonic()
    try:
        body, headers = delivery_request(delivery.event, destination, started_at)
        answer = http.send(
            "POST",
            destination.url,
            headers=headers,
            body=body,
            vendor="The destination",
            total_timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_setting="WEBHOOK_ALLOWED_HOSTS",
            https_only=True,
            log_path=False,  # a Slack URL's path is its secret; a webhook's may hold a token
        )
    except ProviderError as exc:
        outcome = Outcome(
            started_at, _ms(started), exc.status, error=printable(exc.message)[:ERROR_MAX]
        )
    except Exception:  # a bug must not leave the delivery claimed: it is retried
        logger.exception("Delivery %s failed on our side", delivery_id)
        outcome = Outcome(started_at, _ms(started), error="Something went wrong on our side.")
    else:
        error = "" if answer.ok else f"The destination answered {answer.status}."
        outcome = Outcome(started_at, _ms(started), answer.status, excerpt(answer.text), error)
    delivery_record(delivery, lease, outcome)
    return outcome


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def delivery_record(delivery: Delivery, lease: datetime, outcome: Outcome) -> None:
    """Keep the attempt; then, if the claim is still ours (a lease that ran out may have
    been taken by another worker), what follows: delivered, a retry, failed, or off."""
    now = timezone.now()
    destination = delivery.destination
    mine = Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.PENDING, claimed_until=lease
    )
    counted = {
        "attempts": F("attempts") + 1,
        "claimed_until": None,
        "last_status_code": outcome.status_code,
    }
    retry_at = None
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            started_at=outcome.started_at,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            response_excerpt=outcome.excerpt[:EXCERPT_BYTES],
            error=outcome.error,
        )
        slow = outcome.duration_ms >= SLOW_ATTEMPT_SECONDS * 1000
        Destination.objects.filter(pk=destination.pk).exclude(slow=slow).update(slow=slow)
        if outcome.ok:
            Destination.objects.filter(pk=destination.pk, failing_since__isnull=False).update(
                failing_since=None
            )
            mine.update(
                **counted,
                status=DeliveryStatus.DELIVERED,
                delivered_at=now,
                next_attempt_at=None,
                retry_step=0,
                last_error="",
            )
            return
        Destination.objects.filter(pk=destination.pk, failing_since__isnull=True).update(
            failing_since=outcome.started_at
        )
        schedule = retry_schedule()
        step = delivery.retry_step + 1
        # Switched off while this was in flight: no retry (as for its other pending ones).
        still_on = Destination.objects.filter(pk=destination.pk, enabled=True).exists()
        if still_on and outcome.status_code != GONE and step <= len(schedule):
            retry_at = now + jittered(schedule[step - 1])
            moved = mine.update(
                **counted, retry_step=step, next_attempt_at=retry_at, last_error=outcome.error
            )
            if moved:
                transaction.on_commit(
                    lambda: queue.enqueue_delivery_turn(destination_id=destination.pk, at=retry_at)
                )
            return
        mine.update(
            **counted,
            status=DeliveryStatus.FAILED,
            retry_step=step,
            next_attempt_at=None,
            last_error=outcome.error,
        )
        if outcome.status_code == GONE:
            destination_switch_off(
                destination,
                reason=f"The destination answered 410 Gone on {_when(now)}: switched off.",
            )
        else:
            _switch_off_if_failing_for_a_day(destination, now)


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _switch_off_if_failing_for_a_day(destination: Destination, now: datetime) -> bool:
    since = now - timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)
    failing_since = (
        Destination.objects.filter(pk=destination.pk)
        .values_list("failing_since", flat=True)
        .first()
    )
    if failing_since is not None and failing_since <= since:
        return destination_switch_off(
            destination,
            reason=f"Every delivery failed from {_when(failing_since)} to {_when(now)}: "
            "switched off.",
        )
    return False


def destinations_failing_for_a_day_switch_off(now: datetime) -> int:
    """The sweep's look: a destination whose every attempt has failed for a day is off even
    when its last delivery's retries are not spent (the schedule's end comes sooner, and a
    quiet destination may have nothing left to try)."""
    since = now - timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)
    failing = Destination.objects.filter(enabled=True, failing_since__lte=since).select_related(
        "team"
    )
    return sum(_switch_off_if_failing_for_a_day(destination, now) for destination in failing)


def destination_switch_off(
    destination: Destination, *, reason: str, actor=None, tell_admins: bool = True
) -> bool:
    """Off, once (a conditional update): its pending deliveries fail (a person may resend
    them once it is on again), it is audited, and its team's admins are told by mail."""
    with transaction.atomic():
        changed = Destination.objects.filter(pk=destination.pk, enabled=True).update(
            enabled=False, disabled_reason=reason[:ERROR_MAX], updated_at=timezone.now()
        )
        if not changed:
            return False
        now = timezone.now()
        unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
        Delivery.objects.filter(
            unclaimed, destination=destination, status=DeliveryStatus.PENDING
        ).update(
            status=DeliveryStatus.FAILED,
            next_attempt_at=None,
            claimed_until=None,
            last_error="Not sent: the destination was switched off.",
        )
        name = str(destination)  # the description, else the URL with any secret masked
        audit_record(
            team=destination.team,
            actor=actor,
            action=AuditAction.DESTINATION_DISABLED,
            target=destination,
            summary=f"“{name}”: {reason}",
        )
        if tell_admins:
            admins_notify(
                team=destination.team,
                subject=f"Notification destination switched off: {name}"[:200],
                lines=[
                    f"The destination “{name}” of team {destination.team.name} was switched off.",
                    reason,
                    "Events are not sent to it until a team admin switches it on again.",
                ],
                path=destination_page(destination),
            )
    destination.enabled, destination.disabled_reason = False, reason[:ERROR_MAX]
    return True


def destination_page(destination: Destination) -> str:
    """The destination's delivery log, where an admin sees why and switches it on again."""
    return reverse("dashboard:delivery_log", args=[destination.pk])
