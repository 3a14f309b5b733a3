"""What a team can do. Views call these; these call providers.

Rules that matter most live here: a project row is written before the vendor
call, an idempotency key makes a resubmit return the first project, and an
answer that was lost is recorded as "outcome unknown" and never re-sent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from providers.base import ErrorKind, Provider, ProviderError
from providers.http import check_base_url
from providers.registry import get_provider

from .models import (
    AccountStatus,
    AuditAction,
    AuditEvent,
    Project,
    ProjectStatus,
    Team,
    VendorAccount,
)

logger = logging.getLogger(__name__)

NON_FIELD = "__all__"


class ServiceError(Exception):
    """A refusal to show the user: field errors and/or a general message."""

    def __init__(self, message: str = "", field_errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message or "; ".join((field_errors or {}).values()))
        self.message = message
        self.field_errors = dict(field_errors or {})


def audit_record(*, team: Team, actor, action: str, target: object, summary: str) -> AuditEvent:
    return AuditEvent.objects.create(
        team=team,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=type(target).__name__,
        target_id=str(target.pk),
        summary=summary[:500],
    )


# --- Accounts -----------------------------------------------------------------


@sensitive_variables("credentials_input", "credentials")
def _verified_credentials(provider: Provider, base_url: str, credentials_input: Mapping[str, Any]):
    """Clean and check credentials at the vendor; raise ServiceError with field errors."""
    credentials, errors = provider.clean_credentials(credentials_input)
    try:
        base_url = check_base_url(base_url or provider.default_base_url)
    except ProviderError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ServiceError(field_errors=errors)
    try:
        check = provider.verify(base_url=base_url, credentials=credentials)
    except ProviderError as exc:
        raise ServiceError(exc.message if not exc.field_errors else "", exc.field_errors) from None
    return base_url, credentials, check


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
    label = (label or "").strip()
    if not label or len(label) > 100:
        raise ServiceError(
            field_errors={"label": "Give the account a name of 1 to 100 characters."}
        )
    base_url, credentials, check = _verified_credentials(provider, base_url, credentials_input)
    with transaction.atomic():
        account = VendorAccount.objects.create(
            team=team,
            vendor=vendor,
            label=label,
            base_url=base_url,
            credentials=credentials,
            credential_hint=provider.credential_hint(credentials),
            identity=check.identity[:200],
            status=AccountStatus.ACTIVE,
            last_verified_at=timezone.now(),
            created_by=user,
        )
        audit_record(
            team=team,
            actor=user,
            action=AuditAction.ACCOUNT_CONNECTED,
            target=account,
            summary=f"{provider.name} account “{label}” connected "
            f"({account.credential_hint}, {check.identity}).",
        )
    return account


@sensitive_variables("credentials_input", "credentials")
def account_replace_credentials(
    *, account: VendorAccount, user, base_url: str, credentials_input: Mapping[str, Any]
) -> VendorAccount:
    provider = get_provider(account.vendor)
    base_url, credentials, check = _verified_credentials(provider, base_url, credentials_input)
    with transaction.atomic():
        old_hint = account.credential_hint
        account.base_url = base_url
        account.credentials = credentials
        account.credential_hint = provider.credential_hint(credentials)
        account.identity = check.identity[:200]
        account.status = AccountStatus.ACTIVE
        account.last_verified_at = timezone.now()
        account.disconnected_at = None
        account.save()
        audit_record(
            team=account.team,
            actor=user,
            action=AuditAction.ACCOUNT_REPLACED,
            target=account,
            summary=f"Credentials replaced: {old_hint} → {account.credential_hint}.",
        )
    return account


def account_verify(*, account: VendorAccount, user) -> VendorAccount:
    """Re-check stored credentials; a refusal marks the account as needing new ones."""
    if account.status == AccountStatus.DISCONNECTED:
        raise ServiceError("This account is disconnected. Replace its credentials to use it again.")
    provider = get_provider(account.vendor)
    try:
        check = provider.verify(base_url=account.base_url, credentials=account.credentials)
    except ProviderError as exc:
        if exc.kind in (ErrorKind.AUTH, ErrorKind.FORBIDDEN):
            account.status = AccountStatus.NEEDS_RECONNECT
            account.save(update_fields=["status", "updated_at"])
        audit_record(
            team=account.team,
            actor=user,
            action=AuditAction.ACCOUNT_VERIFY_FAILED,
            target=account,
            summary=f"Verification failed: {exc.kind}.",
        )
        raise ServiceError(exc.message) from None
    account.status = AccountStatus.ACTIVE
    account.identity = check.identity[:200]
    account.last_verified_at = timezone.now()
    account.save(update_fields=["status", "identity", "last_verified_at", "updated_at"])
    audit_record(
        team=account.team,
        actor=user,
        action=AuditAction.ACCOUNT_VERIFIED,
        target=account,
        summary=f"Credentials verified ({check.identity}).",
    )
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
    return account


# --- Projects -----------------------------------------------------------------


def project_validate(*, account: VendorAccount, data: Mapping[str, Any]) -> tuple[dict, dict, dict]:
    """(cleaned, errors, guidance) for a form as typed, without side effects."""
    provider = get_provider(account.vendor)
    cleaned, errors = provider.clean_project(data)
    existing = list(
        account.projects.exclude(status=ProjectStatus.FAILED).values_list("name", flat=True)[:1000]
    )
    guidance = provider.guidance(cleaned, existing_names=existing)
    return cleaned, errors, guidance


def project_create(
    *, account: VendorAccount, user, data: Mapping[str, Any], idempotency_key: str | uuid.UUID
) -> Project:
    """Record the project, then ask the vendor for it (through a task).

    The same idempotency key always returns the first project and never calls
    the vendor again.
    """
    try:
        key = uuid.UUID(str(idempotency_key))
    except ValueError:
        raise ServiceError("This form has expired. Reload the page and submit again.") from None
    existing = Project.objects.filter(team=account.team, idempotency_key=key).first()
    if existing is not None:
        return existing
    if not account.can_create:
        raise ServiceError(
            f"The account “{account.label}” is {account.get_status_display().lower()}; "
            "an admin must reconnect it before projects can be created."
        )
    provider = get_provider(account.vendor)
    cleaned, errors = provider.clean_project(data)
    if errors:
        raise ServiceError(field_errors=errors)
    secret_fields = {spec.name for spec in provider.project_fields if spec.secret}
    try:
        with transaction.atomic():
            project = Project.objects.create(
                team=account.team,
                account=account,
                vendor=account.vendor,
                name=cleaned["name"],
                payload={k: v for k, v in cleaned.items() if k not in secret_fields},
                idempotency_key=key,
                created_by=user,
            )
            audit_record(
                team=account.team,
                actor=user,
                action=AuditAction.PROJECT_REQUESTED,
                target=project,
                summary=f"Create “{project.name}” requested at {provider.name} ({account.label}).",
            )
    except IntegrityError:
        # A concurrent submit with the same key won the race: return its project.
        return Project.objects.get(team=account.team, idempotency_key=key)

    from .tasks import submit_project  # late import: tasks imports this module

    submit_project.enqueue(project.pk)
    project.refresh_from_db()
    return project


def project_submit(project_id: int) -> None:
    """Send one pending project to its vendor, at most once, and record the outcome."""
    with transaction.atomic():
        project = (
            Project.objects.select_for_update()
            .select_related("account")
            .filter(pk=project_id, status=ProjectStatus.PENDING, attempted_at__isnull=True)
            .first()
        )
        if project is None:
            return  # already sent (or settled): never send twice
        project.attempted_at = timezone.now()
        project.save(update_fields=["attempted_at", "updated_at"])

    account = project.account
    provider = get_provider(project.vendor)
    try:
        if not account.can_create:
            raise ProviderError(
                ErrorKind.AUTH, "The account was disconnected before the request was sent."
            )
        result = provider.create_project(
            base_url=account.base_url,
            credentials=account.credentials,
            payload=project.payload,
            reference=str(project.reference),
        )
    except ProviderError as exc:
        _record_failure(project, exc)
        return
    except Exception:
        # A bug after the request may have gone out: the outcome is unknown, never retried.
        logger.exception("Unexpected error submitting project %s", project.pk)
        _record_failure(
            project,
            ProviderError(
                ErrorKind.OUTCOME_UNKNOWN,
                "Something went wrong on our side while the request was "
                "being sent, so we can't tell whether the vendor created the project.",
            ),
        )
        return
    with transaction.atomic():
        project.status = ProjectStatus.CREATED
        project.remote_id = result.remote_id[:100]
        project.vendor_response = result.details
        project.secrets = result.secrets
        project.completed_at = timezone.now()
        project.save()
        audit_record(
            team=project.team,
            actor=project.created_by,
            action=AuditAction.PROJECT_CREATED,
            target=project,
            summary=f"Created at {provider.name} with id {project.remote_id}.",
        )


def _record_failure(project: Project, error: ProviderError) -> None:
    unknown = error.kind == ErrorKind.OUTCOME_UNKNOWN
    with transaction.atomic():
        project.status = ProjectStatus.UNKNOWN if unknown else ProjectStatus.FAILED
        project.error_kind = error.kind.value
        project.error_code = error.code[:100]
        project.error_status = error.status
        project.error_message = error.message
        project.error_fields = error.field_errors
        project.completed_at = None if unknown else timezone.now()
        project.save()
        if error.kind == ErrorKind.AUTH:
            VendorAccount.objects.filter(pk=project.account_id, status=AccountStatus.ACTIVE).update(
                status=AccountStatus.NEEDS_RECONNECT
            )
        audit_record(
            team=project.team,
            actor=project.created_by,
            action=AuditAction.PROJECT_UNKNOWN if unknown else AuditAction.PROJECT_FAILED,
            target=project,
            summary=f"{error.kind}: {error.message}"[:500],
        )
