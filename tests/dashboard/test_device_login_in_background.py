"""A device sign-in finishes in the background: a worker polls the vendor, the page only reads.

The suite's ImmediateBackend cannot delay a task, so the steps run here one at a time
(through the task itself, or the service with a controlled clock); the chain of delayed
tasks is checked against django-tasks-db's own rows, and with real `db_worker`s in
tests/integration/test_device_login_workers.py.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dashboard import services, tasks
from dashboard.models import AuditEvent, DeviceLogin, VendorAccount
from providers.sandbox.photon import mint_token
from tests.factories import start_photon_sign_in
from tests.factories import start_photon_sign_in_due as start_due

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
T0 = timezone.now().replace(microsecond=0)


def start(team, owner, sandbox, *, now=None):
    return start_photon_sign_in(team, owner, sandbox, now=now or T0)


def token_calls(sandbox):
    return sandbox.calls("photon", path="/api/auth/device/token")


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def test_the_status_page_asks_the_vendor_nothing_and_writes_nothing(
    client, team, owner, sandbox, photon
):
    login = start_due(team, owner, sandbox)
    photon.approve(login.user_code, "ada")
    before = DeviceLogin.objects.filter(pk=login.pk).values().get()
    client.force_login(owner)
    url = reverse("dashboard:device_login_status", args=[login.reference])

    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
        fragment = client.get(url, HTTP_HX_REQUEST="true")

    assert page.status_code == fragment.status_code == 200
    assert token_calls(sandbox) == [] and VendorAccount.objects.count() == 0
    assert DeviceLogin.objects.filter(pk=login.pk).values().get() == before
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert 'hx-trigger="every 2s"' in fragment.content.decode()  # it keeps reading


def test_an_approved_sign_in_connects_with_nobody_on_the_page(team, owner, sandbox, photon):
    login = start_due(team, owner, sandbox)
    photon.approve(login.user_code, "ada")

    tasks.poll_device_login.call(login.pk)  # what the worker runs; no page was opened

    login.refresh_from_db()
    account = VendorAccount.objects.get()
    assert login.status == "approved" and login.account == account
    assert account.credentials["access_token"] == mint_token("ada")
    assert len(token_calls(sandbox)) == 1
    assert AuditEvent.objects.filter(action="account.connected").count() == 1


def test_the_page_shows_what_the_worker_recorded(client, team, owner, sandbox, photon):
    login = start_due(team, owner, sandbox)
    photon.approve(login.user_code, "ada")
    tasks.poll_device_login.call(login.pk)
    client.force_login(owner)

    html = client.get(
        reverse("dashboard:device_login_status", args=[login.reference])
    ).content.decode()

    assert "Connected as ada@sandbox.photon.test" in html and "every 2s" not in html


def test_each_poll_queues_the_next_at_the_vendors_interval_with_only_the_id(
    team, owner, sandbox, photon, settings
):
    settings.TASKS = DB_QUEUE
    login = start_due(team, owner, sandbox)
    first = DBTaskResult.objects.get()
    assert first.task_path == "dashboard.tasks.poll_device_login"
    assert first.args_kwargs == {"args": [login.pk], "kwargs": {}}
    assert first.run_after == login.next_poll_at

    photon.scripted_token_answers = ["slow_down"]
    tasks.poll_device_login.call(login.pk)

    login.refresh_from_db()
    assert login.interval == 10 and login.status == "pending"
    second = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert second.args_kwargs == {"args": [login.pk], "kwargs": {}}
    assert second.run_after == login.next_poll_at
    assert login.next_poll_at - timezone.now() > timedelta(seconds=9)  # 5 s + slow_down's 5


def test_a_run_that_did_not_ask_the_vendor_queues_nothing(team, owner, sandbox, photon, settings):
    settings.TASKS = DB_QUEUE
    login = start(team, owner, sandbox, now=timezone.now())  # first poll in 5 s
    queued = DBTaskResult.objects.count()

    tasks.poll_device_login.call(login.pk)  # early (a duplicate, or a skewed clock)

    assert token_calls(sandbox) == [] and DBTaskResult.objects.count() == queued


def test_the_last_poll_is_queued_no_later_than_the_expiry_and_ends_it(team, owner, sandbox, photon):
    login = start(team, owner, sandbox)
    DeviceLogin.objects.filter(pk=login.pk).update(next_poll_at=at(1797))

    assert services.device_login_poll(login_id=login.pk, now=at(1797)) == at(1800)
    assert services.device_login_poll(login_id=login.pk, now=at(1800)) is None

    login.refresh_from_db()
    assert login.status == "expired" and len(token_calls(sandbox)) == 1
    assert dict(login.secrets) == {}


def test_the_sweep_ends_an_expired_sign_in_and_polls_a_lost_one(team, owner, sandbox, photon):
    expired = start(team, owner, sandbox, now=timezone.now() - timedelta(seconds=1801))
    lost = start_due(team, owner, sandbox)  # its chain of polls is gone (a worker died)
    waiting = start(team, owner, sandbox, now=timezone.now())
    photon.approve(lost.user_code, "ada")

    tasks.sweep_device_logins.call()

    statuses = dict(DeviceLogin.objects.values_list("pk", "status"))
    assert statuses == {expired.pk: "expired", lost.pk: "approved", waiting.pk: "pending"}
    assert len(token_calls(sandbox)) == 1  # the lost one only
    assert AuditEvent.objects.filter(action="device_login.ended").count() == 2


def test_the_scheduler_runs_the_sweep(db, settings):
    from dashboard.scheduler import JOBS

    assert {job.name: job.task for job in JOBS}["sweep_device_logins"] == tasks.sweep_device_logins


def test_a_worker_that_stops_after_the_approval_leaves_it_for_the_next_run(
    team, owner, sandbox, photon, monkeypatch
):
    login = start(team, owner, sandbox)
    photon.approve(login.user_code, "ada")

    def worker_dies(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr("dashboard.services.device_login.save_verified_account", worker_dies)
    with pytest.raises(SystemExit):
        services.device_login_poll(login_id=login.pk, now=at(5))
    monkeypatch.undo()
    assert DeviceLogin.objects.get().status == "pending" and VendorAccount.objects.count() == 0

    services.device_login_poll(login_id=login.pk, now=at(6))  # the sweep's run, say
    services.device_login_poll(login_id=login.pk, now=at(7))  # and a late duplicate

    assert DeviceLogin.objects.get().status == "approved"
    assert VendorAccount.objects.get().credentials["access_token"] == mint_token("ada")
    assert len(token_calls(sandbox)) == 1  # the device code was spent once
    assert AuditEvent.objects.filter(action="account.connected").count() == 1


def test_an_absurd_lifetime_from_the_vendor_still_ends(team, owner, sandbox, photon):
    photon.expires_in = 10**12  # tens of thousands of years: a date that would overflow
    photon.interval = 10**12

    login = start(team, owner, sandbox)

    assert login.expires_at == at(24 * 3600) and login.interval == 24 * 3600
    assert services.device_login_poll(login_id=login.pk, now=at(24 * 3600)) is None
    assert DeviceLogin.objects.get().status == "expired"


def test_a_sign_in_whose_first_poll_could_not_be_queued_is_polled_by_the_sweep(
    team, owner, sandbox, photon, settings
):
    settings.TASKS = {"default": {"BACKEND": "dashboard.no_such.Backend"}}
    login = start_due(team, owner, sandbox)  # the queue is down: the sign-in starts anyway
    assert DeviceLogin.objects.get().status == "pending"
    photon.approve(login.user_code, "ada")
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

    assert services.device_logins_sweep() == 1

    assert DeviceLogin.objects.get().status == "approved" and VendorAccount.objects.count() == 1
