"""An API create through the real queue: gunicorn writes the row and its task (the database
task backend), a `db_worker` process sends it, and the client polls until it settles."""

import uuid

import pytest
import requests

from dashboard.models import Project
from tests.dashboard.api_tokens import bearer, new_token
from tests.factories import connect_devkit4ai
from tests.processes import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

R4_CREATE = {"vendor": "r4", "method": "POST", "path": "/api/v1/machine/project"}


class Pipeline:
    """A CI job talking to the API with its token, as the README's snippet does."""

    def __init__(self, web, plaintext: str) -> None:
        self.url = f"{web.url}/api/v1"
        self.headers = {"Authorization": bearer(plaintext)}

    def create(self, account, fields: dict) -> requests.Response:
        return requests.post(
            f"{self.url}/projects",
            json={"account": str(account.pk), "fields": fields},
            headers={**self.headers, "Idempotency-Key": f"pipeline-{uuid.uuid4()}"},
            timeout=60,
        )

    def settled(self, reference: str) -> dict:
        def poll():
            answer = requests.get(f"{self.url}/projects/{reference}", headers=self.headers)
            assert answer.status_code == 200, answer.text
            project = answer.json()
            return project if project["status"] != "pending" else None

        return wait_for(poll, timeout=60, what="the worker to settle the create")


@pytest.fixture
def pipeline(services_running, member, team):
    web = services_running.web(workers=2, threads=2)  # TASKS_BACKEND: the database queue
    services_running.worker()
    return Pipeline(web, new_token(member, team)[1])


def test_an_api_create_answers_pending_and_the_worker_settles_it(pipeline, r4_account, sandbox):
    sandbox.inject("slow", vendor="r4", method="POST", delay=1.0)  # pending while it waits

    response = pipeline.create(r4_account, {"name": "Preview 7", "externalId": "PR-7"})

    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "pending" and accepted["remote_id"] == ""
    assert response.headers["Location"] == f"/api/v1/projects/{accepted['reference']}"
    project = pipeline.settled(accepted["reference"])
    assert project["status"] == "created" and project["error"] is None
    made_at_vendor = list(sandbox.vendors["r4"].projects["team0001"])
    assert [project["remote_id"]] == made_at_vendor
    assert project["sent"]["name"] == "Preview 7" and project["sent"]["externalId"] == "PR-7"
    assert project["completed_at"]
    assert len(sandbox.calls(**R4_CREATE)) == 1
    assert Project.objects.get().remote_id == project["remote_id"]


def test_a_create_the_vendor_refuses_settles_failed_with_its_field_error(
    pipeline, team, owner, sandbox
):
    account = connect_devkit4ai(team, owner, sandbox)
    sandbox.inject("error_400", vendor="devkit4ai", path_contains="projects", method="POST")

    response = pipeline.create(account, {"name": "Staging - Refused"})

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    project = pipeline.settled(response.json()["reference"])
    assert project["status"] == "failed" and project["remote_id"] == ""
    assert project["error"]["fields"] == {"name": "Project name is invalid"}
    assert project["error"]["status"] == 422  # what the vendor answered
    assert not sandbox.vendors["devkit4ai"].projects  # nothing was made there
