"""The API's request rules: Idempotency-Key (remember the first answer) and the rate limit.

Both are kept in the database, so they hold across every web process.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from dashboard.models import ApiRateWindow, IdempotentRequest
from dashboard.services.errors import ServiceError

RATE_WINDOW = timedelta(minutes=1)


class KeyReusedWithAnotherBody(ServiceError):
    """The same key came with a different request: a client bug, answered 422."""


class KeyInFlight(ServiceError):
    """The first request with this key has not been answered yet: answered 409."""


@dataclass(frozen=True)
class Replay:
    status: int
    body: Any
    location: str


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """The same request gives the same fingerprint, however its JSON was spaced or ordered."""
    # ASCII: a lone surrogate in a string is escaped, never an encoding error.
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def key_reference(*, team_id: int, user_id: int, key: str, fingerprint: str) -> uuid.UUID:
    """What a keyed API create makes is known by this (a project's idempotency key, a
    batch's reference). Derived, so a create whose answer was never stored (the process
    died) finds what it made on the next try."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"api:{team_id}:{user_id}:{key}:{fingerprint}")


def _key_ttl() -> timedelta:
    return timedelta(hours=settings.API_IDEMPOTENCY_KEY_HOURS)


def idempotent_request_begin(
    *, team_id: int, user_id: int, key: str, fingerprint: str, now: datetime | None = None
) -> IdempotentRequest | Replay:
    """Take the key for this request, or say what the first request with it got.

    Raises KeyReusedWithAnotherBody or KeyInFlight. A key whose first request died before
    it was answered is taken over after API_IDEMPOTENCY_CLAIM_SECONDS: what that request
    did is found again through its derived project key, never done twice.
    """
    now = now or timezone.now()
    for _ in range(3):
        taken = _take_key(team_id, user_id, key, fingerprint, now)
        if taken is not None:
            return taken
        first = IdempotentRequest.objects.filter(team_id=team_id, user_id=user_id, key=key).first()
        if first is None:  # pruned between the insert and the read: take it again
            continue
        if first.created_at < now - _key_ttl():
            IdempotentRequest.objects.filter(pk=first.pk, created_at=first.created_at).delete()
            continue
        if first.fingerprint != fingerprint:
            raise KeyReusedWithAnotherBody(
                "This Idempotency-Key was already used with a different request. Use a new "
                "key for a new request."
            )
        if first.answer_status is not None:
            return Replay(first.answer_status, first.answer_body, first.answer_location)
        stale = now - timedelta(seconds=settings.API_IDEMPOTENCY_CLAIM_SECONDS)
        if first.claimed_at < stale and _take_over(first, now):
            first.claimed_at = now
            return first
        raise KeyInFlight(
            "A request with this Idempotency-Key is still being processed. Try again in a "
            "moment to get its answer."
        )
    raise KeyInFlight("This Idempotency-Key is busy. Try again in a moment.")


def _take_key(
    team_id: int, user_id: int, key: str, fingerprint: str, now: datetime
) -> IdempotentRequest | None:
    """The key's row, new, or None when it exists: one INSERT … ON CONFLICT DO NOTHING
    RETURNING (PostgreSQL, and SQLite since 3.35), with no transaction of its own."""
    quote = connection.ops.quote_name
    table = quote(IdempotentRequest._meta.db_table)
    columns = ", ".join(map(quote, ("team_id", "user_id", "key", "fingerprint", "created_at")))
    unique = ", ".join(map(quote, ("team_id", "user_id", "key")))
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}, answer_location, claimed_at) "  # noqa: S608
            f"VALUES (%s, %s, %s, %s, %s, '', %s) ON CONFLICT ({unique}) DO NOTHING RETURNING id",
            [team_id, user_id, key, fingerprint, at, at],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return IdempotentRequest(
        pk=row[0], team_id=team_id, user_id=user_id, key=key, fingerprint=fingerprint,
        answer_location="", created_at=now, claimed_at=now,
    )  # fmt: skip


def _take_over(first: IdempotentRequest, now: datetime) -> bool:
    taken = IdempotentRequest.objects.filter(
        pk=first.pk, answer_status__isnull=True, claimed_at=first.claimed_at
    ).update(claimed_at=now)
    return taken == 1


def idempotent_request_answer(
    request: IdempotentRequest, *, status: int, body: Any, location: str = ""
) -> None:
    # Only while this request still holds its claim (a slow one may have been taken over).
    IdempotentRequest.objects.filter(pk=request.pk, claimed_at=request.claimed_at).update(
        answer_status=status, answer_body=body, answer_location=location
    )


def idempotent_request_forget(request: IdempotentRequest) -> None:
    """Refused input is not remembered: the client may fix it and send it with the same key."""
    IdempotentRequest.objects.filter(
        pk=request.pk, claimed_at=request.claimed_at, answer_status__isnull=True
    ).delete()


def api_rate_wait(*, token_id: int, now: datetime | None = None) -> int | None:
    """Count one request for the token; None when allowed, else seconds until the next
    window. One statement: open the window or add one to it, and read the count back."""
    now = now or timezone.now()
    start = now.replace(second=0, microsecond=0)
    if _count_in_window(token_id, start) <= settings.API_RATE_LIMIT:
        return None
    return max(1, math.ceil((start + RATE_WINDOW - now).total_seconds()))


def _count_in_window(token_id: int, start: datetime) -> int:
    # INSERT … ON CONFLICT … RETURNING: PostgreSQL, and SQLite since 3.35.
    table = connection.ops.quote_name(ApiRateWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (token_id, window_start, requests) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (token_id, window_start) DO UPDATE SET requests = {table}.requests + 1 "
            "RETURNING requests",
            [token_id, connection.ops.adapt_datetimefield_value(start)],
        )
        return cursor.fetchone()[0]


def api_requests_prune(*, now: datetime | None = None) -> int:
    """Forget keys older than their lifetime and rate windows older than an hour."""
    now = now or timezone.now()
    keys, _ = IdempotentRequest.objects.filter(created_at__lt=now - _key_ttl()).delete()
    windows, _ = ApiRateWindow.objects.filter(window_start__lt=now - timedelta(hours=1)).delete()
    return keys + windows
