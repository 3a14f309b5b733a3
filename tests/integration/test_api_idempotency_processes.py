"""Idempotency-Key through real processes: gunicorn with 4 workers, requests all at once.

The key is kept in the database, so it must hold across processes on SQLite and
PostgreSQL alike (`make test` runs both).
"""

import uuid

import pytest
import requests

from dashboard.models import IdempotentRequest, Project, ProjectStatus
from tests.dashboard.api_tokens import bearer, new_token
from tests.processes import IMMEDIATE_BACKEND, at_once, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

R4_CREATE = {"vendor": "r4", "method": "POST", "path": "/api/v1/machine/project"}
PROBLEM = "application/problem+json"


def api_create(web, plaintext: str, key: str, body: dict) -> requests.Response:
    return requests.post(
        f"{web.url}/api/v1/projects",
        json=body,
        headers={"Authorization": bearer(plaintext), "Idempotency-Key": key},
        allow_redirects=False,
        timeout=60,
    )


def assert_one_answer_or_in_flight(responses) -> dict:
    """Every answer is 202 with one and the same body, or 409 problem+json; returns the body."""
    accepted = [r for r in responses if r.status_code == 202]
    others = [r for r in responses if r.status_code != 202]
    assert accepted, [r.status_code for r in responses]
    assert {r.status_code for r in others} <= {409}, [(r.status_code, r.text) for r in others]
    for response in others:
        assert response.headers["Content-Type"] == PROBLEM
        assert response.json()["type"].endswith("#idempotency-key-in-flight")
    bodies = [r.json() for r in accepted]
    assert all(body == bodies[0] for body in bodies), bodies
    reference = bodies[0]["reference"]
    assert {r.headers["Location"] for r in accepted} == {f"/api/v1/projects/{reference}"}
    return bodies[0]


@pytest.mark.parametrize("backend", ["vendor call in the request", "queue and a db_worker"])
def test_twenty_posts_with_one_key_make_one_project_and_one_vendor_create(
    services_running, r4_account, member, team, sandbox, backend
):
    # A slow vendor keeps the first request in flight while the others arrive.
    sandbox.inject("slow", vendor="r4", method="POST", delay=1.0)
    if backend == "vendor call in the request":
        web = services_running.web(workers=4, TASKS_BACKEND=IMMEDIATE_BACKEND)
    else:
        web = services_running.web(workers=4)
        services_running.worker()
    _, plaintext = new_token(member, team)
    key = f"ci-{uuid.uuid4()}"
    body = {"account": str(r4_account.pk), "fields": {"name": "Preview 42"}}

    responses = at_once(20, lambda _: api_create(web, plaintext, key, body))

    first = assert_one_answer_or_in_flight(responses)
    project = Project.objects.get()
    assert first["reference"] == str(project.reference)
    wait_for(
        lambda: Project.objects.exclude(status=ProjectStatus.PENDING).exists(),
        timeout=60,
        what="the create to settle",
    )
    project.refresh_from_db()
    assert project.status == ProjectStatus.CREATED and project.remote_id
    assert len(sandbox.calls(**R4_CREATE)) == 1
    assert IdempotentRequest.objects.get().answer_status == 202

    again = api_create(web, plaintext, key, body)  # a CI job retried, long after
    assert again.status_code == 202 and again.json() == first

    other = api_create(web, plaintext, key, {**body, "fields": {"name": "Preview 43"}})
    assert other.status_code == 422
    assert other.headers["Content-Type"] == PROBLEM
    assert other.json()["type"].endswith("#idempotency-key-reused")
    assert Project.objects.count() == 1
    assert len(sandbox.calls(**R4_CREATE)) == 1


def test_one_key_from_two_users_at_once_makes_a_project_for_each(
    services_running, r4_account, member, owner, team, sandbox
):
    sandbox.inject("slow", vendor="r4", method="POST", delay=0.5, times=2)
    web = services_running.web(workers=4, TASKS_BACKEND=IMMEDIATE_BACKEND)
    users = [member, owner]
    tokens = [new_token(user, team, name=f"CI of {user.username}")[1] for user in users]
    key = "pipeline-1234-preview"  # two pipelines that happen to pick the same key
    body = {"account": r4_account.pk, "fields": {"name": "Shared key"}}

    responses = at_once(20, lambda i: (i % 2, api_create(web, tokens[i % 2], key, body)))

    firsts = [
        assert_one_answer_or_in_flight([r for who, r in responses if who == i]) for i in (0, 1)
    ]
    assert firsts[0]["reference"] != firsts[1]["reference"]
    made = {p.created_by_id: str(p.reference) for p in Project.objects.filter(name="Shared key")}
    assert made == {user.pk: first["reference"] for user, first in zip(users, firsts, strict=True)}
    assert len(sandbox.calls(**R4_CREATE)) == 2
    assert IdempotentRequest.objects.filter(key=key).count() == 2
