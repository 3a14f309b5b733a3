"""Adopting projects made at the vendor: any number, in chunked bulk inserts.

The unique (account, remote id) constraint decides races: of concurrent imports of one
project exactly one inserts it, and only that one is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from dashboard.models import (
    AuditAction,
    AuditEvent,
    Project,
    ProjectOrigin,
    ProjectStatus,
    VendorAccount,
)
from dashboard.services.audit import SUMMARY_MAX
from dashboard.services.vendor_answers import RowCheck, UnstorableRow
from dashboard.services.vendor_calls import call_vendor_for
from dashboard.validation.text import printable
from providers.base import RemoteProject
from providers.registry import get_provider

BATCH = 500


def list_remote(account: VendorAccount, *, user=None) -> list[RemoteProject]:
    return call_vendor_for(
        account, lambda p, c: p.list_projects(base_url=account.base_url, credentials=c), user=user
    )


def lost_create_matches(project: Project, remote: list[RemoteProject]) -> list[RemoteProject]:
    """The listed rows that could be this project's lost create, by its vendor's own rule
    (the one rule for reconciling it and for keeping it out of an import)."""
    return get_provider(project.vendor).find_created(
        remote,
        reference=str(project.reference),
        payload=project.payload,
        name=project.name,
        since=project.attempted_at or project.created_at,
    )


@dataclass(frozen=True)
class ImportCandidate:
    remote: RemoteProject  # as it would be stored, when it can be
    tracked_reference: uuid.UUID | None  # our project's reference, when tracked already
    problem: str = ""  # why it can't be imported (it can't be stored as the vendor sends it)
    probably: Project | None = None  # our unknown project it probably is (Check at vendor)

    @property
    def importable(self) -> bool:
        return self.tracked_reference is None and not self.problem and self.probably is None


def account_import_candidates(*, account: VendorAccount, user=None) -> list[ImportCandidate]:
    remote = list_remote(account, user=user)
    tracked = dict(account.projects.exclude(remote_id="").values_list("remote_id", "reference"))
    probably = _lost_creates_listed(account, [r for r in remote if r.remote_id not in tracked])
    check = RowCheck(get_provider(account.vendor))
    return [
        _candidate(r, tracked.get(r.remote_id), probably.get(r.remote_id), check) for r in remote
    ]


def _lost_creates_listed(account: VendorAccount, untracked: list[RemoteProject]) -> dict:
    """remote id → our unknown project it could be: importing it would track the vendor's
    project twice over (a reconcile would then find nothing free and judge ours absent)."""
    probably = {}
    unknown = account.projects.filter(status=ProjectStatus.UNKNOWN).order_by("created_at")
    for project in unknown.iterator() if untracked else ():
        for remote in lost_create_matches(project, untracked):
            probably.setdefault(remote.remote_id, project)
    return probably


def _candidate(
    remote: RemoteProject, tracked: uuid.UUID | None, probably: Project | None, check: RowCheck
):
    if tracked is not None:
        return ImportCandidate(remote, tracked)
    if probably is not None:
        return ImportCandidate(remote, None, probably=probably)
    try:
        return ImportCandidate(check(remote), None)
    except UnstorableRow as exc:
        shown = replace(remote, name=printable(remote.name))  # to show, not to keep
        return ImportCandidate(shown, None, problem=exc.message)


def account_import(*, account: VendorAccount, user, remote_ids: list[str] | None) -> int:
    """Adopt the chosen vendor projects not tracked yet (None: all of them); how many.
    One that can't be stored is left out (the import page says why); the others go on."""
    wanted = None if remote_ids is None else set(remote_ids)
    candidates = [
        c.remote
        for c in account_import_candidates(account=account, user=user)
        if c.importable and (wanted is None or c.remote.remote_id in wanted)
    ]
    adopted = 0
    for start in range(0, len(candidates), BATCH):
        adopted += _adopt(account, user, candidates[start : start + BATCH])
    return adopted


def _adopt(account: VendorAccount, user, remotes: list[RemoteProject]) -> int:
    now = timezone.now()
    rows = [
        Project(
            team_id=account.team_id,
            account=account,
            vendor=account.vendor,
            name=remote.name or "(no name)",
            payload={},
            idempotency_key=uuid.uuid4(),
            status=ProjectStatus.CREATED,
            origin=ProjectOrigin.IMPORTED,
            remote_id=remote.remote_id,
            remote_status=remote.status,
            vendor_response={"description": remote.description} if remote.description else {},
            created_by=user,
            created_at=remote.created_at or now,
            completed_at=now,
            last_synced_at=now,
        )
        for remote in remotes
    ]
    actor = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        Project.objects.bulk_create(rows, ignore_conflicts=True)
        # Rows another import inserted first kept their own keys, so ours identify what we
        # added. No ordering: the list's would walk the team's newest-first index instead.
        ours = (
            Project.objects.filter(
                team_id=account.team_id, idempotency_key__in=[p.idempotency_key for p in rows]
            )
            .order_by()
            .values_list("pk", "name", "remote_id")
        )
        events = [
            AuditEvent(
                team_id=account.team_id,
                actor=actor,
                action=AuditAction.PROJECT_IMPORTED,
                target_type="Project",
                target_id=str(pk),
                summary=f"Imported “{name}” ({remote_id}) from {account.label}."[:SUMMARY_MAX],
            )
            for pk, name, remote_id in ours
        ]
        AuditEvent.objects.bulk_create(events)
    return len(events)
