"""Keeping the project list true: refresh, sync, retry (reconcile: `reconciling`).

Nothing here ever re-sends a create on its own. A lost answer is looked for at the
vendor; only a person decides to retry, and the retry reuses the same row and key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields

from django.db import transaction
from django.utils import timezone

from dashboard.models import (
    NO_ERROR,
    RETRYABLE,
    AuditAction,
    EventType,
    Project,
    ProjectStatus,
    VendorAccount,
)
from dashboard.queue import enqueue_submit
from dashboard.services.audit import audit_record
from dashboard.services.errors import ServiceError
from dashboard.services.moves import project_move
from dashboard.services.outbox import project_event_record
from dashboard.services.reconciling import (
    reconcile_each,
    take_listing,
    tracked_remote_ids,
)
from dashboard.services.vendor_answers import RowCheck, UnstorableRow
from dashboard.services.vendor_calls import call_vendor_for
from providers.base import RemoteProject
from providers.registry import get_provider

logger = logging.getLogger(__name__)

# --- refresh -----------------------------------------------------------------------


def project_refresh(
    *,
    project: Project,
    user,
    remote: RemoteProject | None = None,
    listed: bool = False,
    check: RowCheck | None = None,
) -> Project:
    """Re-read one project at the vendor. `remote`/`listed`/`check` let a sync reuse one
    list call. What the vendor sends is checked first (`UnstorableRow`: nothing written)."""
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
        with transaction.atomic():
            newly_missing = not project.missing_at_vendor
            project.missing_at_vendor = True
            project.last_synced_at = now
            project.save(update_fields=["missing_at_vendor", "last_synced_at", "updated_at"])
            if newly_missing:
                vendor = account.get_vendor_display()
                audit_record(
                    team=project.team,
                    actor=user,
                    action=AuditAction.PROJECT_MISSING,
                    target=project,
                    summary=f"{vendor} no longer has {project.remote_id}; kept.",
                )
                project_event_record(project, EventType.PROJECT_MISSING_AT_VENDOR)
        return project
    remote = (check or RowCheck(get_provider(project.vendor)))(remote)
    changes = _changes(project, remote)
    project.name = remote.name or project.name
    project.remote_status = remote.status
    if remote.description or "description" in project.vendor_response:
        project.vendor_response = {**project.vendor_response, "description": remote.description}
    project.missing_at_vendor = False
    project.last_synced_at = now
    with transaction.atomic():
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
            project_event_record(project, EventType.PROJECT_CHANGED_AT_VENDOR, changes=changes)
    return project


def _changes(project: Project, remote: RemoteProject) -> list[str]:
    """What differs. Cheap enough to run on every listed row before any is checked."""
    changes = []
    if remote.name.strip() and remote.name.strip() != project.name:
        changes.append(f"name “{project.name}” → “{remote.name}”")
    if remote.status != project.remote_status:
        changes.append(f"status “{project.remote_status or '—'}” → “{remote.status or '—'}”")
    old_description = str(project.vendor_response.get("description") or "")
    if remote.description != old_description and (remote.description or old_description):
        changes.append("description changed")
    if project.missing_at_vendor:
        changes.append("found again at the vendor")
    return changes


# --- retry ---------------------------------------------------------------------------


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
        enqueue_submit(project_id=project.pk)
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
    refused: int = 0  # changed at the vendor to something that can't be stored
    reconciled: int = 0
    failed_reconcile: int = 0
    waiting: int = 0  # not listed, but too recent to conclude absent
    still_unknown: int = 0
    unreadable_rows: int = 0  # listed, but not readable: nothing is concluded absent
    not_provable: int = 0  # not listed, but the listing skipped unreadable rows

    def __iadd__(self, other: SyncTotals) -> SyncTotals:
        """Add another account's counts, every field (a new one included)."""
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self


def account_sync(*, account: VendorAccount) -> SyncTotals:
    """One list call per account: refresh the tracked projects that changed at the vendor,
    reconcile every unknown one. Unchanged rows are not written; the account keeps the
    time of its last sync. A row that can't be stored is skipped; the others go on."""
    totals = SyncTotals()
    listing = take_listing(account)
    totals.listed = len(listing.projects)
    totals.unreadable_rows = listing.unreadable
    by_id = {r.remote_id: r for r in listing.projects}
    check = RowCheck(get_provider(account.vendor))
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
        if listed is None and listing.unreadable:  # perhaps one of the unreadable rows
            continue
        if listed is not None and not _changes(project, listed):
            continue
        try:
            project_refresh(project=project, user=None, remote=listed, listed=True, check=check)
        except UnstorableRow as exc:
            totals.refused += 1
            logger.warning("Sync of account %s: %s", account.pk, exc.message)
            continue
        totals.missing += project.missing_at_vendor
        totals.changed += 1
    taken = tracked_remote_ids(account)
    unknown = account.projects.filter(status=ProjectStatus.UNKNOWN).select_related("team")
    for outcome in reconcile_each(unknown.defer("secrets"), listing, taken):
        totals.reconciled += outcome == "created"
        totals.failed_reconcile += outcome == "failed"
        totals.waiting += outcome == "waiting"
        totals.not_provable += outcome == "incomplete"
        totals.still_unknown += outcome in ("ambiguous", "unreadable")
    VendorAccount.objects.filter(pk=account.pk).update(last_synced_at=timezone.now())
    return totals
