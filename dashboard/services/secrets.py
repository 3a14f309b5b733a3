"""Vendor-issued project secrets: an audited reveal, and regeneration at the vendor."""

from __future__ import annotations

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from providers.registry import get_provider

from ..models import AuditAction, Project, ProjectStatus
from .common import ServiceError, audit_record
from .vendor_calls import call_vendor_for


@sensitive_variables("value")
def project_secret_reveal(*, project: Project, user, name: str) -> str:
    """Return one stored secret, and record who saw it. Callers check the role first."""
    value = project.secrets.get(name)
    if not value:
        raise ServiceError("This project has no such secret.")
    audit_record(
        team=project.team,
        actor=user,
        action=AuditAction.PROJECT_SECRET_REVEALED,
        target=project,
        summary=f"{name} revealed to {user.get_username()}.",
    )
    return value


@sensitive_variables("new_secret")
def project_regenerate_secret(*, project: Project, user) -> Project:
    provider = get_provider(project.vendor)
    account = project.account
    if not provider.supports_secret_regeneration or project.status != ProjectStatus.CREATED:
        raise ServiceError("This project's secret can't be regenerated here.")
    new_secret = call_vendor_for(
        account,
        lambda vendor, credentials: vendor.regenerate_secret(
            base_url=account.base_url, credentials=credentials, remote_id=project.remote_id
        ),
        user=user,
    )
    with transaction.atomic():
        project.secrets = {**project.secrets, provider.regenerated_secret: new_secret}
        project.save(update_fields=["secrets", "updated_at"])
        audit_record(
            team=project.team,
            actor=user,
            action=AuditAction.PROJECT_SECRET_REGENERATED,
            target=project,
            summary=f"{provider.regenerated_secret} regenerated at the vendor; "
            "the old one stops working.",
        )
    return project
