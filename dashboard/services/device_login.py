"""Connecting an account by device sign-in (RFC 8628), polled by the browser through us.

The browser asks the dashboard every few seconds; the dashboard asks the vendor
no faster than the vendor's interval (plus every slow_down and 429 penalty).
`now` is a parameter so the rules can be tested with a controlled clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from providers.base import ProviderError
from providers.device_login import TERMINAL, PollState, next_interval
from providers.http import check_base_url
from providers.registry import get_provider

from ..models import AuditAction, DeviceLogin, DeviceLoginStatus, Team, VendorAccount
from .accounts import clean_label, save_verified_account
from .common import ServiceError, audit_record

_ENDED = {
    PollState.DENIED: DeviceLoginStatus.DENIED,
    PollState.EXPIRED: DeviceLoginStatus.EXPIRED,
    PollState.FAILED: DeviceLoginStatus.FAILED,
}


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
    now = now or timezone.now()
    with transaction.atomic():
        login = DeviceLogin.objects.create(
            team=team,
            account=account,
            vendor=vendor,
            label=label,
            base_url=base_url,
            secrets={"device_code": authorization.device_code},
            user_code=authorization.user_code[:32],
            verification_uri=authorization.verification_uri[:500],
            verification_uri_complete=authorization.verification_uri_complete[:600],
            interval=authorization.interval,
            expires_at=now + timedelta(seconds=authorization.expires_in),
            next_poll_at=now + timedelta(seconds=authorization.interval),
            created_by=user,
        )
        audit_record(
            team=team,
            actor=user,
            action=AuditAction.DEVICE_LOGIN_STARTED,
            target=login,
            summary=f"{provider.name} sign-in started for “{label}” (code {login.user_code}).",
        )
    return login


def device_login_poll(*, login: DeviceLogin, now: datetime | None = None) -> DeviceLogin:
    """Ask the vendor once if it is time to; record whatever it says."""
    now = now or timezone.now()
    with transaction.atomic():
        login = DeviceLogin.objects.select_for_update().get(pk=login.pk)
        if login.status != DeviceLoginStatus.PENDING:
            return login
        if now >= login.expires_at:
            return _end(
                login, DeviceLoginStatus.EXPIRED, "The code expired before it was approved."
            )
        if now < login.next_poll_at:
            return login  # not yet: respect the vendor's interval
        # Claim this poll, so a second tab can't poll the vendor in the same interval.
        login.next_poll_at = now + timedelta(seconds=login.interval)
        login.save(update_fields=["next_poll_at"])

    provider = get_provider(login.vendor)
    poll = provider.poll_device_login(
        base_url=login.base_url, device_code=login.secrets["device_code"]
    )

    if poll.state == PollState.APPROVED:
        return _approved(login, poll.token)
    if poll.state in TERMINAL:
        return _end(login, _ENDED[poll.state], poll.message)
    login.interval = next_interval(login.interval, poll.state)
    login.next_poll_at = now + timedelta(seconds=login.interval)
    login.message = poll.message[:300] if poll.state != PollState.PENDING else ""
    login.save(update_fields=["interval", "next_poll_at", "message"])
    return login


def _approved(login: DeviceLogin, token: str) -> DeviceLogin:
    provider = get_provider(login.vendor)
    credentials = {provider.device_token_field: token}
    try:
        check = provider.verify(base_url=login.base_url, credentials=credentials)
    except ProviderError as exc:
        return _end(
            login, DeviceLoginStatus.FAILED, f"Signed in, but the token did not work: {exc.message}"
        )
    account = login.account or VendorAccount(
        team=login.team, vendor=login.vendor, label=login.label, created_by=login.created_by
    )
    with transaction.atomic():
        account = save_verified_account(
            account=account,
            user=login.created_by,
            base_url=login.base_url,
            credentials=credentials,
            check=check,
        )
        login.account = account
        return _end(login, DeviceLoginStatus.APPROVED, f"Connected as {check.identity}.")


def _end(login: DeviceLogin, status: str, message: str) -> DeviceLogin:
    login.status = status
    login.message = message[:300]
    login.secrets = {}  # the device code is useless now; don't keep it
    login.save(update_fields=["status", "message", "secrets", "account"])
    audit_record(
        team=login.team,
        actor=login.created_by,
        action=AuditAction.DEVICE_LOGIN_ENDED,
        target=login,
        summary=f"Sign-in {login.get_status_display().lower()}: {login.message}",
    )
    return login
