"""Looking for a create whose answer was lost. Never re-sends it.

Found → created; several candidates → a person chooses; not listed → failed (a person may
retry), but only where `absence_provable` holds: one rule for every check, whoever runs it
(the scheduled reconcile, a sync, a person's "Check at vendor", an admin action), judged
at the time the listing was asked for.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from dashboard.models import (
    NO_ERROR,
    NOT_FOUND_AT_VENDOR,
    AuditAction,
    Project,
    ProjectStatus,
    VendorAccount,
)
from dashboard.services.audit import audit_record
from dashboard.services.errors import ServiceError
from dashboard.services.importing import list_remote, lost_create_matches
from dashboard.services.moves import project_move, projects_move
from dashboard.services.vendor_answers import (
    MATCHES_TRACKED,
    UNSTORABLE_ID,
    RowCheck,
    UnstorableRow,
    remote_id_problem,
    untrackable_message,
)
from providers.base import ErrorKind, ProjectList, RemoteProject
from providers.registry import get_provider

# --- the rule: when may "not listed" be read as "not made"? ------------------------------


@dataclass(frozen=True)
class Listing:
    """A vendor's projects, and when they were asked for. The vendor may have built the
    list at any moment of the call (up to VENDOR_HTTP_TOTAL_TIMEOUT), so a conclusion
    rests on the moment it was asked for, never on when it is drawn."""

    projects: list[RemoteProject]
    asked_at: datetime
    unreadable: int = 0  # listed rows that could not be read: not whole, so proves no absence


def take_listing(account: VendorAccount, *, user=None) -> Listing:
    asked_at = timezone.now()  # before the call: see Listing
    projects = list_remote(account, user=user)
    unreadable = projects.unreadable if isinstance(projects, ProjectList) else 0
    return Listing(projects, asked_at, unreadable)


def incomplete_listing_message(project: Project, unreadable: int) -> str:
    vendor = project.get_vendor_display()
    return (
        f"Not found at {vendor}, but {unreadable} project{pluralize(unreadable)} {vendor} "
        f"listed could not be read, so the list is incomplete: the outcome stays unknown and "
        "it can't be retried. Check again later."
    )


# Made at the vendor by its own word (or listed there as a row tracked here already), so
# never concluded absent: left for a person.
LEFT_FOR_A_PERSON = Q(error_code__in=(UNSTORABLE_ID, MATCHES_TRACKED))


def _absent_if_sent_before(asked_at: datetime) -> datetime:
    """The wait, stated once: a create sent before this time has surely been finished by
    its vendor when a listing asked for at `asked_at` does not hold it."""
    return asked_at - timedelta(seconds=settings.PROJECT_RECONCILE_AFTER_SECONDS)


def absence_provable(asked_at: datetime) -> Q:
    """Unknown projects that may be concluded absent from a listing asked for at `asked_at`
    that does not hold them. Before the wait is over, "not listed" may only mean "not made
    yet", and a retry would make a second project."""
    sent_before = _absent_if_sent_before(asked_at)
    sent_in_time = Q(attempted_at__lt=sent_before) | Q(
        attempted_at__isnull=True, created_at__lt=sent_before
    )
    return Q(status=ProjectStatus.UNKNOWN) & ~LEFT_FOR_A_PERSON & sent_in_time


def absence_provable_from(project: Project) -> datetime:
    """The first moment a listing may be asked for that can prove this project absent (to
    tell a person): `_absent_if_sent_before` solved for it."""
    sent = project.attempted_at or project.created_at
    return sent + (sent - _absent_if_sent_before(sent))


def not_found_yet_message(project: Project) -> str:
    vendor = project.get_vendor_display()
    when = timezone.localtime(absence_provable_from(project)).strftime("%H:%M:%S %Z")
    return (
        f"Not found at {vendor} yet. {vendor} may still be making it, so the outcome stays "
        f"unknown and it can't be retried yet; look again after {when}."
    )


# --- reconcile -----------------------------------------------------------------------


@dataclass
class Reconciliation:
    project: Project
    # created | failed | ambiguous | waiting | incomplete | unreadable, or the status now
    outcome: str
    candidates: list[RemoteProject] = field(default_factory=list)
    problem: str = ""  # why it is left for a person ("unreadable")


def project_reconcile(*, project: Project, user) -> Reconciliation:
    """Look for a project whose answer was lost. Never re-sends it."""
    listing = take_listing(project.account, user=user)
    taken = tracked_remote_ids(project.account)
    matches = _matches(project, listing.projects, taken)
    if matches:
        check = RowCheck(get_provider(project.vendor))
        return _settle_matches(project, user, matches, None, check)
    if _listed_as_tracked(project, user, listing.projects, taken):
        project.refresh_from_db()
        return Reconciliation(project, "unreadable", problem=project.error_message)
    outcomes = _conclude_absent([project], user, listing)
    project.refresh_from_db()
    outcome = outcomes[0] if outcomes else project.status
    problem = project.error_message if outcome == "unreadable" else ""
    if outcome == "incomplete":
        problem = incomplete_listing_message(project, listing.unreadable)
    return Reconciliation(project, outcome, problem=problem)


def project_reconcile_pick(*, project: Project, user, remote_id: str) -> Project:
    """A person chose which of several matches is ours; it must still be one of them."""
    matches = _matches(project, list_remote(project.account, user=user))
    chosen = next((r for r in matches if r.remote_id == remote_id), None)
    if len(matches) < 2 or chosen is None:
        raise ServiceError("That project is no longer one of the possible matches. Check again.")
    how, check = "chosen by hand among several matches", RowCheck(get_provider(project.vendor))
    found = _mark_found(project, user, chosen, how=how, check=check)
    if found.outcome == "unreadable":
        raise ServiceError(found.problem)
    return project


def _matches(
    project: Project, remote: list[RemoteProject], taken: set[str] | None = None
) -> list[RemoteProject]:
    """Listed projects that could be this lost one, minus those already tracked here.

    Every listed row counts, storable or not: a row we can't store may still be ours, and
    must stop "not listed" from being concluded. `taken` (the account's tracked remote ids)
    is read once per run by callers that reconcile many projects of one account.
    """
    if project.status != ProjectStatus.UNKNOWN:
        raise ServiceError("Only projects with an unknown outcome can be checked at the vendor.")
    if taken is None:
        taken = tracked_remote_ids(project.account)
    return [r for r in lost_create_matches(project, remote) if r.remote_id not in taken]


def _listed_as_tracked(project: Project, user, remote: list[RemoteProject], taken) -> bool:
    """Its only matches are tracked here already (imported by a person, say): the vendor
    probably made it, so it is never concluded absent; a person is told which it is."""
    tracked = [r.remote_id for r in lost_create_matches(project, remote) if r.remote_id in taken]
    if not tracked:
        return False
    message = _matches_tracked_message(project, tracked)
    _leave_for_a_person(project, user, message, code=MATCHES_TRACKED)
    return True


def _matches_tracked_message(project: Project, remote_ids: list[str]) -> str:
    names = project.account.projects.filter(remote_id__in=remote_ids).exclude(pk=project.pk)
    shown = ", ".join(f"“{p.name}” ({p.remote_id})" for p in names.order_by("pk")[:3])
    return (
        f"{project.get_vendor_display()} lists a matching project, but it is tracked here "
        f"already as {shown or ', '.join(remote_ids[:3])}: probably this one, made once. It "
        "will not be sent again; a person must look at it (delete this row if so)."
    )


def _settle_matches(
    project: Project, user, matches: list[RemoteProject], taken: set[str] | None, check: RowCheck
) -> Reconciliation:
    if len(matches) == 1:
        found = _mark_found(project, user, matches[0], how="one clear match", check=check)
        if taken is not None and found.outcome == ProjectStatus.CREATED:
            taken.add(project.remote_id)
        return found
    audit_record(
        team=project.team,
        actor=user,
        action=AuditAction.PROJECT_RECONCILED,
        target=project,
        summary=f"{len(matches)} possible matches at the vendor; waiting for a person to choose.",
    )
    return Reconciliation(project, "ambiguous", matches)


def reconcile_each(projects, listing: Listing, taken: set[str], *, batch: int = 200) -> list[str]:
    """Reconcile projects of one account against one listing, a batch per transaction
    (one commit per project would make a thousand lost answers cost a thousand disk
    flushes). Those not found, the usual case, are concluded together."""
    projects, outcomes = list(projects), []
    check = RowCheck(get_provider(projects[0].vendor)) if projects else None
    for start in range(0, len(projects), batch):
        with transaction.atomic():
            absent = []
            for project in projects[start : start + batch]:
                try:
                    matches = _matches(project, listing.projects, taken)
                except ServiceError:
                    continue  # settled by someone else meanwhile
                if not matches:
                    if _listed_as_tracked(project, None, listing.projects, taken):
                        outcomes.append("unreadable")
                    else:
                        absent.append(project)
                    continue
                outcomes.append(_settle_matches(project, None, matches, taken, check).outcome)
            outcomes += _conclude_absent(absent, None, listing)
    return outcomes


def _conclude_absent(projects: list[Project], user, listing: Listing) -> list[str]:
    """Unknown projects of one account that none in the listing could be: failed where
    `absence_provable` holds on the row as it is now and the listing is whole; else
    "unreadable" (left for a person), "incomplete" (rows the listing could not read) or
    "waiting". Those settled meanwhile are left out."""
    if not projects:
        return []
    moved = set(_mark_not_found(projects, user, listing)) if not listing.unreadable else set()
    unmoved = [project.pk for project in projects if project.pk not in moved]
    left = ExpressionWrapper(LEFT_FOR_A_PERSON, output_field=BooleanField())
    still_unknown = dict(
        Project.objects.filter(pk__in=unmoved, status=ProjectStatus.UNKNOWN)
        .annotate(left=left)
        .values_list("pk", "left")
    )
    outcomes = []
    for project in projects:
        if project.pk in moved:
            outcomes.append("failed")
        elif project.pk in still_unknown:
            if still_unknown[project.pk]:
                outcomes.append("unreadable")
            else:
                outcomes.append("incomplete" if listing.unreadable else "waiting")
    return outcomes


def _mark_not_found(projects: list[Project], user, listing: Listing) -> list[int]:
    """Failed, and retryable: the ids of those moved (the rule holds on the row as it is
    now, in the same conditional update; others were too recent or settled meanwhile)."""
    vendor, listed = projects[0].account.get_vendor_display(), len(listing.projects)
    message = (
        f"{vendor} has no matching project after the lost request "
        f"({listed} listed), so it was not created. You can retry it."
    )
    return projects_move(
        projects,
        to=ProjectStatus.FAILED,
        when=absence_provable(listing.asked_at),
        actor=user,
        action=AuditAction.PROJECT_RECONCILED,
        summary=f"Not found among {listed} project{pluralize(listed)} at the vendor: "
        "marked failed.",
        announce=True,
        error_kind=ErrorKind.OUTCOME_UNKNOWN.value,
        error_code=NOT_FOUND_AT_VENDOR,
        error_message=message,
        completed_at=timezone.now(),
    )


def tracked_remote_ids(account: VendorAccount) -> set[str]:
    return set(account.projects.exclude(remote_id="").values_list("remote_id", flat=True))


def _mark_found(
    project: Project, user, remote: RemoteProject, *, how: str, check: RowCheck
) -> Reconciliation:
    problem = remote_id_problem(remote.remote_id)
    if problem:
        # Ours, very likely, but it can't be recorded: never failed, so never sent again.
        vendor = project.get_vendor_display()
        message = untrackable_message(vendor, f"lists it ({how})", problem)
        _leave_for_a_person(project, user, message)
        return Reconciliation(project, "unreadable", problem=message)
    try:  # only its id and status are kept here: a bad name or description waits for a refresh
        status = check(remote).status
    except UnstorableRow:
        status = ""
    now = timezone.now()
    # IntegrityError: another row took this remote id meanwhile; this one stays unknown.
    with contextlib.suppress(IntegrityError):
        project_move(
            project,
            to=ProjectStatus.CREATED,
            when=Q(status=ProjectStatus.UNKNOWN),
            actor=user,
            action=AuditAction.PROJECT_RECONCILED,
            summary=f"Found at the vendor as {remote.remote_id} ({how}): marked created.",
            announce=True,
            remote_id=remote.remote_id,
            remote_status=status,
            completed_at=now,
            last_synced_at=now,
            **NO_ERROR,
        )
    project.refresh_from_db()
    if project.status == ProjectStatus.UNKNOWN and _listed_as_tracked(
        project, user, [remote], {remote.remote_id}
    ):  # another row took this remote id meanwhile
        project.refresh_from_db()
        return Reconciliation(project, "unreadable", problem=project.error_message)
    return Reconciliation(project, project.status)


def _leave_for_a_person(project: Project, user, message: str, code: str = UNSTORABLE_ID) -> None:
    """Mark it made but untrackable, once (a conditional update), and audit that once: a
    sync lists it again every hour, and must not say the same thing every hour."""
    with transaction.atomic():
        marked = (
            Project.objects.filter(pk=project.pk, status=ProjectStatus.UNKNOWN)
            .exclude(LEFT_FOR_A_PERSON)
            .update(
                error_kind=ErrorKind.OUTCOME_UNKNOWN.value,
                error_code=code,
                error_message=message,
                updated_at=timezone.now(),
            )
        )
        if marked:
            audit_record(
                team=project.team,
                actor=user,
                action=AuditAction.PROJECT_RECONCILED,
                target=project,
                summary=f"{message} The outcome stays unknown.",
            )
