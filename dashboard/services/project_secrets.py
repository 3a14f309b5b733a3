"""Vendor-issued project secrets: an audited reveal, and regeneration at the vendor."""

from __future__ import annotations

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from dashboard.models import AuditAction, Project, ProjectStatus
from dashboard.services.audit import audit_record
from dashboard.services.errors import ServiceError
from dashboard.services.vendor_calls import call_vendor_for
from providers.registry import get_provider

CANNOT_REGENERATE = "This project's secret can't be regenerated here."


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
    """Replace the project's secret at the vendor and store the new one.

    The project row stays locked across the vendor call, as a token refresh keeps its
    account locked: a second regenerate waits, re-reads, asks the vendor again and
    stores the newest secret, never one the vendor has already replaced. (On SQLite the
    lock is the database's write lock, held for the call, as for a refresh.)
    """
    provider = get_provider(project.vendor)
    if not provider.supports_secret_regeneration:
        raise ServiceError(CANNOT_REGENERATE)
    failure: ServiceError | None = None
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.status != ProjectStatus.CREATED:
            raise ServiceError(CANNOT_REGENERATE)
        account = locked.account
        try:
            new_secret = call_vendor_for(
                account,
                lambda vendor, credentials: vendor.regenerate_secret(
                    base_url=account.base_url, credentials=credentials, remote_id=locked.remote_id
                ),
                user=user,
            )
        except ServiceError as exc:
            failure = exc  # raised after the commit: an account marked as refused stays so
        else:
            locked.secrets = {**locked.secrets, provider.regenerated_secret: new_secret}
            locked.save(update_fields=["secrets", "updated_at"])
            audit_record(
                team=locked.team,
                actor=user,
                action=AuditAction.PROJECT_SECRET_REGENERATED,
                target=locked,
                summary=f"{provider.regenerated_secret} regenerated at the vendor; "
                "the old one stops working.",
            )
    if failure is not None:
        raise failure
    project.secrets, project.updated_at = locked.secrets, locked.updated_at
    return project
