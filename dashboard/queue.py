"""Handing work to the task queue: the services' one way in.

dashboard.tasks imports the services, so the services never import it: a task is looked
up by its dotted path when it is queued. A task that could not be queued loses nothing
that the caller does not handle (a sweep queues creates and sign-in polls again; an export
is marked failed), so every function here answers True or False and never raises for a
queue that is down or misconfigured.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import Error as DatabaseError
from django.tasks import InvalidTaskBackend
from django.tasks.exceptions import TaskException
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Every task the services queue, as the queue stores it (DBTaskResult.task_path).
SUBMIT_PROJECT = "dashboard.tasks.submit_project"
BUILD_EXPORT = "dashboard.tasks.build_export"
POLL_DEVICE_LOGIN = "dashboard.tasks.poll_device_login"
SEND_BATCH_ROWS = "dashboard.tasks.send_batch_rows"
DELIVER_TO_DESTINATION = "dashboard.tasks.deliver_to_destination"
SEND_EMAIL_NOTICE = "dashboard.tasks.send_email_notice"
QUEUED_BY_SERVICES = (
    SUBMIT_PROJECT,
    BUILD_EXPORT,
    POLL_DEVICE_LOGIN,
    SEND_BATCH_ROWS,
    DELIVER_TO_DESTINATION,
    SEND_EMAIL_NOTICE,
)

# What queueing can raise: the queue's database, a TASKS backend that is missing or
# misconfigured, a task that backend refuses. Anything else is a bug, and is not hidden.
ENQUEUE_ERRORS = (DatabaseError, InvalidTaskBackend, TaskException)


def enqueue_submit(*, project_id: int, at: datetime | None = None) -> bool:
    """A pending create (at `at`, its account's next turn); if it can't be queued it stays
    pending, never attempted, and the sweep queues it again."""
    return _enqueue(
        SUBMIT_PROJECT,
        project_id,
        at=at,
        failure="Could not queue project %s; the sweep will queue it again",
    )


def enqueue_batch_sender(*, account_id: int, at: datetime | None = None) -> bool:
    """One of an account's batch senders, each of which sends one row a turn and then
    queues itself behind everyone else's work. Only on a queue with workers (one that can
    delay a task): False otherwise, and the caller sends in place."""
    return _enqueue(
        SEND_BATCH_ROWS,
        account_id,
        at=at,
        needs_workers=True,
        failure="Could not queue a batch sender for account %s; the sweep will",
    )


def enqueue_delivery_turn(*, destination_id: int, at: datetime | None = None) -> bool:
    """A turn of a destination's deliveries (at `at`: a retry's time), which sends one and
    then queues itself behind everyone else's work. Only on a queue with workers: False
    otherwise, and the caller delivers in place (or leaves a retry to the sweep)."""
    return _enqueue(
        DELIVER_TO_DESTINATION,
        destination_id,
        at=at,
        needs_workers=True,
        failure="Could not queue deliveries to destination %s; the sweep will",
    )


def queue_has_workers() -> bool:
    """Whether queued work is run by workers (a queue that can delay a task) rather than
    in place; False too for a queue that is misconfigured or down."""
    try:
        return import_string(DELIVER_TO_DESTINATION).get_backend().supports_defer
    except ENQUEUE_ERRORS:
        return False


def enqueue_email_notice(*, notice_id: int) -> bool:
    return _enqueue(SEND_EMAIL_NOTICE, notice_id, failure="Could not queue mail %s; the sweep will")


def enqueue_export_build(*, export_id: int) -> bool:
    return _enqueue(BUILD_EXPORT, export_id, failure="Could not queue export %s")


def enqueue_device_login_poll(*, login_id: int, at: datetime | None = None) -> bool:
    """A poll of a sign-in, at `at` when the queue can delay a task; when it can't, or the
    queue is down, the sweep polls the sign-in once it is due."""
    return _enqueue(
        POLL_DEVICE_LOGIN,
        login_id,
        at=at,
        failure="Could not queue a poll of sign-in %s; the sweep will",
    )


def _enqueue(
    path: str,
    object_id: int,
    *,
    failure: str,
    at: datetime | None = None,
    needs_workers: bool = False,
) -> bool:
    try:
        task = import_string(path)
        if (at is not None or needs_workers) and not task.get_backend().supports_defer:
            return False
        if at is not None:
            task = task.using(run_after=at)
        task.enqueue(object_id)
    except ENQUEUE_ERRORS:
        logger.exception(failure, object_id)
        return False
    return True
