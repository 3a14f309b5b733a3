"""Regenerating a project's secret: decided on the row as stored, not on the caller's copy."""

import uuid

import pytest

from dashboard import services
from dashboard.models import AccountStatus, AuditEvent, Project, ProjectStatus
from tests.factories import photon_account


@pytest.fixture
def secret_project(team, owner, sandbox):
    return services.project_create(
        account=photon_account(team, sandbox),
        user=owner,
        idempotency_key=uuid.uuid4(),
        data={"name": "Support bot", "spectrum": True},
    )


def current_secret(sandbox, project) -> str:
    return sandbox.vendors["photon"].projects[project.remote_id]["projectSecret"]


def test_a_secret_stored_since_the_caller_read_the_project_is_kept(owner, secret_project, sandbox):
    stale = Project.objects.get(pk=secret_project.pk)
    stored = Project.objects.get(pk=secret_project.pk)
    stored.secrets = {**stored.secrets, "spectrumApiKey": "kept"}
    stored.save()

    services.project_regenerate_secret(project=stale, user=owner)

    secrets = Project.objects.get(pk=secret_project.pk).secrets
    assert secrets == {
        "projectSecret": current_secret(sandbox, secret_project),
        "spectrumApiKey": "kept",
    }


def test_a_project_no_longer_created_is_not_regenerated(owner, secret_project, sandbox):
    stale = Project.objects.get(pk=secret_project.pk)
    Project.objects.filter(pk=secret_project.pk).update(status=ProjectStatus.FAILED)

    with pytest.raises(services.ServiceError):
        services.project_regenerate_secret(project=stale, user=owner)

    assert not sandbox.calls("photon", path=f"/api/projects/{stale.remote_id}/regenerate-secret")
    assert not AuditEvent.objects.filter(action="project.secret_regenerated").exists()


def test_a_refused_token_marks_the_account_and_keeps_the_secret(owner, secret_project, sandbox):
    account = secret_project.account
    account.credentials = {"access_token": "pht_nobody.0000000000000000000000000000000000000000"}
    account.save()
    before = secret_project.secrets

    with pytest.raises(services.ServiceError):
        services.project_regenerate_secret(project=secret_project, user=owner)

    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    assert AuditEvent.objects.filter(action="account.needs_reconnect", actor=owner).exists()
    assert Project.objects.get(pk=secret_project.pk).secrets == before
    assert not AuditEvent.objects.filter(action="project.secret_regenerated").exists()
