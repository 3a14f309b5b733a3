"""Creates whose answer never came back: their outcome is unknown until someone looks."""

import uuid
from datetime import timedelta

from django.utils import timezone

from dashboard import services
from dashboard.models import Project, ProjectStatus


def lose_a_create(account, user, sandbox, *, name, fault="drop"):
    """A create sent to the sandbox whose answer `fault` lost ("drop": before the vendor
    made anything; "timeout_after_create": after it made the project)."""
    sandbox.inject(fault, vendor=account.vendor)
    project = services.project_create(
        account=account, user=user, data={"name": name}, idempotency_key=uuid.uuid4()
    )
    assert project.status == ProjectStatus.UNKNOWN
    return project


def vendor_has_surely_finished(project, settings):
    """Time passes: the attempt is now older than the reconcile wait."""
    wait = timedelta(seconds=settings.PROJECT_RECONCILE_AFTER_SECONDS + 1)
    Project.objects.filter(pk=project.pk).update(attempted_at=timezone.now() - wait)
    project.refresh_from_db()
