"""The activity feed: the audit trail of the user's teams, filtered."""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from dashboard.models import AuditEvent, Project, VendorAccount
from providers.registry import PROVIDERS

# Kinds of audit event, by the first part of their action ("project.created" → "project").
ACTIVITY_KINDS = {
    "project": "Projects",
    "account": "Accounts",
    "team": "Team",
    "device_login": "Sign-ins",
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
