"""dashboard.queue: the services' one way to queue a task, which never imports them back."""

import logging
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.tasks import InvalidTaskBackend, Task
from django.tasks.exceptions import InvalidTask
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from dashboard import queue, tasks
from tests.test_import_graph import import_alone

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
NO_SUCH_BACKEND = {"default": {"BACKEND": "dashboard.no_such.Backend"}}


@pytest.mark.parametrize(
    ("enqueue", "path"),
    [
        (lambda: queue.enqueue_submit(project_id=7), "dashboard.tasks.submit_project"),
        (lambda: queue.enqueue_export_build(export_id=7), "dashboard.tasks.build_export"),
        (lambda: queue.enqueue_device_login_poll(login_id=7), "dashboard.tasks.poll_device_login"),
    ],
)
def test_each_enqueue_stores_one_row_for_its_task_with_only_the_id(enqueue, path, db, settings):
    settings.TASKS = DB_QUEUE
    assert enqueue() is True
    row = DBTaskResult.objects.get()
    assert row.task_path == path
    assert row.args_kwargs == {"args": [7], "kwargs": {}}


def test_every_listed_path_is_a_task_of_dashboard_tasks():
    assert {import_string(path) for path in queue.QUEUED_BY_SERVICES} == {
        tasks.submit_project,
        tasks.build_export,
        tasks.poll_device_login,
        tasks.send_batch_rows,
        tasks.deliver_to_destination,
        tasks.send_email_notice,
    }
    assert all(isinstance(import_string(p), Task) for p in queue.QUEUED_BY_SERVICES)


def test_a_poll_is_queued_to_run_at_the_given_time(db, settings):
    settings.TASKS = DB_QUEUE
    at = timezone.now().replace(microsecond=0) + timedelta(seconds=30)
    assert queue.enqueue_device_login_poll(login_id=3, at=at) is True
    assert DBTaskResult.objects.get().run_after == at


def test_a_delayed_poll_on_a_queue_that_cannot_delay_is_left_to_the_sweep(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    assert tasks.poll_device_login.get_backend().supports_defer is False
    assert queue.enqueue_device_login_poll(login_id=3, at=timezone.now()) is False
    assert queue.enqueue_device_login_poll(login_id=3) is True  # due now: run at once


@pytest.mark.parametrize(
    ("enqueue", "logged"),
    [
        (lambda: queue.enqueue_submit(project_id=5), "Could not queue project 5"),
        (lambda: queue.enqueue_export_build(export_id=5), "Could not queue export 5"),
        (lambda: queue.enqueue_device_login_poll(login_id=5), "poll of sign-in 5"),
    ],
)
def test_a_missing_backend_returns_false_and_logs(enqueue, logged, db, settings, caplog):
    settings.TASKS = NO_SUCH_BACKEND
    with caplog.at_level(logging.ERROR, logger="dashboard.queue"):
        assert enqueue() is False
    assert logged in caplog.text
    assert DBTaskResult.objects.count() == 0


@pytest.mark.parametrize(
    "error",
    [OperationalError("queue database down"), InvalidTask("refused"), InvalidTaskBackend("x")],
)
def test_what_queueing_can_raise_returns_false(error, db, settings, monkeypatch):
    settings.TASKS = DB_QUEUE

    def fail(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(Task, "enqueue", fail)
    assert queue.enqueue_submit(project_id=1) is False


def test_a_bug_is_not_hidden_as_a_queue_failure(db, settings, monkeypatch):
    settings.TASKS = DB_QUEUE

    def fail(self, *args, **kwargs):
        raise TypeError("a bug")

    monkeypatch.setattr(Task, "enqueue", fail)
    with pytest.raises(TypeError):
        queue.enqueue_submit(project_id=1)


# What importing the module loads of ours, after the models Django starts with.
LOADS = """
import importlib, os, sys, django
django.setup()
before = set(sys.modules)
importlib.import_module(os.environ["IMPORT_ALONE"])
print(" ".join(sorted(m for m in set(sys.modules) - before if m.startswith("dashboard"))))
"""


def test_importing_the_queue_loads_neither_the_services_nor_the_tasks():
    run = import_alone("dashboard.queue", probe=LOADS)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["dashboard.queue"]
