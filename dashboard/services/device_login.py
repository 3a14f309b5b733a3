"""Connecting an account by device sign-in (RFC 8628), polled by a worker.

A worker task asks the vendor no faster than its interval (plus every slow_down and 429
penalty) and connects the account once it is approved, whether or not anyone still has
the page open; the page only reads the row. Nobody watches the worker, so it finishes a
sign-in only while whoever started it is still an admin of the team, and an account it
renews is still the team's and not disconnected since: checked before each poll, and
again under lock as it connects. Every step is a conditional update of the sign-in's
row: a poll is claimed by moving `next_poll_at`, so two workers (or a worker and the
sweep) ask the vendor once per interval; and a sign-in leaves "pending" once, so the
account is made once. `now` is a parameter so the rules can be tested with a
controlled clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dashboard.models import (
    AuditAction,
    DeviceLogin,
    DeviceLoginStatus,
    Role,
    Team,
    VendorAccount,
    team_ids_for,
)
from dashboard.models.columns import column_max
from dashboard.queue import enqueue_device_login_poll
from dashboard.services.accounts import clean_label, save_verified_account
from dashboard.services.audit import audit_record
from dashboard.services.errors import ServiceError
from dashboard.services.vendor_answers import shown
from dashboard.validation.text import has_control_characters
from providers.base import ProviderError
from providers.device_login import TERMINAL, PollState, next_interval
from providers.http import check_base_url
from providers.registry import get_provider

logger = logging.getLogger(__name__)

_ENDED = {
    PollState.DENIED: DeviceLoginStatus.DENIED,
    PollState.EXPIRED: DeviceLoginStatus.EXPIRED,
    PollState.FAILED: DeviceLoginStatus.FAILED,
}
EXPIRED_MESSAGE = "The code expired before it was approved."
# Kept (encrypted) between the vendor's approval and the account's creation, so a worker
# that stops in between leaves the sign-in for the next run to finish.
_TOKEN = "approved_token"


def device_login_start(
    *,
    team: Team,
    user,
    vendor: str,
    label: str,
    base_url: str,
    account: VendorAccount | None = None,
    now: datetime | None = None,
) -> DeviceLogin:
    provider = get_provider(vendor)
    if not provider.supports_device_login:
        raise ServiceError(f"{provider.name} has no device sign-in.")
    label = clean_label(label)
    try:
        base_url = check_base_url(base_url or provider.default_base_url)
        authorization = provider.start_device_login(base_url=base_url)
    except ProviderError as exc:
        raise ServiceError(exc.message if not exc.field_errors else "", exc.field_errors) from None
    _refuse_unfit_authorization(provider.name, authorization)
    now = now or timezone.now()
    with transaction.atomic():
        login = DeviceLogin.objects.create(
            team=team,
            account=account,
            vendor=vendor,
            label=label,
            base_url=base_url,
            secrets={"device_code": authorization.device_code},
            user_code=authorization.user_code,
            verification_uri=authorization.verification_uri,
            verification_uri_complete=authorization.verification_uri_complete,
            interval=authorization.interval,
            expires_at=now + timedelta(seconds=authorization.expires_in),
            next_poll_at=now + timedelta(seconds=authorization.interval),
            created_by=user,
        )
        # Never the user code: the whole team reads the audit, and anyone holding the code
        # could approve it with their own vendor login while it lasts.
        audit_record(
            team=team,
            actor=user,
            action=AuditAction.DEVICE_LOGIN_STARTED,
            target=login,
            summary=f"{provider.name} sign-in started for “{label}”.",
        )
    enqueue_device_login_poll(login_id=login.pk, at=login.next_poll_at)
    return login


_SHOWN_TO_THE_ADMIN = ("user_code", "verification_uri", "verification_uri_complete")


def _refuse_unfit_authorization(vendor_name: str, authorization) -> None:
    """The code and addresses a person types or opens: cut or cleaned they would be wrong,
    so one that doesn't fit its column, or holds a control character, is refused."""
    for field in _SHOWN_TO_THE_ADMIN:
        value = getattr(authorization, field)
        if len(value) > column_max(DeviceLogin, field) or has_control_characters(value):
            raise ServiceError(
                f"{vendor_name} answered with a sign-in {field.replace('_', ' ')} the "
                "dashboard can't show as sent, so the sign-in was not started. Try again."
            )


def device_login_poll(*, login_id: int, now: datetime | None = None) -> datetime | None:
    """Take a sign-in one step: end it when it has expired, ask the vendor once when a poll
    is due, connect the account once it is approved. Returns when the next poll is due if
    this run asked the vendor and the sign-in goes on (this run then owns the next poll),
    else None: ended, not due yet, or another run has this poll."""
    clock: Callable[[], datetime] = (lambda: now) if now else timezone.now
    login = DeviceLogin.objects.filter(pk=login_id, status=DeviceLoginStatus.PENDING).first()
    if login is None:
        return None
    started = clock()
    if started >= login.expires_at:
        _end(login, DeviceLoginStatus.EXPIRED, EXPIRED_MESSAGE)
        return None
    if not _may_still_finish(login):
        return None  # not even the vendor is asked
    if token := login.secrets.get(_TOKEN):
        _connect(login, token)  # approved earlier; that run stopped before connecting
        return None
    if started < login.next_poll_at:
        return None
    # Claim this poll. Until the answer comes, the row says "not due" for as long as a
    # vendor call can take, so nobody else asks in the meantime.
    lease = started + timedelta(seconds=login.interval + _longest_vendor_call())
    claimed = DeviceLogin.objects.filter(
        pk=login.pk, status=DeviceLoginStatus.PENDING, next_poll_at=login.next_poll_at
    ).update(next_poll_at=lease)
    if not claimed:
        return None
    device_code = login.secrets.get("device_code")
    if not device_code:
        _end(login, DeviceLoginStatus.FAILED, "The stored sign-in can't be read; start again.")
        return None

    poll = get_provider(login.vendor).poll_device_login(
        base_url=login.base_url, device_code=device_code
    )
    if poll.state == PollState.APPROVED:
        kept = DeviceLogin.objects.filter(pk=login.pk, status=DeviceLoginStatus.PENDING).update(
            secrets={_TOKEN: poll.token}, next_poll_at=clock()
        )
        if kept:
            _connect(login, poll.token)
        return None
    if poll.state in TERMINAL:
        _end(login, _ENDED[poll.state], poll.message)
        return None
    interval = next_interval(login.interval, poll.state)
    next_poll_at = clock() + timedelta(seconds=interval)  # counted from the answer
    kept = DeviceLogin.objects.filter(
        pk=login.pk, status=DeviceLoginStatus.PENDING, next_poll_at=lease
    ).update(
        interval=interval,
        next_poll_at=next_poll_at,
        message=_storable_message(poll.message) if poll.state != PollState.PENDING else "",
    )
    # Never later than the expiry, so the last run ends it.
    return min(next_poll_at, login.expires_at) if kept else None


def device_logins_sweep(*, now: datetime | None = None) -> int:
    """Queue a poll for every pending sign-in that is due or expired: its chain of polls
    was lost (a worker died, the queue was down) or the queue cannot delay a task. Two
    polls of one sign-in at once cost nothing: one claims it, the other stops."""
    now = now or timezone.now()
    due_or_expired = Q(next_poll_at__lte=now) | Q(expires_at__lte=now)
    ids = DeviceLogin.objects.filter(due_or_expired, status=DeviceLoginStatus.PENDING)
    ids = list(ids.order_by("pk").values_list("pk", flat=True))
    return sum(enqueue_device_login_poll(login_id=login_id) for login_id in ids)


def _longest_vendor_call() -> float:
    return settings.VENDOR_HTTP_TOTAL_TIMEOUT  # providers/http.py ends every call by then


def _connect(login: DeviceLogin, token: str) -> None:
    provider = get_provider(login.vendor)
    credentials = {provider.device_token_field: token}
    try:
        check = provider.verify(base_url=login.base_url, credentials=credentials)
    except ProviderError as exc:
        message = f"Signed in, but the token did not work: {exc.message}"
        _end(login, DeviceLoginStatus.FAILED, message)
        return
    with transaction.atomic():
        try:
            account = _what_finishing_needs(login, lock=True)
        except ServiceError as exc:
            _end(login, DeviceLoginStatus.FAILED, exc.message)
            return
        account = account or VendorAccount(
            team=login.team, vendor=login.vendor, label=login.label, created_by=login.created_by
        )
        if not _end(login, DeviceLoginStatus.APPROVED, f"Connected as {check.identity}."):
            return  # another run connected it (or ended it) first
        account = save_verified_account(
            account=account,
            user=login.created_by,
            base_url=login.base_url,
            credentials=credentials,
            check=check,
        )
        DeviceLogin.objects.filter(pk=login.pk).update(account=account)


def _may_still_finish(login: DeviceLogin) -> bool:
    """Before asking the vendor: end the sign-in as failed if it may no longer finish.
    Unlocked (nothing is written on a yes); `_connect` asks again under lock."""
    try:
        _what_finishing_needs(login, lock=False)
    except ServiceError as exc:
        _end(login, DeviceLoginStatus.FAILED, exc.message)
        return False
    return True


def _what_finishing_needs(login: DeviceLogin, *, lock: bool) -> VendorAccount | None:
    """Re-read what finishing the sign-in rests on; return the account it renews (None: it
    connects a new one), or raise ServiceError saying why it may not finish.

    With `lock`, inside the transaction that saves the account: a removal or demotion
    (both lock the team's admin memberships first), or a disconnect of the account, then
    lands either before this and is seen here, or after the account is saved.
    """
    starter = login.created_by
    admin = team_ids_for(starter, role=Role.ADMIN).filter(
        team_id=login.team_id, user__is_active=True
    )
    renewed = VendorAccount.objects.filter(
        pk=login.account_id, team_id=login.team_id, vendor=login.vendor
    )
    if lock:
        admin, renewed = admin.select_for_update(of=("self",)), renewed.select_for_update()
    if not admin.exists():
        raise ServiceError(
            f"{starter.get_username()}, who started it, is no longer an admin of this team: "
            "nothing was connected."
        )
    if login.account_id is None:
        return None
    account = renewed.first()
    if account is None:
        raise ServiceError(f"“{login.label}” is no longer this team's account: it was not renewed.")
    if account.disconnected_at and account.disconnected_at >= login.created_at:
        raise ServiceError(
            f"“{account.label}” was disconnected after this sign-in started, and stays "
            "disconnected. Sign in again to reconnect it."
        )
    return account


def _end(login: DeviceLogin, status: str, message: str) -> bool:
    """Move the sign-in out of pending, forgetting its device code or token; True only
    for the one caller that moved it."""
    message = _storable_message(message)
    with transaction.atomic():
        ended = DeviceLogin.objects.filter(pk=login.pk, status=DeviceLoginStatus.PENDING).update(
            status=status, message=message, secrets={}
        )
        if ended:
            label = DeviceLoginStatus(status).label.lower()
            audit_record(
                team=login.team,
                actor=login.created_by,
                action=AuditAction.DEVICE_LOGIN_ENDED,
                target=login,
                summary=f"Sign-in {label}: {message}",
            )
    return bool(ended)


def _storable_message(message: str) -> str:
    """A sign-in's message (a vendor's words in it) as its column holds it."""
    return shown(message, limit=column_max(DeviceLogin, "message"))
