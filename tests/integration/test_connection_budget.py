"""Database connections have a budget (PostgreSQL): runserver keeps none between requests,
and with DATABASE_POOL_MAX_SIZE a process holds at most that many, while the queue's
`SELECT … FOR UPDATE SKIP LOCKED` still hands each task to one worker."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from dashboard.models import Project, ProjectStatus
from tests.conftest import postgres_url
from tests.processes import ROOT, UserAgent, at_once, database_url, process_env, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

R4_CREATE = {"vendor": "r4", "method": "POST", "path": "/api/v1/machine/project"}
# Fewer connections than threads: a thread may wait for one while another is held across a
# vendor call (VENDOR_HTTP_TOTAL_TIMEOUT, 45 s), hence the longer wait (README's rule).
POOL = {"DATABASE_POOL_MAX_SIZE": "2", "DATABASE_POOL_TIMEOUT": "60"}


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("connection budgets and the pool are PostgreSQL's (SQLite has no server)")


def named(application_name: str) -> str:
    """The test database's URL; the process's connections carry this name."""
    return f"{database_url()}?application_name={application_name}"


def backends(application_name: str) -> set[int]:
    """The server processes of the connections of that name open right now."""
    with psycopg.connect(postgres_url(connection.settings_dict)) as watcher:
        rows = watcher.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s",
            [application_name],
        ).fetchall()
    return {pid for (pid,) in rows}


def server_connections() -> str:
    """How full the server is: a pool that can't connect looks like a hang."""
    with psycopg.connect(postgres_url(connection.settings_dict)) as watcher:
        (in_use,) = watcher.execute("SELECT count(*) FROM pg_stat_activity").fetchone()
        (limit,) = watcher.execute("SHOW max_connections").fetchone()
    return f"{in_use} of max_connections {limit} in use"


def held(application_name: str) -> int:
    return len(backends(application_name))


@contextmanager
def peak_connections(application_name: str):
    """The most connections of that name seen open at once while the block runs."""
    peak, done = [0], threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], held(application_name))
            done.wait(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield peak
    finally:
        done.set()
        watcher.join()


def test_runserver_closes_each_requests_connection(services_running, member, postgres):
    # What `make run` writes to .env; runserver must not keep connections anyway.
    server = services_running.runserver(DATABASE_URL=named("runserver"), CONN_MAX_AGE="60")
    agent = UserAgent(server.url, member)

    for _ in range(3):
        assert (
            at_once(10, lambda i: agent.get(reverse("dashboard:project_list")).status_code)
            == [200] * 10
        )

    wait_for(lambda: held("runserver") == 0, timeout=10, what="runserver's connections to close")


def test_gunicorn_workers_keep_no_connection_from_their_startup_checks(
    services_running, member, postgres
):
    # Without the pool and with CONN_MAX_AGE=0, nothing may stay open between requests.
    web = services_running.web(workers=2, threads=2, DATABASE_URL=named("plain-web"))
    agent = UserAgent(web.url, member)
    assert (
        at_once(4, lambda i: agent.get(reverse("dashboard:project_list")).status_code) == [200] * 4
    )

    wait_for(lambda: held("plain-web") == 0, timeout=10, what="gunicorn's connections to close")


def test_gunicorn_with_the_pool_serves_forty_requests_at_once_on_its_budget(
    services_running, member, postgres
):
    # 2 workers x 8 threads, a pool of 2 each: never more than 4 connections.
    web = services_running.web(workers=2, threads=8, DATABASE_URL=named("pooled-web"), **POOL)
    agent = UserAgent(web.url, member)

    with peak_connections("pooled-web") as peak:
        statuses = at_once(40, lambda i: agent.get(reverse("dashboard:project_list")).status_code)

    assert statuses == [200] * 40
    assert 1 <= peak[0] <= 4
    # Between requests the pool keeps its connections open for the next ones.
    assert 1 <= held("pooled-web") <= 4


def test_two_pooled_workers_run_every_task_exactly_once(
    services_running, r4_account, member, sandbox, postgres
):
    sandbox.inject("slow", vendor="r4", method="POST", delay=0.3, times=None)
    web = services_running.web(workers=1, threads=4, DATABASE_URL=named("pooled-web"), **POOL)
    workers = [
        services_running.worker(name, DATABASE_URL=named("pooled-worker"), **POOL)
        for name in ("worker-1", "worker-2")
    ]
    for worker in workers:
        wait_for(lambda w=worker: "Starting worker" in w.log(), what=f"{worker.name} to start")
    agent = UserAgent(web.url, member)

    with peak_connections("pooled-worker") as peak:
        responses = at_once(20, lambda i: submit(agent, r4_account, f"Pooled {i}"))
        assert {r.status_code for r in responses} == {302}
        wait_for(
            lambda: not Project.objects.filter(status=ProjectStatus.PENDING).exists(),
            timeout=60,
            what="twenty creates to settle",
        )

    assert Project.objects.filter(status=ProjectStatus.CREATED).count() == 20
    remote_ids = set(Project.objects.values_list("remote_id", flat=True))
    assert len(remote_ids) == 20 and "" not in remote_ids
    assert len(sandbox.calls(**R4_CREATE)) == 20  # each sent once
    tasks = DBTaskResult.objects.filter(task_path="dashboard.tasks.submit_project")
    assert tasks.count() == 20
    assert all(task.status == "SUCCESSFUL" and len(task.worker_ids) == 1 for task in tasks)
    assert {task.worker_ids[0] for task in tasks} == {"worker-1", "worker-2"}  # both claimed
    assert 1 <= peak[0] <= 4  # two workers, a pool of at most 2 each
    # Idle, they poll on the connections their pools keep (without a pool, with
    # CONN_MAX_AGE=0, each poll would open a new one).
    before = backends("pooled-worker")
    time.sleep(1)
    assert 2 <= len(before) <= 4 and backends("pooled-worker") == before


def submit(agent, account, name):
    form = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "name": name}
    return agent.post(reverse("dashboard:project_new"), form)


# `gunicorn --preload`, as a script: the master imports config.wsgi (the startup checks
# query the database there), then forks workers whose threads each run a query.
PRELOAD_THEN_FORK = """
import faulthandler, json, os, sys, threading
import config.wsgi  # the master's import
from django.db import connection, connections

def query(pids):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.2)")
            pids.append(cursor.fetchone()[0])
    except Exception as exc:
        pids.append(type(exc).__name__)
    finally:
        connections.close_all()  # request_finished

children = []
for worker in range(2):
    child = os.fork()
    if child == 0:
        # A hung worker says where it hangs (stderr) before the test gives up on it.
        faulthandler.dump_traceback_later(25, exit=True)
        pids = []
        threads = [threading.Thread(target=query, args=(pids,)) for _ in range(3)]
        [thread.start() for thread in threads]
        [thread.join() for thread in threads]
        print(json.dumps(pids), flush=True)
        os._exit(0)
    children.append(child)
for child in children:
    os.waitpid(child, 0)
"""


def test_workers_forked_after_the_startup_checks_have_their_own_pool(postgres):
    env = process_env(**POOL, DATABASE_URL=named("preload"))
    # A session of its own, so that a hung worker is ended with its master.
    master = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-c", PRELOAD_THEN_FORK],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = master.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(master.pid, signal.SIGKILL)
        _, stderr = master.communicate()
        pytest.fail(
            f"a forked worker hung on the master's pool ({server_connections()}):\n"
            + stderr[-4000:]
        )
    workers = [json.loads(line) for line in stdout.splitlines()]
    assert len(workers) == 2, stderr[-2000:]
    for pids in workers:
        assert len(pids) == 3 and all(isinstance(pid, int) for pid in pids), workers
    # No backend is shared between the two processes.
    assert not set(workers[0]) & set(workers[1]), workers
