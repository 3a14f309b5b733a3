"""The plan limit counted from the tallies holds with many processes: creates with
different keys, all at once, at the last free place of a plan, let exactly one through.
Runs on whichever database the suite runs on (`make test`: SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from dashboard.models import Project, ProjectStatus, Role
from tests.dashboard.api_tokens import bearer, new_token
from tests.factories import ProjectFactory, connect_devkit4ai
from tests.processes import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_creates_at_the_last_place_of_a_plan_let_one_through(
    services_running, team, owner, sandbox
):
    import requests

    account = connect_devkit4ai(team, owner, sandbox)  # Free Starter: 5 active projects
    ProjectFactory.create_batch(4, account=account, status=ProjectStatus.CREATED)
    _, token = new_token(owner, team, role=Role.ADMIN)
    web = services_running.web()

    def create(i: int) -> requests.Response:
        return requests.post(
            f"{web.url}/api/v1/projects",
            json={"account": str(account.pk), "fields": {"name": f"Staging - Portal {i}"}},
            headers={"Authorization": bearer(token), "Idempotency-Key": f"last-place-{i}"},
            timeout=60,
        )

    answers = at_once(12, create)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [202] + [422] * 11, [a.text[:200] for a in answers]
    refusals = [a.json()["detail"] for a in answers if a.status_code == 422]
    assert all("5 active projects" in detail for detail in refusals)
    assert Project.objects.filter(account=account).count() == 5
