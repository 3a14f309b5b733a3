"""The token's team's objects by the ids a client sends; anything else is 404."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from dashboard.api.auth import require_role
from dashboard.models import Batch, Project, Role, VendorAccount
from dashboard.services.api_tokens import ApiIdentity
from dashboard.validation.ids import parse_id


def team_account(identity: ApiIdentity, raw_id: int | str) -> VendorAccount:
    number = parse_id(str(raw_id)) if not isinstance(raw_id, bool) else None
    account = (
        VendorAccount.objects.filter(team_id=identity.team_id, pk=number)
        .select_related("team")
        .first()
        if number is not None
        else None
    )
    if account is None:
        raise Http404
    return account


def team_project(identity: ApiIdentity, reference: str, *, role: str = Role.VIEWER) -> Project:
    """The team's project by reference: 404 outside the team, then 403 below `role`."""
    projects = Project.objects.select_related("account", "team", "created_by", "decided_by")
    return _by_reference(identity, projects, reference, role)


def team_batch(identity: ApiIdentity, reference: str, *, role: str = Role.VIEWER) -> Batch:
    """The team's batch by reference: 404 outside the team, then 403 below `role`."""
    return _by_reference(identity, Batch.objects.select_related("team"), reference, role)


def _by_reference(identity: ApiIdentity, objects: QuerySet, reference: str, role: str):
    try:
        key = uuid.UUID(reference)
    except (ValueError, TypeError, AttributeError):
        raise Http404 from None
    found = objects.filter(team_id=identity.team_id, reference=key).first()
    if found is None:
        raise Http404
    require_role(identity, role)
    return found
