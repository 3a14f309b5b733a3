"""Every call to a vendor on an account's behalf goes through `call_vendor`.

It owns what all of them share: only a connected account is used; the call gets live
credentials (a token refresh is stored once, across processes); and a refusal of the
credentials marks the account as needing new ones, with an audit record. What a failure
means for the caller's own rows (a project, a secret) stays with the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction

from dashboard.models import AccountStatus, AuditAction, EventType, VendorAccount
from dashboard.services.audit import audit_record
from dashboard.services.errors import VendorCallFailed
from dashboard.services.outbox import account_data, event_record
from providers.base import Credentials, ErrorKind, Provider, ProviderError
from providers.registry import PROVIDERS, get_provider

UNREADABLE_CREDENTIALS = (
    "The stored credentials can't be decrypted with the configured encryption keys. "
    "Reconnect the account (or ask an operator to restore the key they were saved with)."
)


def most_requests_per_call() -> int:
    """The most HTTP requests one `call_vendor` can send, over every vendor known (each
    vendor states its own; a vendor may be registered at run time, so it is read now)."""
    return max((p.most_requests_per_call for p in PROVIDERS.values()), default=1)


def longest_vendor_call() -> float:
    """Seconds one `call_vendor` can take at worst: each request has its own deadline."""
    return most_requests_per_call() * settings.VENDOR_HTTP_TOTAL_TIMEOUT


def call_vendor[T](
    account: VendorAccount,
    call: Callable[[Provider, Credentials], T],
    *,
    actor=None,
    needs_active: bool = True,
) -> T:
    """Run `call(provider, credentials)`; raise ProviderError for the caller to read.

    `needs_active=False` lets a verification re-check an account that needs new
    credentials (it may work again); a disconnected account has none to check.
    """
    usable = account.is_connected or (
        not needs_active and account.status == AccountStatus.NEEDS_RECONNECT
    )
    if not usable:
        raise ProviderError(
            ErrorKind.AUTH,
            f"The account “{account.label}” is {account.get_status_display().lower()}; "
            "an admin must reconnect it first.",
            code="account_not_connected",
        )
    provider = get_provider(account.vendor)
    try:
        with live_credentials(account) as credentials:
            return call(provider, credentials)
    except ProviderError as exc:
        if exc.kind == ErrorKind.AUTH:
            mark_needs_reconnect(account, actor=actor, reason=exc.message)
        raise


def call_vendor_for[T](account: VendorAccount, call: Callable[[Provider, Credentials], T], *, user):
    """`call_vendor` for a person's action: a failure is a message for them."""
    try:
        return call_vendor(account, call, actor=user)
    except ProviderError as exc:
        raise VendorCallFailed(exc.message) from None


def mark_needs_reconnect(account: VendorAccount, *, actor=None, reason: str = "") -> None:
    """Connected → needs new credentials, once (a conditional update), audited."""
    with transaction.atomic():
        changed = VendorAccount.objects.filter(pk=account.pk, status=AccountStatus.ACTIVE).update(
            status=AccountStatus.NEEDS_RECONNECT
        )
        if changed:
            audit_record(
                team=account.team,
                actor=actor,
                action=AuditAction.ACCOUNT_NEEDS_RECONNECT,
                target=account,
                summary=f"Needs new credentials: {reason}",  # cut to the column by audit_record
            )
            account.status = AccountStatus.NEEDS_RECONNECT
            event_record(
                team=account.team,
                type=EventType.ACCOUNT_NEEDS_CREDENTIALS,
                data=account_data(account, reason=reason),
            )
    if account.status == AccountStatus.ACTIVE:
        account.status = AccountStatus.NEEDS_RECONNECT


class AccountCredentials(Credentials):
    """One account's credentials for a vendor call. A token refresh happens once, however
    many processes find the token expired at the same moment."""

    def __init__(self, account: VendorAccount) -> None:
        if account.credentials_unreadable:
            raise ProviderError(ErrorKind.AUTH, UNREADABLE_CREDENTIALS)
        super().__init__(account.credentials)
        self.account_pk = account.pk

    def refresh_once(self, refresh, *, consumed: str) -> None:
        held = self.get(consumed)
        with transaction.atomic():
            # Lock the account, then re-read: whoever locked first has refreshed already.
            stored = (
                VendorAccount.objects.select_for_update()
                .values_list("credentials", flat=True)
                .get(pk=self.account_pk)
            )
            if stored.get(consumed) != held:
                self.clear()
                self.update(stored)
                return
            refresh(self)
            VendorAccount.objects.filter(pk=self.account_pk).update(credentials=dict(self))


@contextmanager
def live_credentials(account: VendorAccount) -> Iterator[AccountCredentials]:
    """Credentials for one vendor call; a refresh during it is stored as it happens."""
    credentials = AccountCredentials(account)
    try:
        yield credentials
    finally:
        account.credentials = dict(credentials)
