"""The activity feed: the audit trail of the user's teams, filtered."""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse

from dashboard.models import AuditEvent, Batch, Project, VendorAccount
from providers.registry import PROVIDERS

# Kinds of audit event, by the first part of their action ("project.created" → "project").
ACTIVITY_KINDS = {
    "project": "Projects",
    "account": "Accounts",
    "team": "Team",
    "device_login": "Sign-ins",
    "batch": "Batches",
    "template": "Templates",
    "policy": "Policies",
}


def activity(*, user, kind: str, person: int | None, vendor: str) -> QuerySet[AuditEvent]:
    """The user's teams' audit trail; a filter that means nothing is ignored."""
    events = AuditEvent.objects.for_user(user).select_related("actor", "team")
    if kind in ACTIVITY_KINDS:
        events = events.filter(action__startswith=f"{kind}.")
    if person is not None:
        events = events.filter(actor_id=person)
    if vendor in PROVIDERS:  # events about this vendor's accounts, or their projects
        accounts = VendorAccount.objects.for_user(user).filter(vendor=vendor)
        projects = Project.objects.for_user(user).filter(vendor=vendor)
        events = events.filter(
            Q(target_type="VendorAccount", target_id__in=_text_ids(accounts))
            | Q(target_type="Project", target_id__in=_text_ids(projects))
        )
    return events


def _text_ids(rows: QuerySet) -> QuerySet:
    """The rows' ids as text, as a subquery (audit targets are stored as text ids)."""
    return rows.annotate(text_id=Cast("pk", CharField())).values("text_id")


def link_batches(events) -> None:
    """Give each event about a batch its page (`event.target_url`): one query for the page.
    A batch gone since, or not the user's, gets no link."""
    ids = {e.target_id for e in events if e.target_type == "Batch" and e.target_id.isdigit()}
    if not ids:
        return
    pages = {
        str(pk): reference
        for pk, reference in Batch.objects.filter(
            pk__in=[int(i) for i in ids], team_id__in={e.team_id for e in events}
        ).values_list("pk", "reference")
    }
    for event in events:
        if event.target_type == "Batch" and event.target_id in pages:
            event.target_url = reverse("dashboard:batch_detail", args=[pages[event.target_id]])
