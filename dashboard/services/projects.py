"""Creating projects at vendors: record first, send once, never lose an outcome.

A project row is written before the vendor call, an idempotency key makes a
resubmit return the first project, and an answer that was lost is recorded as
"outcome unknown" and never re-sent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Upper
from django.db.models.lookups import Exact
from django.utils import timezone

from dashboard.listing.tallies import active_projects
from dashboard.models import AuditAction, Project, ProjectStatus, VendorAccount
from dashboard.queue import enqueue_submit
from dashboard.services.approval_requests import holds_record
from dashboard.services.approval_rules import needs_approval
from dashboard.services.audit import audit_record
from dashboard.services.errors import ServiceError
from dashboard.services.policy_checks import (
    PolicyVerdict,
    account_policy,
    policy_check,
    with_defaults,
)
from dashboard.services.vendor_answers import (
    NAME_MAX,
)
from dashboard.validation.text import has_control_characters
from dashboard.validation.vendor_fields import clean_project
from providers.registry import get_provider

logger = logging.getLogger(__name__)


@dataclass
class ProjectChecks:
    """A create judged: the values as they would be sent (the team's defaults in), the
    vendor's errors and the team's verdict apart (the live form shows them side by side)."""

    cleaned: dict
    vendor_errors: dict[str, str]
    team: PolicyVerdict

    @property
    def errors(self) -> dict[str, str]:
        """One message per field: the vendor's first, else the team's."""
        return {**self.team.errors, **self.vendor_errors}


def project_checks(
    *, account: VendorAccount, data: Mapping[str, Any], defaults: bool = True
) -> ProjectChecks:
    """The vendor's field rules and the team's policy on a create, without side effects.
    Without `defaults`, the values are judged exactly as given (an approval's: what was
    requested is what is sent)."""
    provider = get_provider(account.vendor)
    policy = account_policy(account)
    values, used = with_defaults(policy, provider, data) if defaults else (dict(data), {})
    cleaned, errors = clean_project(provider, values)
    team = policy_check(policy, provider, cleaned, vendor_errors=errors)
    team.defaults_used = used
    return ProjectChecks(cleaned=cleaned, vendor_errors=errors, team=team)


APPROVAL_NOTICE = (
    "Team rule: a create of this name waits for a team admin's approval before it is sent."
)


def project_validate(
    *, account: VendorAccount, data: Mapping[str, Any], approval: bool = False
) -> tuple[dict, dict, dict]:
    """(cleaned, errors, guidance) for a form as typed, without side effects: the vendor's
    rules and the team's policy (its defaults in `cleaned`, its advice in `guidance`)."""
    checks = project_checks(account=account, data=data)
    guidance = project_guidance(account=account, checks=checks, approval=approval)
    return checks.cleaned, checks.errors, guidance


def project_guidance(
    *, account: VendorAccount, checks: ProjectChecks, approval: bool = False
) -> dict[str, list[str]]:
    """Advice per field, never blocking: the vendor's (the name probe included), then the
    team's (a name pattern set as advice), and with `approval` whether the account's
    approval rule would hold this create (one query: asked for a single create only)."""
    provider = get_provider(account.vendor)
    # A name that is already refused (too long, control characters) is never looked up.
    name_ok = provider.name_field not in checks.vendor_errors
    guidance = provider.guidance(
        checks.cleaned, name_taken=lambda name: name_ok and _name_taken(account, name)
    )
    for name, messages in checks.team.advice.items():
        guidance[name] = [*guidance.get(name, []), *messages]
    name_field = provider.name_field
    name = checks.cleaned.get(name_field)
    if approval and name and name_field not in checks.errors and needs_approval(account, name):
        guidance[name_field] = [*guidance.get(name_field, []), APPROVAL_NOTICE]
    return guidance


def _name_taken(account: VendorAccount, name: str) -> bool:
    # Asked only by vendors whose guidance cares, and only about the name being typed.
    name = name.strip()
    if not name or len(name) > NAME_MAX or has_control_characters(name):
        return False
    # UPPER on both sides, by the database: the (account, UPPER(name)) index answers it.
    live = account.projects.exclude(status__in=ENDED_UNSENT)
    return live.filter(Exact(Upper("name"), Upper(Value(name)))).exists()


def project_create(
    *, account: VendorAccount, user, data: Mapping[str, Any], idempotency_key: str | uuid.UUID
) -> Project:
    """Record the project and queue its create; a worker asks the vendor.

    The same idempotency key always returns the first project and never calls
    the vendor again, even when the resubmit races the first submit.
    """
    try:
        key = uuid.UUID(str(idempotency_key))
    except ValueError:
        raise ServiceError("This form has expired. Reload the page and submit again.") from None
    existing = _by_key(account, key)
    if existing is not None:
        return existing
    provider = get_provider(account.vendor)
    checks = project_checks(account=account, data=data)
    if checks.errors:
        raise ServiceError(field_errors=checks.errors)
    cleaned = checks.cleaned
    secret_fields = {spec.name for spec in provider.project_fields if spec.secret}
    try:
        with transaction.atomic():
            # The account row lock makes "count, then insert" one step: concurrent submits
            # at the plan's limit let exactly one through.
            locked = VendorAccount.objects.select_for_update().get(pk=account.pk)
            # A resubmit that waited for the lock returns the project it raced, never a refusal.
            existing = _by_key(account, key)
            if existing is not None:
                return existing
            _check_usable(locked)
            name = cleaned[provider.name_field]
            # A held create is not counted toward the plan until approved (approval checks
            # the limit again), so it is not checked here either.
            held = needs_approval(locked, name)
            if not held:
                _check_plan_limit(locked)
            project = Project.objects.create(
                team=account.team,
                account=account,
                vendor=account.vendor,
                name=name,
                payload={k: v for k, v in cleaned.items() if k not in secret_fields},
                idempotency_key=key,
                created_by=user,
                status=ProjectStatus.AWAITING if held else ProjectStatus.PENDING,
                queued_at=None if held else timezone.now(),
            )
            audit_record(
                team=account.team,
                actor=user,
                action=AuditAction.PROJECT_REQUESTED,
                target=project,
                summary=f"Create “{project.name}” requested at {provider.name} ({account.label}).",
            )
            if held:
                holds_record(team=account.team, user=user, projects=[project])
    except IntegrityError:
        # A concurrent submit with the same key won the race: return its project.
        return Project.objects.get(team=account.team, idempotency_key=key)
    if not held:
        enqueue_submit(project_id=project.pk)
    project.refresh_from_db()
    return project


def _by_key(account: VendorAccount, key: uuid.UUID) -> Project | None:
    return Project.objects.filter(team=account.team, idempotency_key=key).first()


def _check_usable(account: VendorAccount) -> None:
    if not account.is_connected:
        raise ServiceError(
            f"The account “{account.label}” is {account.get_status_display().lower()}; "
            "an admin must reconnect it before projects can be created."
        )


# Counted toward the plan limit. A create awaiting approval is not: approval checks again.
ACTIVE_STATUSES = (ProjectStatus.PENDING, ProjectStatus.CREATED, ProjectStatus.UNKNOWN)
# Creates that ended without a project at the vendor: their names are free again.
ENDED_UNSENT = (ProjectStatus.FAILED, ProjectStatus.REJECTED, ProjectStatus.EXPIRED)


def _check_plan_limit(account: VendorAccount) -> None:
    provider = get_provider(account.vendor)
    limit = provider.plan_limit(account.plan)
    if limit is None:
        return
    # From the tallies (kept by triggers in this same transaction), not a count of the rows.
    active = active_projects([account.pk], statuses=ACTIVE_STATUSES).get(account.pk, 0)
    if active >= limit:
        raise ServiceError(
            f"“{account.label}” is on {provider.name}'s {provider.plan_label(account.plan)} plan, "
            f"which allows {limit} active projects, and it already has {active}. Deactivate one at "
            f"{provider.name}, or an admin can change the account's plan if it was upgraded."
        )


def project_dry_run(
    *, account: VendorAccount, data: Mapping[str, Any]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(errors, advice) for a create as it would be sent now: every field rule, the name
    probe, whether the account can create, and the plan limit. No vendor call, no row."""
    cleaned, field_errors, advice = project_validate(account=account, data=data, approval=True)
    errors = {name: [message] for name, message in field_errors.items()}
    name = cleaned.get(get_provider(account.vendor).name_field)
    # A create the approval rule holds is not counted toward the plan until it is approved.
    held = not field_errors and bool(name) and needs_approval(account, name)
    for check in (_check_usable,) if held else (_check_usable, _check_plan_limit):
        try:
            check(account)
        except ServiceError as exc:
            errors.setdefault("account", []).append(exc.message)
    return errors, {name: list(messages) for name, messages in advice.items() if messages}
