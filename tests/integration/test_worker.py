"""The real queue: gunicorn writes rows and tasks, `db_worker` processes make the vendor calls,
the scheduler runs the periodic sweep and reconcile. Nothing here runs a task in-process."""

import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboard import services
from dashboard.models import AuditEvent, Project, ProjectStatus
from tests.processes import UserAgent, at_once, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

R4_CREATE = {"vendor": "r4", "method": "POST", "path": "/api/v1/machine/project"}


def submit(agent, account, name, key=None):
    form = {"account": account.pk, "idempotency_key": str(key or uuid.uuid4()), "name": name}
    return agent.post(reverse("dashboard:project_new"), form)


def settled(**filters):
    def check():
        return not Project.objects.filter(status=ProjectStatus.PENDING, **filters).exists()

    return check


def test_a_create_answers_at_once_and_the_worker_settles_it(
    services_running, r4_account, member, sandbox
):
    sandbox.inject("slow", vendor="r4", method="POST", delay=1.5)
    web = services_running.web(workers=1, threads=2)
    services_running.worker()
    agent = UserAgent(web.url, member)

    response = submit(agent, r4_account, "Queued")

    assert response.status_code == 302
    project = Project.objects.get()
    assert project.status == ProjectStatus.PENDING  # the vendor is still thinking
    page = agent.get(response.headers["Location"]).text
    assert "Pending" in page and 'hx-trigger="every 2s"' in page
    wait_for(settled(), what="the worker to settle the create")
    project.refresh_from_db()
    assert project.status == ProjectStatus.CREATED and project.remote_id
    assert len(sandbox.calls(**R4_CREATE)) == 1
    assert "Created at R4" in agent.get(response.headers["Location"]).text


def test_two_workers_settle_twenty_creates_without_a_duplicate(
    services_running, r4_account, member, sandbox
):
    sandbox.inject("slow", vendor="r4", method="POST", delay=0.2, times=None)
    web = services_running.web(workers=2, threads=5)
    services_running.worker("worker-1")
    services_running.worker("worker-2")
    agent = UserAgent(web.url, member)

    responses = at_once(20, lambda i: submit(agent, r4_account, f"Batch {i}"))

    assert {r.status_code for r in responses} == {302}
    wait_for(settled(), timeout=60, what="twenty creates to settle")
    remote_ids = set(Project.objects.values_list("remote_id", flat=True))
    assert Project.objects.filter(status=ProjectStatus.CREATED).count() == 20
    assert len(remote_ids) == 20 and "" not in remote_ids
    assert len(sandbox.calls(**R4_CREATE)) == 20


def test_a_worker_killed_mid_call_leaves_a_row_that_settles_by_itself(
    services_running, r4_account, member, sandbox
):
    # The vendor makes the project, then never answers: the worker sits in its read.
    sandbox.inject("timeout_after_create", vendor="r4", method="POST", delay=30)
    web = services_running.web(workers=1, threads=2)
    doomed = services_running.worker("doomed", VENDOR_HTTP_READ_TIMEOUT="25")
    agent = UserAgent(web.url, member)
    assert submit(agent, r4_account, "Killed mid-call").status_code == 302
    wait_for(lambda: sandbox.calls(**R4_CREATE), what="the worker to send the create")

    doomed.kill()

    project = Project.objects.get()
    assert project.status == ProjectStatus.PENDING and project.attempted_at
    # A new worker and the scheduler, with a short timeout, and nobody touching anything.
    periodic = {
        "PROJECT_PENDING_TIMEOUT_SECONDS": "4",
        "PROJECT_RECONCILE_AFTER_SECONDS": "4",
        "VENDOR_HTTP_CONNECT_TIMEOUT": "1",
        "VENDOR_HTTP_READ_TIMEOUT": "1",
        "VENDOR_HTTP_TOTAL_TIMEOUT": "1.2",  # a call of 3 requests (Dev Kit) stays under 4 s
        "SCHEDULE_SWEEP_SECONDS": "1",
        "SCHEDULE_RECONCILE_SECONDS": "1",
    }
    services_running.worker("survivor", **periodic)
    services_running.scheduler(**periodic)
    wait_for(settled(), timeout=30, what="the sweep to time the row out")
    wait_for(
        lambda: Project.objects.filter(status=ProjectStatus.CREATED).exists(),
        timeout=30,
        what="the reconcile to find the project at the vendor",
    )

    project.refresh_from_db()
    made_at_vendor = list(sandbox.vendors["r4"].projects["team0001"])
    assert [project.remote_id] == made_at_vendor
    assert len(sandbox.calls(**R4_CREATE)) == 1  # found, never re-sent
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"project.stale", "project.reconciled"} <= actions


def test_a_create_whose_enqueue_failed_is_queued_again_by_the_sweep(
    r4_account, member, sandbox, settings
):
    settings.TASKS = {"default": {"BACKEND": "dashboard.no_such.Backend"}}
    project = services.project_create(
        account=r4_account, user=member, data={"name": "Lost enqueue"}, idempotency_key=uuid.uuid4()
    )
    assert project.status == ProjectStatus.PENDING and project.attempted_at is None
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PROJECT_REQUEUE_AFTER_SECONDS = 0

    assert services.projects_sweep().requeued == 1

    project.refresh_from_db()
    assert project.status == ProjectStatus.CREATED
    assert len(sandbox.calls(**R4_CREATE)) == 1


def test_a_bad_pending_timeout_is_refused_at_startup(settings):
    settings.PROJECT_PENDING_TIMEOUT_SECONDS = 10
    settings.VENDOR_HTTP_CONNECT_TIMEOUT, settings.VENDOR_HTTP_READ_TIMEOUT = 5, 20
    with pytest.raises(Exception, match=r"dashboard\.E001"):
        call_command("check")


def test_a_backend_that_never_runs_tasks_is_flagged_at_startup(settings):
    import io

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "dashboard.W001" in out.getvalue()


def test_three_schedulers_at_once_enqueue_each_due_job_once(services_running):
    from django_tasks_db.models import DBTaskResult

    from dashboard.scheduler import JOBS

    schedulers = [services_running.scheduler(name=f"scheduler-{i}", once=True) for i in range(3)]
    for process in schedulers:
        assert process.popen.wait(timeout=60) == 0, process.log()

    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert sorted(paths) == sorted(job.task.module_path for job in JOBS)


def test_a_job_is_due_again_after_its_interval(db, settings):
    from datetime import timedelta

    from django.utils import timezone

    from dashboard.scheduler import enqueue_due_jobs

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.SCHEDULE_SWEEP_SECONDS = 30
    settings.SCHEDULE_DEVICE_LOGIN_SECONDS = 45  # each job keeps its own interval
    settings.SCHEDULE_OUTBOX_SWEEP_SECONDS = 60
    now = timezone.now()
    assert "sweep_projects" in enqueue_due_jobs(now=now)
    assert enqueue_due_jobs(now=now + timedelta(seconds=29)) == []
    assert enqueue_due_jobs(now=now + timedelta(seconds=31)) == ["sweep_projects"]
