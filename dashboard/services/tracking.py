"""Keeping the project list true: refresh, reconcile lost answers, time out stuck ones.

Nothing here ever re-sends a create on its own. A lost answer is looked for at the
vendor; only a person decides to retry, and the retry reuses the same row and key.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from providers.base import RETRYABLE_KINDS, ErrorKind, RemoteProject
from providers.registry import get_provider

from ..models import (
    NO_ERROR,
    AuditAction,
    Project,
    ProjectStatus,
    VendorAccount,
)
from .common import ServiceError, audit_record, project_move, projects_move
from .importing import list_remote
from .projects import enqueue_submit
from .vendor_calls import call_vendor_for

NOT_FOUND_AT_VENDOR = "not_found_at_vendor"


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
        remote = call_vendor_for(
            account,
            lambda p, c: p.get_project(
                base_url=account.base_url, credentials=c, remote_id=project.remote_id
            ),
            user=user,
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
    project.name = remote.name.strip()[:255] or project.name
    project.remote_status = remote.status[:50]
    if remote.description or "description" in project.vendor_response:
        project.vendor_response = {**project.vendor_response, "description": remote.description}
    project.missing_at_vendor = False
    project.last_synced_at = now
    # Only the fields a refresh owns, so a concurrent write to the others is never undone.
    project.save(
        update_fields=[
            "name",
            "remote_status",
            "vendor_response",
            "missing_at_vendor",
            "last_synced_at",
            "updated_at",
        ]
    )
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
    if remote.name.strip() and remote.name.strip()[:255] != project.name:
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
    *,
    project: Project,
    user,
    listed: list[RemoteProject] | None = None,
    taken: set[str] | None = None,
) -> Reconciliation:
    """Look for a project whose answer was lost. Never re-sends it."""
    account = project.account
    remote = listed if listed is not None else list_remote(account, user=user)
    matches = _matches(project, remote, taken)
    if not matches:
        moved = _mark_not_found([project], user, listed=len(remote))
        project.refresh_from_db()
        return Reconciliation(project, "failed" if moved else project.status)
    if len(matches) == 1:
        _mark_found(project, user, matches[0], how="one clear match")
        if taken is not None and project.status == ProjectStatus.CREATED:
            taken.add(project.remote_id)
        return Reconciliation(project, project.status)
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
    matches = _matches(project, list_remote(project.account, user=user))
    chosen = next((r for r in matches if r.remote_id == remote_id), None)
    if len(matches) < 2 or chosen is None:
        raise ServiceError("That project is no longer one of the possible matches. Check again.")
    _mark_found(project, user, chosen, how="chosen by hand among several matches")
    return project


def _matches(
    project: Project, remote: list[RemoteProject], taken: set[str] | None = None
) -> list[RemoteProject]:
    """Listed projects that could be this lost one, minus those already tracked here.

    `taken` (the account's tracked remote ids) is read once per run by callers that
    reconcile many projects of one account, not once per project.
    """
    if project.status != ProjectStatus.UNKNOWN:
        raise ServiceError("Only projects with an unknown outcome can be checked at the vendor.")
    if taken is None:
        taken = tracked_remote_ids(project.account)
    candidates = get_provider(project.vendor).find_created(
        remote,
        reference=str(project.reference),
        payload=project.payload,
        name=project.name,
        since=project.attempted_at or project.created_at,
    )
    return [r for r in candidates if r.remote_id not in taken]


def reconcile_each(projects, remote, taken: set[str], *, batch: int = 200) -> list[str]:
    """Reconcile projects of one account against one listing, a batch per transaction
    (one commit per project would make a thousand lost answers cost a thousand disk
    flushes). Those not found, the usual case, are marked failed together."""
    projects, outcomes = list(projects), []
    for start in range(0, len(projects), batch):
        with transaction.atomic():
            absent = []
            for project in projects[start : start + batch]:
                try:
                    if not _matches(project, remote, taken):
                        absent.append(project)
                        continue
                    found = project_reconcile(
                        project=project, user=None, listed=remote, taken=taken
                    )
                except ServiceError:
                    continue  # settled by someone else meanwhile
                outcomes.append(found.outcome)
            outcomes += ["failed"] * len(_mark_not_found(absent, None, listed=len(remote)))
    return outcomes


def _mark_not_found(projects: list[Project], user, *, listed: int) -> list[int]:
    """Unknown projects of one account that none of the `listed` there could be: failed,
    and retryable. The ids of those moved (others were settled meanwhile)."""
    if not projects:
        return []
    vendor = projects[0].account.get_vendor_display()
    message = (
        f"{vendor} has no matching project after the lost request "
        f"({listed} listed), so it was not created. You can retry it."
    )
    return projects_move(
        projects,
        to=ProjectStatus.FAILED,
        when=Q(status=ProjectStatus.UNKNOWN),
        actor=user,
        action=AuditAction.PROJECT_RECONCILED,
        summary=f"Not found among {listed} project{pluralize(listed)} at the vendor: "
        "marked failed.",
        error_kind=ErrorKind.OUTCOME_UNKNOWN.value,
        error_code=NOT_FOUND_AT_VENDOR,
        error_message=message,
        completed_at=timezone.now(),
    )


def tracked_remote_ids(account: VendorAccount) -> set[str]:
    return set(account.projects.exclude(remote_id="").values_list("remote_id", flat=True))


def _mark_found(project: Project, user, remote: RemoteProject, *, how: str) -> None:
    now = timezone.now()
    # IntegrityError: another row took this remote id meanwhile; this one stays unknown.
    with contextlib.suppress(IntegrityError):
        project_move(
            project,
            to=ProjectStatus.CREATED,
            when=Q(status=ProjectStatus.UNKNOWN),
            actor=user,
            action=AuditAction.PROJECT_RECONCILED,
            summary=f"Found at the vendor as {remote.remote_id[:100]} ({how}): marked created.",
            remote_id=remote.remote_id[:100],
            remote_status=remote.status[:50],
            completed_at=now,
            last_synced_at=now,
            **NO_ERROR,
        )
    project.refresh_from_db()


# A create known not to have happened: not found at the vendor after a lost answer, or
# refused with an error the provider marks retryable (busy, unavailable: nothing done).
RETRYABLE = Q(status=ProjectStatus.FAILED) & (
    Q(error_code=NOT_FOUND_AT_VENDOR) | Q(error_kind__in=[kind.value for kind in RETRYABLE_KINDS])
)


def project_can_retry(project: Project) -> bool:
    return project.status == ProjectStatus.FAILED and (
        project.error_code == NOT_FOUND_AT_VENDOR or project.error_kind in RETRYABLE_KINDS
    )


def project_retry(*, project: Project, user) -> Project:
    """Send a create again (same row, same key), once we know nothing was created.

    A conditional update from the retryable failed state: of any number of concurrent
    retries (a double click, two admins), exactly one queues a send.
    """
    if not project.account.is_connected:
        raise ServiceError(f"The account “{project.account.label}” needs to be reconnected first.")
    moved = project_move(
        project,
        to=ProjectStatus.PENDING,
        when=RETRYABLE,
        actor=user,
        action=AuditAction.PROJECT_RETRIED,
        summary="Create sent again with the same idempotency key.",
        queued_at=timezone.now(),
        attempted_at=None,
        completed_at=None,
        **NO_ERROR,
    )
    project.refresh_from_db()
    if moved:
        enqueue_submit(project.pk)
        project.refresh_from_db()
    elif project.status != ProjectStatus.PENDING:  # a concurrent retry is already on its way
        raise ServiceError("Only a create that is known not to have happened can be retried.")
    return project


# --- whole-account sync ---------------------------------------------------------------


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
    """One list call per account: refresh the tracked projects that changed at the vendor,
    reconcile every unknown one. Unchanged rows are not written; the account keeps the
    time of its last sync."""
    totals = SyncTotals()
    remote = list_remote(account)
    totals.listed = len(remote)
    by_id = {r.remote_id: r for r in remote}
    tracked = (
        account.projects.filter(status=ProjectStatus.CREATED)
        .exclude(remote_id="")
        .select_related("team", "account")
        .defer("secrets", "payload")  # nothing decrypted that a sync doesn't use
    )
    for project in tracked.iterator(chunk_size=2000):
        listed = by_id.get(project.remote_id)
        totals.refreshed += 1
        if listed is None and project.missing_at_vendor:  # still missing: nothing new
            totals.missing += 1
            continue
        if listed is not None and not _changes(project, listed):
            continue
        project_refresh(project=project, user=None, remote=listed, listed=True)
        totals.missing += project.missing_at_vendor
        totals.changed += 1
    taken = tracked_remote_ids(account)
    unknown = account.projects.filter(status=ProjectStatus.UNKNOWN).select_related("team")
    for outcome in reconcile_each(unknown.defer("secrets"), remote, taken):
        totals.reconciled += outcome == "created"
        totals.failed_reconcile += outcome == "failed"
        totals.still_unknown += outcome == "ambiguous"
    VendorAccount.objects.filter(pk=account.pk).update(last_synced_at=timezone.now())
    return totals
