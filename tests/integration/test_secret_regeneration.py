"""Two admins regenerating one project's secret at once, from two server processes."""

import uuid

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import AuditEvent, Project, Role
from tests.factories import MembershipFactory, UserFactory, photon_account
from tests.processes import IMMEDIATE_BACKEND, UserAgent, at_once

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER_DELAY = 2.0


def test_two_regenerates_at_once_store_the_secret_the_vendor_issued_last(
    services_running, team, owner, sandbox
):
    other_admin = MembershipFactory(team=team, user=UserFactory(username="second"), role=Role.ADMIN)
    project = services.project_create(
        account=photon_account(team, sandbox),
        user=owner,
        idempotency_key=uuid.uuid4(),
        data={"name": "Support bot", "spectrum": True},
    )
    photon = sandbox.vendors["photon"]
    # The first regenerate's answer is held back: a second regenerate that reaches Photon
    # meanwhile replaces the secret the first is about to store.
    photon.regenerate_answer_delays = [ANSWER_DELAY]
    servers = [services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND, workers=1, threads=1)]
    servers.append(services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND, workers=1, threads=1))
    agents = [UserAgent(servers[0].url, owner), UserAgent(servers[1].url, other_admin.user)]
    url = reverse("dashboard:project_secret_regenerate", args=[project.reference])

    assert at_once(2, lambda i: agents[i].post(url).status_code) == [302, 302]

    regenerates = sandbox.calls(
        "photon", method="POST", path=f"/api/projects/{project.remote_id}/regenerate-secret"
    )
    assert len(regenerates) == 2
    stored = Project.objects.get(pk=project.pk).secrets["projectSecret"]
    assert stored == photon.projects[project.remote_id]["projectSecret"]
    # The second reached Photon only once the first had stored its answer.
    assert regenerates[1]["at"] - regenerates[0]["at"] >= ANSWER_DELAY
    audited = AuditEvent.objects.filter(action="project.secret_regenerated")
    assert sorted(audited.values_list("actor__username", flat=True)) == ["owner", "second"]
