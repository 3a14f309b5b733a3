"""Connecting, checking, replacing and disconnecting vendor accounts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from dashboard.models import AccountStatus, AuditAction, EventType, Team, VendorAccount
from dashboard.models.columns import column_max
from dashboard.services.audit import audit_record
from dashboard.services.errors import ServiceError
from dashboard.services.outbox import account_data, event_record
from dashboard.services.vendor_answers import shown
from dashboard.services.vendor_calls import call_vendor
from dashboard.validation.labels import LABEL_ERROR, cleaned_line, label_field
from dashboard.validation.vendor_fields import clean_credentials
from providers.base import AccountCheck, Provider, ProviderError
from providers.http import check_base_url
from providers.registry import get_provider

IDENTITY_MAX = column_max(VendorAccount, "identity")
HINT_MAX = column_max(VendorAccount, "credential_hint")


def vendor_identity(check: AccountCheck) -> str:
    """Who the vendor says the account is, as it is stored and shown (the vendor's words)."""
    return shown(check.identity, limit=IDENTITY_MAX)


@sensitive_variables("credentials_input", "credentials")
def verified_credentials(provider: Provider, base_url: str, credentials_input: Mapping[str, Any]):
    """Clean and check credentials at the vendor; raise ServiceError with field errors."""
    credentials, errors = clean_credentials(provider, credentials_input)
    try:
        base_url = check_base_url(base_url or provider.default_base_url)
    except ProviderError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ServiceError(field_errors=errors)
    try:
        # What is stored may differ from what was typed (a password becomes tokens).
        credentials, check = provider.connect(base_url=base_url, credentials=credentials)
    except ProviderError as exc:
        raise ServiceError(exc.message if not exc.field_errors else "", exc.field_errors) from None
    return base_url, credentials, check


_LABEL = label_field()


def clean_label(label: str) -> str:
    cleaned = cleaned_line(_LABEL, label)
    if cleaned is None:
        raise ServiceError(field_errors={"label": LABEL_ERROR})
    return cleaned


@sensitive_variables("credentials_input", "credentials")
def account_connect(
    *,
    team: Team,
    user,
    vendor: str,
    label: str,
    base_url: str,
    credentials_input: Mapping[str, Any],
) -> VendorAccount:
    provider = get_provider(vendor)
    label = clean_label(label)
    base_url, credentials, check = verified_credentials(provider, base_url, credentials_input)
    return save_verified_account(
        account=VendorAccount(
            team=team, vendor=vendor, label=label, created_by=user, plan=provider.default_plan
        ),
        user=user,
        base_url=base_url,
        credentials=credentials,
        check=check,
    )


@sensitive_variables("credentials_input", "credentials")
def account_replace_credentials(
    *, account: VendorAccount, user, base_url: str, credentials_input: Mapping[str, Any]
) -> VendorAccount:
    provider = get_provider(account.vendor)
    base_url, credentials, check = verified_credentials(provider, base_url, credentials_input)
    return save_verified_account(
        account=account, user=user, base_url=base_url, credentials=credentials, check=check
    )


@sensitive_variables("credentials")
def save_verified_account(
    *,
    account: VendorAccount,
    user,
    base_url: str,
    credentials: Mapping[str, str],
    check: AccountCheck,
) -> VendorAccount:
    """Store credentials the vendor has just accepted: a new account, or new keys for one."""
    provider = get_provider(account.vendor)
    is_new = account.pk is None
    old_hint, old_base_url = account.credential_hint, account.base_url
    identity = vendor_identity(check)
    with transaction.atomic():
        account.base_url = base_url
        account.credentials = dict(credentials)
        account.credential_hint = shown(
            provider.credential_hint(credentials, identity=identity), limit=HINT_MAX
        )
        account.identity = identity
        account.status = AccountStatus.ACTIVE
        account.last_verified_at = timezone.now()
        account.disconnected_at = None
        account.save()
        if is_new:
            action = AuditAction.ACCOUNT_CONNECTED
            summary = (
                f"{provider.name} account “{account.label}” connected "
                f"({account.credential_hint}, {identity})."
            )
        else:
            action = AuditAction.ACCOUNT_REPLACED
            summary = f"Credentials replaced: {old_hint} → {account.credential_hint} ({identity})."
            if base_url != old_base_url:
                summary += f" Base URL: {old_base_url} → {base_url}."
        audit_record(team=account.team, actor=user, action=action, target=account, summary=summary)
    return account


def account_rename(*, account: VendorAccount, user, label: str) -> VendorAccount:
    """A new label, audited with who changed it from what (an operator's edit in admin)."""
    label = clean_label(label)
    with transaction.atomic():
        old = (
            VendorAccount.objects.select_for_update()
            .values_list("label", flat=True)
            .get(pk=account.pk)
        )
        if old != label:
            VendorAccount.objects.filter(pk=account.pk).update(
                label=label, updated_at=timezone.now()
            )
            audit_record(
                team=account.team,
                actor=user,
                action=AuditAction.ACCOUNT_EDITED,
                target=account,
                summary=f"Label changed: “{old}” → “{label}”.",
            )
    account.label = label
    return account


def account_set_plan(*, account: VendorAccount, user, plan: str) -> VendorAccount:
    provider = get_provider(account.vendor)
    if plan not in {slug for slug, _, _ in provider.plans}:
        raise ServiceError(field_errors={"plan": "Choose one of the listed plans."})
    old = provider.plan_label(account.plan)
    account.plan = plan
    account.save(update_fields=["plan", "updated_at"])
    audit_record(
        team=account.team,
        actor=user,
        action=AuditAction.ACCOUNT_PLAN_CHANGED,
        target=account,
        summary=f"Plan changed: {old} → {provider.plan_label(plan)}.",
    )
    return account


# The states a verify may leave for "connected": a disconnect that lands while the vendor
# is being asked wins, because the update below is conditional on these.
VERIFIABLE = (AccountStatus.ACTIVE, AccountStatus.NEEDS_RECONNECT)


def account_verify(*, account: VendorAccount, user) -> VendorAccount:
    """Re-check stored credentials; a refusal marks the account as needing new ones."""
    if account.status not in VERIFIABLE:
        raise ServiceError("This account is disconnected. Replace its credentials to use it again.")
    try:
        check = call_vendor(
            account,
            lambda provider, credentials: provider.verify(
                base_url=account.base_url, credentials=credentials
            ),
            actor=user,
            needs_active=False,
        )
    except ProviderError as exc:
        audit_record(
            team=account.team,
            actor=user,
            action=AuditAction.ACCOUNT_VERIFY_FAILED,
            target=account,
            summary=f"Verification failed: {exc.kind}.",
        )
        raise ServiceError(exc.message) from None
    now = timezone.now()
    identity = vendor_identity(check)
    with transaction.atomic():
        verified = VendorAccount.objects.filter(pk=account.pk, status__in=VERIFIABLE).update(
            status=AccountStatus.ACTIVE, identity=identity, last_verified_at=now, updated_at=now
        )
        if verified:
            audit_record(
                team=account.team,
                actor=user,
                action=AuditAction.ACCOUNT_VERIFIED,
                target=account,
                summary=f"Credentials verified ({identity}).",
            )
    if not verified:
        account.refresh_from_db(fields=["status", "disconnected_at"])
        raise ServiceError(
            "This account was disconnected while the vendor was checking it; it stays "
            "disconnected. Replace its credentials to use it again."
        )
    account.status, account.identity, account.last_verified_at = AccountStatus.ACTIVE, identity, now
    return account


def account_disconnect(*, account: VendorAccount, user) -> VendorAccount:
    """Forget the credentials; the account and its projects stay as history."""
    with transaction.atomic():
        account.credentials = {}
        account.status = AccountStatus.DISCONNECTED
        account.disconnected_at = timezone.now()
        account.save()
        audit_record(
            team=account.team,
            actor=user,
            action=AuditAction.ACCOUNT_DISCONNECTED,
            target=account,
            summary=f"Disconnected; credentials {account.credential_hint} deleted.",
        )
        event_record(
            team=account.team, type=EventType.ACCOUNT_DISCONNECTED, data=account_data(account)
        )
    return account
