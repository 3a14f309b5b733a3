"""Vendor ids one character longer than the column that would keep them."""

import uuid
from datetime import timedelta

from django.utils import timezone

from dashboard import services
from dashboard.models import Project, ProjectStatus
from tests.factories import ProjectFactory

ID_MAX = Project._meta.get_field("remote_id").max_length


def lost_an_hour_ago(account, **fields):
    """A create sent an hour ago whose answer was lost: its vendor has surely finished."""
    an_hour_ago = timezone.now() - timedelta(hours=1)
    return ProjectFactory(
        account=account, status=ProjectStatus.UNKNOWN, attempted_at=an_hour_ago, **fields
    )


def made_at_r4_under_an_over_long_id(sandbox, project, letter):
    """R4 lists `project` (by its reference) under an id of `letter`s too long to keep."""
    too_long = letter * (ID_MAX + 1)
    sandbox.vendors["r4"].projects["team0001"][too_long] = {
        "id": too_long,
        "name": project.name,
        "externalId": str(project.reference),
    }
    return too_long


def photon_create_with_an_over_long_id(account, user, sandbox, name):
    """A Photon create whose answer names an id too long to keep."""
    sandbox.inject("mutate", vendor="photon", method="POST", field="id", value="x" * (ID_MAX + 1))
    return services.project_create(
        account=account,
        user=user,
        data={"name": name, "spectrum": True},
        idempotency_key=uuid.uuid4(),
    )
