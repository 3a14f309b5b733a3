"""Device sign-ins finished by real processes: `db_worker`s, the scheduler, task runs at once.

Nobody opens the sign-in's page in these tests: the workers poll the vendor, and the
sandbox's request log shows what the vendor saw.
"""

import time
from itertools import pairwise

import pytest
from django.db import connection, transaction

from dashboard import services, tasks
from dashboard.models import AuditEvent, DeviceLogin, Membership, Role, VendorAccount
from providers.sandbox.photon import mint_token
from tests.factories import MembershipFactory, UserFactory, start_photon_sign_in
from tests.factories import start_photon_sign_in_due as start_due
from tests.processes import finished, shells_at_once, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def token_calls(sandbox):
    return sandbox.calls("photon", path="/api/auth/device/token")


def run_polls_at_once(login, count):
    """`count` processes, each running the worker's poll of `login` once."""
    code = f"from dashboard import tasks; print(tasks.poll_device_login.call({login.pk}))"
    return shells_at_once(code, count)


def assert_connected_once(login, user="ada"):
    login.refresh_from_db()
    account = VendorAccount.objects.get()
    assert login.status == "approved" and login.account == account
    assert account.credentials["access_token"] == mint_token(user)
    assert AuditEvent.objects.filter(action="account.connected").count() == 1
    assert AuditEvent.objects.filter(action="device_login.ended").count() == 1


def waiting_on_a_lock(query_like: str) -> int:
    """How many sessions wait for a lock in a statement LIKE `query_like` (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE %s",
            [query_like],
        )
        return cursor.fetchone()[0]


def test_two_workers_connect_an_approval_once_with_the_page_closed(
    services_running, team, owner, sandbox, settings
):
    settings.TASKS = DB_QUEUE
    photon = sandbox.vendors["photon"]
    photon.interval = 1  # still enforced: a poll within the interval is answered slow_down
    # Started now, it queues its first poll at the vendor's interval.
    login = start_photon_sign_in(team, owner, sandbox)
    for _ in range(3):  # and stray duplicates (a sweep's, a retried task's) to race it
        tasks.poll_device_login.using(run_after=login.next_poll_at).enqueue(login.pk)
    services_running.worker("worker-1")
    services_running.worker("worker-2")

    wait_for(lambda: len(token_calls(sandbox)) >= 3, timeout=60, what="three polls")
    photon.approve(login.user_code, "ada")  # at the vendor; nobody is on our page
    wait_for(
        lambda: DeviceLogin.objects.filter(pk=login.pk).exclude(status="pending").exists(),
        timeout=60,
        what="a worker to connect the account",
    )
    time.sleep(2.5)  # a second chain of polls, had one survived, would poll again by now

    assert_connected_once(login)
    calls = token_calls(sandbox)
    answers = [call["answer"] for call in calls]
    assert [a.get("error") for a in answers[:-1]] == ["authorization_pending"] * (len(calls) - 1)
    assert answers[-1]["access_token"] == mint_token("ada")  # the last poll got the token
    gaps = [later["at"] - earlier["at"] for earlier, later in pairwise(calls)]
    assert min(gaps) >= 0.99, gaps  # one poll per interval, however many tasks were queued


def test_two_poll_runs_at_once_ask_the_vendor_once(team, owner, sandbox):
    if connection.vendor != "postgresql":
        pytest.skip("holds both runs at the claim with a row lock: PostgreSQL only")
    login = start_due(team, owner, sandbox)
    sandbox.vendors["photon"].approve(login.user_code, "ada")

    with transaction.atomic():
        # Both runs read the sign-in as due, then wait here to claim the same poll.
        DeviceLogin.objects.select_for_update().get(pk=login.pk)
        runs = run_polls_at_once(login, 2)
        claiming = 'UPDATE "dashboard_devicelogin"%'
        wait_for(
            lambda: waiting_on_a_lock(claiming) == 2, timeout=60, what="both runs at the claim"
        )
    finished(runs)

    assert len(token_calls(sandbox)) == 1
    assert_connected_once(login)


def test_a_run_connecting_waits_for_a_demotion_in_flight_and_then_connects_nothing(
    team, owner, sandbox
):
    if connection.vendor != "postgresql":
        pytest.skip("holds the run at the admin's membership with a row lock: PostgreSQL only")
    grace = MembershipFactory(team=team, role=Role.ADMIN, user=UserFactory(username="grace"))
    login = start_due(team, owner, sandbox)
    sandbox.vendors["photon"].approve(login.user_code, "mallory")

    with transaction.atomic():
        # The owner is being demoted (not committed yet) as the worker gets the approval:
        # it waits for the answer before saving the account, instead of going on as if
        # the owner were still admin.
        membership = Membership.objects.get(team=team, user=owner)
        services.team_member_set_role(membership=membership, actor=grace.user, role=Role.MEMBER)
        runs = run_polls_at_once(login, 1)
        locking = '%FROM "dashboard_membership"%FOR UPDATE%'
        wait_for(
            lambda: waiting_on_a_lock(locking) == 1, timeout=60, what="the run at the membership"
        )
    finished(runs)

    login.refresh_from_db()
    assert login.status == "failed" and "no longer an admin" in login.message
    assert VendorAccount.objects.count() == 0 and len(token_calls(sandbox)) == 1


def test_two_runs_finishing_one_approval_at_once_connect_one_account(
    team, owner, sandbox, monkeypatch
):
    login = start_due(team, owner, sandbox)
    sandbox.vendors["photon"].approve(login.user_code, "ada")

    def worker_dies(*args, **kwargs):
        raise SystemExit("killed")

    # A worker got the token from the vendor and stopped before making the account.
    monkeypatch.setattr("dashboard.services.device_login.save_verified_account", worker_dies)
    with pytest.raises(SystemExit):
        tasks.poll_device_login.call(login.pk)
    monkeypatch.undo()

    with transaction.atomic():
        # Hold the row (PostgreSQL) or the write lock (SQLite) until both runs have checked
        # the token at the vendor and wait to move the sign-in: then let them go at once.
        DeviceLogin.objects.select_for_update().get(pk=login.pk)
        runs = run_polls_at_once(login, 2)
        checks = "/api/auth/get-session"
        wait_for(lambda: len(sandbox.calls("photon", path=checks)) == 3, what="two checks")
        time.sleep(1)
        assert [run.poll() for run in runs] == [None, None]
    finished(runs)

    assert len(token_calls(sandbox)) == 1  # the device code was spent once
    assert_connected_once(login)


def test_the_scheduler_finishes_a_sign_in_whose_polls_were_lost(
    services_running, team, owner, sandbox
):
    login = start_due(team, owner, sandbox)  # nothing queued: as if its worker had died
    sandbox.vendors["photon"].approve(login.user_code, "ada")

    services_running.worker()
    services_running.scheduler(SCHEDULE_DEVICE_LOGIN_SECONDS="1")

    wait_for(
        lambda: DeviceLogin.objects.filter(pk=login.pk, status="approved").exists(),
        timeout=60,
        what="the sweep to poll the sign-in",
    )
    assert_connected_once(login)
    assert len(token_calls(sandbox)) == 1
