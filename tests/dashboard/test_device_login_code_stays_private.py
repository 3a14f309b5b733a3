"""A device sign-in's user code is shown only to the admin who started it, on its own page.

Whoever holds the code can approve it with their own vendor login while it lasts, and the
team's account then lands in their vendor account; so it stays out of the audit (which the
whole team reads), the admin, task arguments and every other page.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dashboard import tasks
from dashboard.models import AuditEvent, DeviceLogin
from tests.dashboard.forms import post_device_sign_in


@pytest.fixture
def started(client, team, owner, sandbox):
    """A sign-in started through the page, as an admin would; the owner is logged in."""
    client.force_login(owner)
    response = post_device_sign_in(client, team, sandbox.base_url("photon"))
    assert response.status_code == 302
    login = DeviceLogin.objects.get()
    # The admin who started it sees the code: the one page where it belongs.
    assert login.user_code in client.get(response["Location"]).content.decode()
    return login


def ended(login, sandbox):
    """Run the worker's poll once the vendor has denied it, so the audit has both events."""
    sandbox.vendors["photon"].approve(login.user_code, deny=True)
    due = timezone.now() - timedelta(seconds=1)
    DeviceLogin.objects.filter(pk=login.pk).update(next_poll_at=due)
    tasks.poll_device_login.call(login.pk)
    assert DeviceLogin.objects.get().status == "denied"


@pytest.mark.parametrize("role", ["viewer", "member", "owner"])
def test_the_activity_feed_never_shows_the_code(client, started, role, request):
    client.force_login(request.getfixturevalue(role))

    feed = client.get(reverse("dashboard:activity")).content.decode()
    signins = client.get(reverse("dashboard:activity"), {"kind": "device_login"}).content.decode()

    assert "Photon sign-in started for “Photon main”" in signins  # the events are there
    assert started.user_code not in feed and started.user_code not in signins


def test_no_audit_row_holds_the_code(started):
    summaries = list(AuditEvent.objects.values_list("summary", flat=True))

    assert summaries == ["Photon sign-in started for “Photon main”."]


def test_no_audit_row_holds_the_code_after_the_sign_in_ends(client, started, sandbox):
    ended(started, sandbox)

    summaries = list(AuditEvent.objects.values_list("summary", flat=True))
    feed = client.get(reverse("dashboard:activity"), {"kind": "device_login"}).content.decode()

    assert len(summaries) == 2 and "Sign-in denied" in feed
    assert all(started.user_code not in summary for summary in summaries)
    assert started.user_code not in feed


def test_the_admin_pages_never_show_the_code(client, started, owner):
    owner.is_staff = owner.is_superuser = True
    owner.save()

    pages = [
        client.get(reverse("admin:dashboard_devicelogin_changelist")),
        client.get(reverse("admin:dashboard_devicelogin_change", args=[started.pk])),
        client.get(reverse("admin:dashboard_auditevent_changelist")),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert all(started.user_code not in page.content.decode() for page in pages)
    assert started.user_code not in str(started)


def test_the_queued_poll_holds_only_the_sign_ins_id(client, team, owner, sandbox, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(owner)
    post_device_sign_in(client, team, sandbox.base_url("photon"))
    login = DeviceLogin.objects.get()

    queued = DBTaskResult.objects.get()

    assert queued.args_kwargs == {"args": [login.pk], "kwargs": {}}
    for secret in (login.user_code, login.secrets["device_code"]):
        assert secret not in str(queued.args_kwargs)
