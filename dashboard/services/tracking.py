"""Keeping the project list true: import, refresh, reconcile lost answers, time out stuck ones.

Nothing here ever re-sends a create on its own. A lost answer is looked for at the
vendor; only a person decides to retry, and the retry reuses the same row and key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from providers.base import ErrorKind, ProviderError, RemoteProject
from providers.registry import get_provider

from ..models import AuditAction, Project, ProjectOrigin, ProjectStatus, VendorAccount
from .accounts import live_credentials, mark_needs_reconnect
from .common import ServiceError, audit_record

NOT_FOUND_AT_VENDOR = "not_found_at_vendor"


def _vendor_call(account: VendorAccount, call):
    """Run `call(provider, credentials)`; map refusals to a ServiceError the user can read."""
    if not account.can_create:
        raise ServiceError(f"The account “{account.label}” needs to be reconnected first.")
    provider = get_provider(account.vendor)
    try:
        with live_credentials(account) as credentials:
            return call(provider, credentials)
    except ProviderError as exc:
        if exc.kind == ErrorKind.AUTH:
            mark_needs_reconnect(account)
        raise ServiceError(exc.message) from None


def _list_remote(account: VendorAccount) -> list[RemoteProject]:
    return _vendor_call(
        account, lambda p, c: p.list_projects(base_url=account.base_url, credentials=c)
    )


# --- import ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportCandidate:
    remote: RemoteProject
    tracked: Project | None


def account_import_candidates(*, account: VendorAccount) -> list[ImportCandidate]:
    remote = _list_remote(account)
    tracked = {p.remote_id: p for p in account.projects.exclude(remote_id="")}
    return [ImportCandidate(r, tracked.get(r.remote_id)) for r in remote]


def account_import(*, account: VendorAccount, user, remote_ids: list[str]) -> list[Project]:
    """Adopt the chosen vendor projects that are not tracked yet (origin: imported)."""
    wanted = set(remote_ids)
    candidates = [
        c for c in account_import_candidates(account=account) if c.remote.remote_id in wanted
    ]
    adopted = []
    now = timezone.now()
    with transaction.atomic():
        for candidate in candidates:
            if candidate.tracked is not None:
                continue
            remote = candidate.remote
            project = Project.objects.create(
                team=account.team,
                account=account,
                vendor=account.vendor,
                name=remote.name[:255] or "(no name)",
                payload={},
                idempotency_key=uuid.uuid4(),
                status=ProjectStatus.CREATED,
                origin=ProjectOrigin.IMPORTED,
                remote_id=remote.remote_id[:100],
                remote_status=remote.status[:50],
                vendor_response={"description": remote.description} if remote.description else {},
                created_by=user,
                created_at=remote.created_at or now,
                completed_at=now,
                last_synced_at=now,
            )
            audit_record(
                team=account.team,
                actor=user,
                action=AuditAction.PROJECT_IMPORTED,
                target=project,
                summary=f"Imported “{project.name}” ({project.remote_id}) from {account.label}.",
            )
            adopted.append(project)
    return adopted


# --- refresh -----------------------------------------------------------------------


def project_refresh(
    *, project: Project, user, remote: RemoteProject | None = None, listed: bool = False
) -> Project:
    """Re-read one project at the vendor. `remote`/`listed` let a sync reuse one list call."""
    if project.status != ProjectStatus.CREATED or not project.remote_id:
        raise ServiceError(
            "Only projects the vendor created can be refreshed; use “Check at vendor” for others."
        )
    account = project.account
    if not listed:
        remote = _vendor_call(
            account,
            lambda p, c: p.get_project(
                base_url=account.base_url, credentials=c, remote_id=project.remote_id
            ),
        )
    now = timezone.now()
    if remote is None:
        if not project.missing_at_vendor:
            audit_record(
                team=project.team,
                actor=user,
                action=AuditAction.PROJECT_MISSING,
                target=project,
                summary=f"{account.get_vendor_display()} no longer has {project.remote_id}; kept.",
            )
        project.missing_at_vendor = True
        project.last_synced_at = now
        project.save(update_fields=["missing_at_vendor", "last_synced_at", "updated_at"])
        return project
    changes = _changes(project, remote)
    project.name = remote.name[:255] or project.name
    project.remote_status = remote.status[:50]
    if remote.description or "description" in project.vendor_response:
        project.vendor_response = {**project.vendor_response, "description": remote.description}
    project.missing_at_vendor = False
    project.last_synced_at = now
    project.save()
    if changes:
        audit_record(
            team=project.team,
            actor=user,
            action=AuditAction.PROJECT_REFRESHED,
            target=project,
            summary="Changed at the vendor: " + "; ".join(changes),
        )
    return project


def _changes(project: Project, remote: RemoteProject) -> list[str]:
    changes = []
    if remote.name and remote.name != project.name:
        changes.append(f"name “{project.name}” → “{remote.name}”")
    if remote.status != project.remote_status:
        changes.append(f"status “{project.remote_status or '—'}” → “{remote.status or '—'}”")
    old_description = str(project.vendor_response.get("description") or "")
    if remote.description != old_description and (remote.description or old_description):
        changes.append("description changed")
    if project.missing_at_vendor:
        changes.append("found again at the vendor")
    return changes


# --- reconcile ---------------------------------------------------------------------


@dataclass
class Reconciliation:
    project: Project
    outcome: str  # created | failed | ambiguous
    candidates: list[RemoteProject] = field(default_factory=list)


def project_reconcile(
    *, project: Project, user, listed: list[RemoteProject] | None = None
) -> Reconciliation:
    """Look for a project whose answer was lost. Never re-sends it."""
    account = project.account
    remote = listed if listed is not None else _list_remote(account)
    matches = _matches(project, remote)
    if len(matches) == 1:
        _mark_found(project, user, matches[0], how="one clear match")
        return Reconciliation(project, "created")
    if not matches:
        with transaction.atomic():
            project.status = ProjectStatus.FAILED
            project.error_kind = ErrorKind.OUTCOME_UNKNOWN.value
            project.error_code = NOT_FOUND_AT_VENDOR
            project.error_message = (
                f"{account.get_vendor_display()} has no matching project after the lost request "
                f"({len(remote)} listed), so it was not created. You can retry it."
            )
            project.completed_at = timezone.now()
            project.save()
            audit_record(
                team=project.team,
                actor=user,
                action=AuditAction.PROJECT_RECONCILED,
                target=project,
                summary=f"Not found among {len(remote)} projects at the vendor: marked failed.",
            )
        return Reconciliation(project, "failed")
    audit_record(
        team=project.team,
        actor=user,
        action=AuditAction.PROJECT_RECONCILED,
        target=project,
        summary=f"{len(matches)} possible matches at the vendor; waiting for a person to choose.",
    )
    return Reconciliation(project, "ambiguous", matches)


def project_reconcile_pick(*, project: Project, user, remote_id: str) -> Project:
    """A person chose which of several matches is ours; it must still be one of them."""
    matches = _matches(project, _list_remote(project.account))
    chosen = next((r for r in matches if r.remote_id == remote_id), None)
    if len(matches) < 2 or chosen is None:
        raise ServiceError("That project is no longer one of the possible matches. Check again.")
    _mark_found(project, user, chosen, how="chosen by hand among several matches")
    return project


def _matches(project: Project, remote: list[RemoteProject]) -> list[RemoteProject]:
    """Listed projects that could be this lost one, minus those already tracked here."""
    if project.status != ProjectStatus.UNKNOWN:
        raise ServiceError("Only projects with an unknown outcome can be checked at the vendor.")
    taken = set(
        project.account.projects.exclude(pk=project.pk)
        .exclude(remote_id="")
        .values_list("remote_id", flat=True)
    )
    candidates = get_provider(project.vendor).find_created(
        remote,
        reference=str(project.reference),
        payload=project.payload,
        name=project.name,
        since=project.attempted_at or project.created_at,
    )
    return [r for r in candidates if r.remote_id not in taken]


def _mark_found(project: Project, user, remote: RemoteProject, *, how: str) -> None:
    with transaction.atomic():
        project.status = ProjectStatus.CREATED
        project.remote_id = remote.remote_id[:100]
        project.remote_status = remote.status[:50]
        project.error_kind = project.error_code = project.error_message = ""
        project.error_fields = {}
        project.completed_at = project.last_synced_at = timezone.now()
        project.save()
        audit_record(
            team=project.team,
            actor=user,
            action=AuditAction.PROJECT_RECONCILED,
            target=project,
            summary=f"Found at the vendor as {project.remote_id} ({how}): marked created.",
        )


def project_can_retry(project: Project) -> bool:
    """Only a create known not to have happened: not found at the vendor, or refused as busy."""
    return project.status == ProjectStatus.FAILED and (
        project.error_code == NOT_FOUND_AT_VENDOR
        or project.error_kind in (ErrorKind.UNAVAILABLE, ErrorKind.RATE_LIMITED)
    )


def project_retry(*, project: Project, user) -> Project:
    """Send a create again (same row, same key), once we know nothing was created."""
    if not project_can_retry(project):
        raise ServiceError("Only a create that is known not to have happened can be retried.")
    if not project.account.can_create:
        raise ServiceError(f"The account “{project.account.label}” needs to be reconnected first.")
    with transaction.atomic():
        Project.objects.filter(pk=project.pk).update(
            status=ProjectStatus.PENDING,
            attempted_at=None,
            completed_at=None,
            error_kind="",
            error_code="",
            error_status=None,
            error_message="",
            error_fields={},
        )
        audit_record(
            team=project.team,
            actor=user,
            action=AuditAction.PROJECT_RETRIED,
            target=project,
            summary="Create sent again with the same idempotency key.",
        )
    from ..tasks import submit_project

    submit_project.enqueue(project.pk)
    project.refresh_from_db()
    return project


# --- stuck pending, and whole-account sync -------------------------------------------------


def projects_expire_stale(*, now=None, queryset=None) -> int:
    """Pending for longer than the timeout (a process died mid-call) → outcome unknown."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PROJECT_PENDING_TIMEOUT_SECONDS)
    stale = (queryset if queryset is not None else Project.objects).filter(
        status=ProjectStatus.PENDING, created_at__lt=cutoff
    )
    count = 0
    for project in stale.select_related("team", "created_by"):
        with transaction.atomic():
            updated = Project.objects.filter(pk=project.pk, status=ProjectStatus.PENDING).update(
                status=ProjectStatus.UNKNOWN,
                error_kind=ErrorKind.OUTCOME_UNKNOWN.value,
                error_code="stale_pending",
                error_message="The request never finished (the process may have stopped), so the "
                "outcome is "
                "unknown. Check at the vendor.",
            )
            if updated:
                count += 1
                audit_record(
                    team=project.team,
                    actor=None,
                    action=AuditAction.PROJECT_STALE,
                    target=project,
                    summary=f"Pending since {project.created_at:%Y-%m-%d %H:%M} UTC: now unknown.",
                )
    return count


@dataclass
class SyncTotals:
    listed: int = 0
    refreshed: int = 0
    changed: int = 0
    missing: int = 0
    reconciled: int = 0
    still_unknown: int = 0
    failed_reconcile: int = 0


def account_sync(*, account: VendorAccount) -> SyncTotals:
    """One list call per account: refresh every tracked project, reconcile every unknown one."""
    totals = SyncTotals()
    projects_expire_stale(queryset=account.projects.all())
    remote = _list_remote(account)
    totals.listed = len(remote)
    by_id = {r.remote_id: r for r in remote}
    for project in account.projects.filter(status=ProjectStatus.CREATED).exclude(remote_id=""):
        before = (project.name, project.remote_status, project.missing_at_vendor)
        project_refresh(
            project=project, user=None, remote=by_id.get(project.remote_id), listed=True
        )
        totals.refreshed += 1
        totals.missing += project.missing_at_vendor
        totals.changed += before != (project.name, project.remote_status, project.missing_at_vendor)
    for project in account.projects.filter(status=ProjectStatus.UNKNOWN):
        outcome = project_reconcile(project=project, user=None, listed=remote).outcome
        totals.reconciled += outcome == "created"
        totals.failed_reconcile += outcome == "failed"
        totals.still_unknown += outcome == "ambiguous"
    return totals
