"""Rules that must hold with many processes: real gunicorn workers, requests all at once.

Runs on whichever database the suite runs on; `make test` runs it on SQLite and PostgreSQL.
"""

import time
import uuid
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dashboard import services
from dashboard.models import (
    AccountStatus,
    AuditEvent,
    Membership,
    Project,
    ProjectStatus,
    Role,
    VendorAccount,
)
from providers.base import ErrorKind
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    connect_devkit4ai,
)
from tests.processes import (
    IMMEDIATE_BACKEND,
    UserAgent,
    at_once,
    finished,
    manage,
    shells_at_once,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

R4_CREATE = {"vendor": "r4", "method": "POST", "path": "/api/v1/machine/project"}


def retryable_failure(account, user):
    return ProjectFactory(
        account=account,
        created_by=user,
        status=ProjectStatus.FAILED,
        error_kind=ErrorKind.UNAVAILABLE.value,
        error_message="R4 is unavailable.",
    )


def test_twenty_concurrent_retries_send_exactly_one_create(
    services_running, r4_account, member, sandbox
):
    failed = retryable_failure(r4_account, member)
    web = services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND)
    agent = UserAgent(web.url, member)
    url = reverse("dashboard:project_retry", args=[failed.reference])

    statuses = at_once(20, lambda _: agent.post(url).status_code)

    assert statuses == [302] * 20
    assert len(sandbox.calls(**R4_CREATE)) == 1
    failed.refresh_from_db()
    assert failed.status == ProjectStatus.CREATED and failed.remote_id
    assert AuditEvent.objects.filter(action="project.retried").count() == 1


def test_retries_from_the_admin_and_the_dashboard_at_once_send_one_create(
    services_running, r4_account, member, sandbox
):
    failed = retryable_failure(r4_account, member)
    web = services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND)
    operator = UserAgent(web.url, UserFactory(is_staff=True, is_superuser=True))
    teammate = UserAgent(web.url, member)
    admin_action = {"action": "retry", "index": 0, "_selected_action": [failed.pk]}

    def retry(i: int) -> int:
        if i % 2:
            return teammate.post(
                reverse("dashboard:project_retry", args=[failed.reference])
            ).status_code
        return operator.post(
            reverse("admin:dashboard_project_changelist"), admin_action
        ).status_code

    assert set(at_once(12, retry)) == {302}
    assert len(sandbox.calls(**R4_CREATE)) == 1
    failed.refresh_from_db()
    assert failed.status == ProjectStatus.CREATED
    assert AuditEvent.objects.filter(action="project.retried").count() == 1


def test_ten_concurrent_imports_track_a_vendor_project_once(
    services_running, r4_account, member, sandbox
):
    remote = sandbox.vendors["r4"]
    made = services.project_create(
        account=r4_account,
        user=member,
        data={"name": "Made elsewhere"},
        idempotency_key=uuid.uuid4(),
    )
    remote_id = made.remote_id
    Project.objects.all().delete()  # the dashboard forgets it; the vendor still has it
    assert remote.projects["team0001"][remote_id]
    web = services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND)
    agent = UserAgent(web.url, member)
    url = reverse("dashboard:account_import", args=[r4_account.pk])

    statuses = at_once(10, lambda _: agent.post(url, {"remote_id": remote_id}).status_code)

    assert statuses == [302] * 10
    assert Project.objects.filter(remote_id=remote_id).count() == 1
    assert AuditEvent.objects.filter(action="project.imported").count() == 1


def test_one_idempotency_key_submitted_at_once_makes_one_project(
    services_running, r4_account, member, sandbox
):
    web = services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND)
    agent = UserAgent(web.url, member)
    form = {"account": r4_account.pk, "idempotency_key": str(uuid.uuid4()), "name": "Once only"}

    responses = at_once(10, lambda _: agent.post(reverse("dashboard:project_new"), form))

    project = Project.objects.get()
    assert {r.status_code for r in responses} == {302}
    assert {r.headers["Location"] for r in responses} == {f"/projects/{project.reference}/"}
    assert len(sandbox.calls(**R4_CREATE)) == 1


def test_a_resubmitted_key_at_the_plan_limit_returns_its_project(
    services_running, team, owner, member, sandbox
):
    account = connect_devkit4ai(team, owner, sandbox)
    ProjectFactory.create_batch(4, account=account, status=ProjectStatus.CREATED)  # limit is 5
    web = services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND)
    agent = UserAgent(web.url, member)
    form = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "name": "Staging - Last"}

    responses = at_once(8, lambda _: agent.post(reverse("dashboard:project_new"), form))

    last = Project.objects.get(name="Staging - Last")
    assert [r.status_code for r in responses] == [302] * 8, [r.text[:300] for r in responses]
    assert {r.headers["Location"] for r in responses} == {f"/projects/{last.reference}/"}
    assert last.status == ProjectStatus.CREATED


def test_two_creates_after_the_access_token_expired_refresh_once(
    services_running, team, owner, member, sandbox
):
    account = connect_devkit4ai(team, owner, sandbox)
    account.credentials = {**account.credentials, "access_expires_at": "0"}  # expired
    account.save()
    # A slow refresh keeps the first one in flight while the second create starts.
    sandbox.inject("slow", vendor="devkit4ai", path_contains="auth/refresh", delay=0.5, times=None)
    web = services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND, workers="2", threads="1")
    agent = UserAgent(web.url, member)

    def create(i):
        form = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "name": f"Race {i}"}
        return agent.post(reverse("dashboard:project_new"), form).status_code

    assert at_once(2, create) == [302, 302]

    assert len(sandbox.calls("devkit4ai", path="/api/v1/auth/refresh")) == 1
    assert set(Project.objects.values_list("status", flat=True)) == {ProjectStatus.CREATED}
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert float(account.credentials["access_expires_at"]) > 0


def test_logout_in_one_process_ends_the_session_in_every_other(services_running, member):
    first = services_running.web(workers=1, threads=1)
    second = services_running.web(workers=1, threads=1)
    agent = UserAgent(first.url, member)
    on_second = UserAgent(second.url, member)
    on_second.cookies = agent.cookies
    assert on_second.get("/").status_code == 200

    assert agent.post(reverse("logout")).status_code == 302

    response = on_second.get("/")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]


def test_key_rotation_never_overwrites_a_token_refreshed_while_it_runs(
    r4_account, settings, tmp_path
):
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    with transaction.atomic():
        # A refresh in flight: the row is locked and holds a new token, not yet committed.
        VendorAccount.objects.select_for_update().get(pk=r4_account.pk)
        VendorAccount.objects.filter(pk=r4_account.pk).update(credentials={"api_key": "refreshed"})
        rotation = manage("rotate_encryption_keys", FIELD_ENCRYPTION_KEYS=f"{new_key},{old_key}")
        time.sleep(1.5)  # long enough for the rotation to reach this row and wait for it
        assert rotation.poll() is None, rotation.communicate()[0]
    finished([rotation], timeout=60)

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # only the new key: the row was re-encrypted
    assert VendorAccount.objects.get(pk=r4_account.pk).credentials == {"api_key": "refreshed"}


def test_two_admins_demoting_each_other_at_once_leave_the_team_an_admin(
    services_running, team, owner
):
    second = MembershipFactory(team=team, user=UserFactory(username="second"), role=Role.ADMIN)
    first = Membership.objects.get(team=team, user=owner)
    web = services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND, workers=2, threads=2)
    agents = [UserAgent(web.url, owner), UserAgent(web.url, second.user)]
    targets = [second, first]  # each demotes the other

    def demote(i):
        url = reverse("dashboard:team_member_role", args=[team.pk, targets[i].pk])
        return agents[i].post(url, {"role": "member"}).status_code

    for _ in range(5):
        Membership.objects.filter(pk__in=[first.pk, second.pk]).update(role=Role.ADMIN)
        # One demotion wins; the other is refused ("at least one admin", a redirect) or finds
        # its sender no longer an admin (404). Never both: the team keeps an admin.
        assert sorted(at_once(2, demote)) in ([302, 302], [302, 404])
        assert Membership.objects.filter(team=team, role=Role.ADMIN).count() == 1


def test_concurrent_syncs_mark_each_lost_project_failed_once(r4_account, sandbox):
    long_ago = timezone.now() - timedelta(hours=1)  # the vendor has surely finished
    lost = ProjectFactory.create_batch(
        250, account=r4_account, status=ProjectStatus.UNKNOWN, attempted_at=long_ago
    )
    sync = f"services.account_sync(account=VendorAccount.objects.get(pk={r4_account.pk}))"
    code = f"from dashboard import services; from dashboard.models import VendorAccount; {sync}"
    with transaction.atomic():
        # Hold the rows (PostgreSQL) or the write lock (SQLite) until every run has read
        # the same unknown projects and waits to move them: then let them all go at once.
        list(Project.objects.select_for_update().filter(pk__in=[p.pk for p in lost]))
        runs = shells_at_once(code, 4)
        wait_for(lambda: len(sandbox.calls("r4", method="GET")) == 4, what="four listings")
        time.sleep(1)  # each run reads its unknown projects just after listing
        assert [run.poll() for run in runs] == [None] * 4
    finished(runs)

    failed = Project.objects.filter(pk__in=[p.pk for p in lost], status=ProjectStatus.FAILED)
    assert failed.count() == len(lost)
    # Each moved by exactly one of the runs: one audit event each, none twice.
    audited = AuditEvent.objects.filter(action="project.reconciled")
    assert sorted(audited.values_list("target_id", flat=True)) == sorted(str(p.pk) for p in lost)
