"""Creating projects at vendors: record first, send once, never lose an outcome.

A project row is written before the vendor call, an idempotency key makes a
resubmit return the first project, and an answer that was lost is recorded as
"outcome unknown" and never re-sent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from providers.base import ErrorKind, ProviderError
from providers.registry import get_provider

from ..models import AuditAction, Project, ProjectStatus, VendorAccount
from .accounts import live_credentials, mark_needs_reconnect
from .common import ServiceError, audit_record

logger = logging.getLogger(__name__)


def project_validate(*, account: VendorAccount, data: Mapping[str, Any]) -> tuple[dict, dict, dict]:
    """(cleaned, errors, guidance) for a form as typed, without side effects."""
    provider = get_provider(account.vendor)
    cleaned, errors = provider.clean_project(data)
    guidance = provider.guidance(cleaned, name_taken=lambda name: _name_taken(account, name))
    return cleaned, errors, guidance


def _name_taken(account: VendorAccount, name: str) -> bool:
    # Asked only by vendors whose guidance cares, and only about the name being typed.
    live = account.projects.exclude(status=ProjectStatus.FAILED)
    return bool(name) and live.filter(name__iexact=name.strip()).exists()


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
            # The account row lock makes "count, then insert" one step: concurrent submits
            # at the plan's limit let exactly one through.
            locked = VendorAccount.objects.select_for_update().get(pk=account.pk)
            _check_plan_limit(locked)
            project = Project.objects.create(
                team=account.team,
                account=account,
                vendor=account.vendor,
                name=cleaned[provider.name_field],
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

    from ..tasks import submit_project  # late import: tasks imports this module

    submit_project.enqueue(project.pk)
    project.refresh_from_db()
    return project


ACTIVE_STATUSES = (ProjectStatus.PENDING, ProjectStatus.CREATED, ProjectStatus.UNKNOWN)


def _check_plan_limit(account: VendorAccount) -> None:
    provider = get_provider(account.vendor)
    limit = provider.plan_limit(account.plan)
    if limit is None:
        return
    active = account.projects.filter(status__in=ACTIVE_STATUSES).count()
    if active >= limit:
        raise ServiceError(
            f"“{account.label}” is on {provider.name}'s {provider.plan_label(account.plan)} plan, "
            f"which allows {limit} active projects, and it already has {active}. Deactivate one at "
            f"{provider.name}, or an admin can change the account's plan if it was upgraded."
        )


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
        with live_credentials(account) as credentials:
            result = provider.create_project(
                base_url=account.base_url,
                credentials=credentials,
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
            mark_needs_reconnect(project.account)
        audit_record(
            team=project.team,
            actor=project.created_by,
            action=AuditAction.PROJECT_UNKNOWN if unknown else AuditAction.PROJECT_FAILED,
            target=project,
            summary=f"{error.kind}: {error.message}"[:500],
        )
