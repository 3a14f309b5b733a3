"""Models as the API shows them: ids as strings, never a secret's value."""

from __future__ import annotations

from django.urls import reverse

from dashboard.models import AuditEvent, Project, ProjectStatus

_DETAIL_STUB = "00000000-0000-0000-0000-000000000000"


def _project_url(reference) -> str:
    return reverse("api:project_detail", args=[_DETAIL_STUB]).replace(_DETAIL_STUB, str(reference))


def project_summary(row: dict) -> dict:
    """A row of the list (plain values from the list's one query)."""
    return {
        "reference": str(row["reference"]),
        "name": row["name"],
        "vendor": row["vendor"],
        "account": str(row["account_id"]),
        "status": row["status"],
        "remote_id": row["remote_id"],
        "origin": row["origin"],
        "missing_at_vendor": row["missing_at_vendor"],
        "created_at": row["created_at"],
        "url": _project_url(row["reference"]),
    }


def project_out(project: Project) -> dict:
    """One project whole: what was sent (minus secrets), what the vendor answered (minus
    secrets), the error in the vendor's words, and its steps from the audit trail."""
    summary = project_summary(
        {**project.__dict__, "account_id": project.account_id, "reference": project.reference}
    )
    error = None
    if project.error_kind or project.error_message:
        error = {
            "kind": project.error_kind,
            "code": project.error_code,
            "status": project.error_status,
            "message": project.error_message,
            "fields": project.error_fields or {},
        }
    steps = AuditEvent.objects.filter(
        team_id=project.team_id, target_type="Project", target_id=str(project.pk)
    ).select_related("actor")
    return {
        **summary,
        "approval": _approval_out(project),
        "sent": project.payload,
        "answered": project.vendor_response,
        "remote_status": project.remote_status,
        "error": error,
        "secret_names": sorted(project.secrets),
        "queued_at": project.queued_at,
        "attempted_at": project.attempted_at,
        "completed_at": project.completed_at,
        "updated_at": project.updated_at,
        "last_synced_at": project.last_synced_at,
        "steps": [event_out(event) for event in reversed(steps)],
    }


def _approval_out(project: Project) -> dict | None:
    if project.status != ProjectStatus.AWAITING and project.decided_at is None:
        return None
    return {
        "requested_by": project.created_by.get_username() if project.created_by else None,
        "decided_by": project.decided_by.get_username() if project.decided_by else None,
        "decided_at": project.decided_at,
        "comment": project.decision_comment or "",
    }


def event_out(event: AuditEvent) -> dict:
    return {
        "id": str(event.pk),
        "at": event.created_at,
        "action": event.action,
        "summary": event.summary,
        "actor": event.actor.username if event.actor else None,
        "via": event.via,
        "target_type": event.target_type,
        "target_id": event.target_id,
    }
