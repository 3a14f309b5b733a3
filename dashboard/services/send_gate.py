"""Whose turn it is to call a vendor account: at most VENDOR_MAX_IN_FLIGHT creates in flight
per account, across every worker, and none while a 429 has paused it.

The count and the claim are one step under the account's throttle row lock (PostgreSQL's
row lock; SQLite's write lock, taken by every transaction here). A create counts as in
flight from its claim until it settles, and never longer than the longest vendor call: a
worker killed mid-call holds its place no longer than its request could have lasted.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import SystemRandom

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard.models import AccountThrottle, Project, ProjectStatus
from dashboard.services.vendor_calls import longest_vendor_call

_jitter = SystemRandom()  # jitter only; the module's generator would do, but ruff can't tell
# A busy account's senders look again after about this long (with jitter, so they spread).
BUSY_RETRY_SECONDS = 0.5


class Turn(enum.Enum):
    CLAIMED = "claimed"  # this caller sends `project_id` now, as attempt `attempt`
    BUSY = "busy"  # the account has its most calls in flight: come back at `retry_at`
    PAUSED = "paused"  # a 429 paused the account until `retry_at`
    NOTHING = "nothing"  # nothing to send: no waiting row, or another caller claimed it


@dataclass(frozen=True)
class Claim:
    turn: Turn
    project_id: int | None = None
    attempt: datetime | None = None
    retry_at: datetime | None = None


def waiting_creates():
    """Creates recorded and not yet sent."""
    return Project.objects.filter(status=ProjectStatus.PENDING, attempted_at__isnull=True)


def in_flight(account_id: int, now: datetime) -> int:
    """Creates of the account sent and not yet answered, that may still be at the vendor."""
    since = now - timedelta(seconds=longest_vendor_call())
    return Project.objects.filter(
        account_id=account_id, status=ProjectStatus.PENDING, attempted_at__gt=since
    ).count()


def claim_turn(account_id: int, *, project_id: int | None = None) -> Claim:
    """Claim a send for the account: `project_id`, or else its next waiting batch row."""
    now = timezone.now()
    with transaction.atomic():
        throttle = _locked_throttle(account_id)
        if throttle.paused_until is not None and throttle.paused_until > now:
            return Claim(Turn.PAUSED, retry_at=throttle.paused_until + spread(1.0))
        if in_flight(account_id, now) >= settings.VENDOR_MAX_IN_FLIGHT:
            return Claim(Turn.BUSY, retry_at=now + spread(BUSY_RETRY_SECONDS))
        waiting = waiting_creates()
        if project_id is None:
            project_id = (
                waiting.filter(account_id=account_id, batch__isnull=False)
                .order_by("id")
                .values_list("pk", flat=True)
                .first()
            )
            if project_id is None:
                return Claim(Turn.NOTHING)
            AccountThrottle.objects.filter(pk=account_id).update(last_turn_at=now)
        # Conditional: of any number of callers holding this project, exactly one sends.
        if not waiting.filter(pk=project_id).update(attempted_at=now, updated_at=now):
            return Claim(Turn.NOTHING)
    return Claim(Turn.CLAIMED, project_id=project_id, attempt=now)


def release_turn(project_id: int, attempt: datetime) -> bool:
    """Give back a claim the vendor refused before doing anything (a 429): the create
    waits again, unsent. Conditional on our own attempt."""
    return bool(
        Project.objects.filter(
            pk=project_id, status=ProjectStatus.PENDING, attempted_at=attempt
        ).update(attempted_at=None, queued_at=timezone.now())
    )


def pause_account(account_id: int, *, retry_after: int | None) -> datetime:
    """Pause the account's sending: for as long as its Retry-After asks, or else 2^n
    seconds (n = 429s in a row) with full jitter; never beyond VENDOR_BACKOFF_MAX_SECONDS."""
    now = timezone.now()
    ceiling = settings.VENDOR_BACKOFF_MAX_SECONDS
    with transaction.atomic():
        throttle = _locked_throttle(account_id)
        if throttle.paused_until is not None and throttle.paused_until > now and not retry_after:
            # Sent before the pause began (calls in flight together): one storm, one step.
            return throttle.paused_until
        if retry_after is not None and retry_after > 0:
            seconds = float(min(retry_after, ceiling))
        else:
            seconds = _jitter.uniform(0.5, 1.0) * min(2.0**throttle.backoff_step, ceiling)
        until = now + timedelta(seconds=seconds)
        if throttle.paused_until is None or throttle.paused_until < until:
            throttle.paused_until = until
        throttle.backoff_step = min(throttle.backoff_step + 1, 30)
        throttle.save(update_fields=["paused_until", "backoff_step"])
    return throttle.paused_until


def note_success(account_id: int) -> None:
    """An answer that was not a 429: the next backoff starts small again."""
    AccountThrottle.objects.filter(pk=account_id, backoff_step__gt=0).update(backoff_step=0)


def _locked_throttle(account_id: int) -> AccountThrottle:
    throttle = AccountThrottle.objects.select_for_update().filter(pk=account_id).first()
    if throttle is not None:
        return throttle
    try:
        with transaction.atomic():
            AccountThrottle.objects.create(account_id=account_id)
    except IntegrityError:
        pass  # made at the same moment by another sender
    return AccountThrottle.objects.select_for_update().get(pk=account_id)


def spread(seconds: float) -> timedelta:
    """`seconds` plus up to as much again, so waiting senders don't all come back at once."""
    return timedelta(seconds=seconds * (1 + _jitter.random()))
