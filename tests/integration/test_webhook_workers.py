"""Webhook deliveries by real `db_worker` processes to a real receiver process, which
verifies every one with `standardwebhooks` as a team's receiver would. On SQLite and
PostgreSQL (CI runs both)."""

import time

import pytest
from django.db import transaction

from dashboard import services
from dashboard.models import Delivery, DeliveryStatus, Destination, DestinationKind, EventType
from tests.processes import manage, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_ENV = {
    "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    "WEBHOOK_RETRY_SCHEDULE": "0.3s,0.3s,0.3s",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "SCHEDULE_OUTBOX_SWEEP_SECONDS": "1",
}


@pytest.fixture(autouse=True)
def _queue_for_the_workers(settings):
    """The test process queues for the workers, never delivers in place."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def hook(team, owner, receiver):
    destination, secret = services.destination_create(
        team=team,
        user=owner,
        kind=DestinationKind.WEBHOOK,
        url=receiver.url,
        description="Receiver",
        event_types=[],
        enabled=True,
    )
    receiver.configure(secrets=[secret])
    return destination


def workers(services_running, count: int, **env) -> None:
    for i in range(count):
        services_running.worker(f"worker-{i}", **{**WORKER_ENV, **env})


def happen(team, n: int = 0):
    return services.event_record(team=team, type=EventType.PROJECT_FAILED, data={"n": n})


def delivered(count: int):
    return lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() >= count


def test_a_hundred_events_make_a_hundred_verified_deliveries(
    services_running, team, hook, receiver
):
    workers(services_running, 4)
    ids = {happen(team, n).webhook_id for n in range(100)}

    wait_for(delivered(100), timeout=120, what="100 deliveries")
    records = receiver.records()
    assert len(records) == 100
    assert {r["webhook_id"] for r in records} == ids
    assert [r for r in records if r["verified_with"] != [0]] == []  # 0 bad signatures
    assert sorted(r["data"]["n"] for r in records) == list(range(100))


def test_a_receiver_answering_500_twice_gets_it_on_the_third_try_with_the_same_id(
    services_running, team, hook, receiver
):
    receiver.configure(answers=[500, 500])
    workers(services_running, 2)
    event = happen(team)

    wait_for(delivered(1), timeout=60, what="the delivery")
    records = receiver.records()
    assert [r["status"] for r in records] == [500, 500, 200]
    assert {r["webhook_id"] for r in records} == {event.webhook_id}
    assert all(r["verified_with"] == [0] for r in records)
    assert Delivery.objects.get().attempts == 3


def test_a_410_switches_the_destination_off(services_running, team, hook, receiver):
    receiver.configure(answers=[410])
    workers(services_running, 1)
    happen(team)
    wait_for(lambda: not Destination.objects.get().enabled, timeout=60, what="the destination off")
    assert "410" in Destination.objects.get().disabled_reason
    assert Delivery.objects.get().status == DeliveryStatus.FAILED


def test_a_worker_killed_mid_delivery_loses_nothing(services_running, team, hook, receiver):
    """SIGKILL while the receiver holds the request: once the claim's lease runs out, the
    sweep queues it again and another worker delivers it (the same webhook-id)."""
    receiver.configure(sleep=4, sleep_times=1)
    first = services_running.worker("doomed", **WORKER_ENV)
    event = happen(team)
    wait_for(lambda: receiver.arrived(), timeout=60, what="the first attempt to arrive")
    first.kill()
    assert Delivery.objects.get().status == DeliveryStatus.PENDING

    workers(services_running, 1)
    services_running.scheduler(**WORKER_ENV)
    wait_for(delivered(1), timeout=60, what="the delivery after the kill")
    ids = {r["webhook_id"] for r in receiver.records(answered=None)}
    assert ids == {event.webhook_id}


def test_a_process_killed_right_after_its_commit_loses_nothing(
    services_running, team, hook, receiver
):
    """The change and its event commit, then the process dies before it queues any work."""
    code = (
        "import os, signal\n"
        "from django.db import transaction\n"
        "from dashboard import services\n"
        "from dashboard.models import Team\n"
        "with transaction.atomic():\n"
        "    transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))\n"
        f"    services.event_record(team=Team.objects.get(pk={team.pk}),"
        " type='project.failed', data={'killed': True})\n"
    )
    run = manage("shell", "-c", code, **WORKER_ENV)
    run.communicate(timeout=60)
    assert run.returncode == -9
    assert Delivery.objects.get().status == DeliveryStatus.PENDING

    workers(services_running, 1)
    services_running.scheduler(**WORKER_ENV)
    wait_for(delivered(1), timeout=60, what="the delivery the sweep queued")
    (record,) = receiver.records()
    assert record["data"] == {"killed": True} and record["verified_with"] == [0]


def test_an_event_in_a_transaction_that_rolls_back_is_never_delivered(
    services_running, team, hook, receiver
):
    workers(services_running, 2)
    services_running.scheduler(**WORKER_ENV)
    with pytest.raises(RuntimeError), transaction.atomic():
        happen(team, 1)
        raise RuntimeError("the change failed")
    time.sleep(3)  # a sweep or two, and idle workers
    kept = happen(team, 2)

    wait_for(delivered(1), timeout=60, what="the committed event")
    time.sleep(1)
    assert [r["webhook_id"] for r in receiver.records()] == [kept.webhook_id]


def test_during_a_rotation_the_receiver_verifies_with_either_secret(
    services_running, team, owner, hook, receiver
):
    old = Destination.objects.get().secrets["current"]
    workers(services_running, 2)
    happen(team, 1)
    wait_for(delivered(1), timeout=60, what="a delivery before the rotation")

    new = services.destination_rotate_secret(destination=hook, user=owner)
    receiver.configure(secrets=[old, new])
    happen(team, 2)
    wait_for(delivered(2), timeout=60, what="a delivery after the rotation")

    before, after = sorted(receiver.records(), key=lambda r: r["data"]["n"])
    assert before["verified_with"] == [0] and before["signatures"] == 1
    assert after["verified_with"] == [0, 1] and after["signatures"] == 2


def test_the_secret_never_reaches_a_workers_task_arguments(team, hook):
    from django_tasks_db.models import DBTaskResult

    secret = Destination.objects.get().secrets["current"]
    happen(team)
    queued = list(DBTaskResult.objects.values_list("args_kwargs", flat=True))
    assert queued and all(secret not in str(args) for args in queued)
