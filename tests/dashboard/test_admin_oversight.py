"""Admins act on what needs attention, through the real admin URLs and the same services."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from dashboard.models import AccountStatus, AuditEvent, ProjectStatus, VendorAccount
from providers.errors import ErrorKind
from tests.factories import ProjectFactory, R4AccountFactory, UserFactory

CHANGELIST = reverse("admin:dashboard_project_changelist")
ACCOUNTS = reverse("admin:dashboard_vendoraccount_changelist")


def staff(*perms: str, superuser: bool = False):
    user = UserFactory(is_staff=True, is_superuser=superuser)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def run_action(client, url: str, action: str, objects) -> str:
    data = {"action": action, "index": 0, "_selected_action": [o.pk for o in objects]}
    return unescape(client.post(url, data, follow=True).content.decode())


def report(page: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(r"<li><strong>(.*?)</strong>: (.*?) — (.*?)</li>", page)
    return {name: (outcome, detail) for name, outcome, detail in rows}


@pytest.fixture
def admin_client(client, db):
    client.force_login(staff(superuser=True))
    return client


def at_vendor(sandbox, project, **fields):
    """Put a project at the R4 sandbox, as if a lost create had in fact arrived."""
    remote_id = fields.pop("id", "f" * 24)
    sandbox.vendors["r4"].projects["team0001"][remote_id] = {
        "id": remote_id,
        "name": project.name,
        "externalId": str(project.reference),
        **fields,
    }
    return remote_id


def test_check_at_vendor_reports_every_row(admin_client, r4_account, sandbox):
    found = ProjectFactory(account=r4_account, name="Found", status=ProjectStatus.UNKNOWN)
    absent = ProjectFactory(
        account=r4_account,
        name="Absent",
        status=ProjectStatus.UNKNOWN,
        attempted_at=timezone.now() - timedelta(hours=1),  # the vendor has surely finished
    )
    done = ProjectFactory(account=r4_account, name="Done", status=ProjectStatus.CREATED)
    remote_id = at_vendor(sandbox, found)
    rows = report(run_action(admin_client, CHANGELIST, "check_at_vendor", [found, absent, done]))
    assert rows == {
        "Found": ("created", f"found at the vendor as {remote_id}"),
        "Absent": ("failed", "not found at the vendor, so not created; it may be retried"),
        "Done": ("skipped", "its outcome is known (created)"),
    }
    found.refresh_from_db()
    assert found.status == ProjectStatus.CREATED and found.remote_id == remote_id


def test_retry_sends_failed_rows_only_and_says_why_not_for_others(
    admin_client, r4_account, sandbox
):
    retryable = ProjectFactory(
        account=r4_account,
        name="Busy vendor",
        status=ProjectStatus.FAILED,
        error_kind=ErrorKind.UNAVAILABLE.value,
    )
    refused = ProjectFactory(
        account=r4_account, name="Refused", status=ProjectStatus.FAILED, error_kind="invalid"
    )
    pending = ProjectFactory(account=r4_account, name="Pending", status=ProjectStatus.PENDING)
    rows = report(run_action(admin_client, CHANGELIST, "retry", [retryable, refused, pending]))
    retryable.refresh_from_db()
    assert rows["Busy vendor"] == ("created", f"created at the vendor as {retryable.remote_id}")
    assert rows["Refused"][0] == rows["Pending"][0] == "skipped"
    assert len(sandbox.calls("r4", method="POST")) == 1


def test_refresh_reports_found_missing_and_skipped(admin_client, r4_account, sandbox):
    listed = ProjectFactory(
        account=r4_account, name="Listed", status=ProjectStatus.CREATED, remote_id="a" * 24
    )
    at_vendor(sandbox, listed, id="a" * 24, name="Renamed")
    gone = ProjectFactory(
        account=r4_account, name="Gone", status=ProjectStatus.CREATED, remote_id="b" * 24
    )
    failed = ProjectFactory(account=r4_account, name="Failed", status=ProjectStatus.FAILED)
    rows = report(
        run_action(admin_client, CHANGELIST, "refresh_from_vendor", [listed, gone, failed])
    )
    assert [rows[n][0] for n in ("Renamed", "Gone", "Failed")] == [
        "refreshed",
        "missing",
        "skipped",
    ]


def test_account_actions_verify_and_disconnect(admin_client, team, sandbox):
    good = R4AccountFactory(team=team, label="Good", base_url=sandbox.base_url("r4"))
    bad = R4AccountFactory(
        team=team,
        label="Bad",
        base_url=sandbox.base_url("r4"),
        credentials={"api_key": "rk_bad00001.not-the-right-secret-000"},
    )
    rows = report(run_action(admin_client, ACCOUNTS, "verify_now", [good, bad]))
    assert rows["R4: Good"][0] == "verified" and rows["R4: Bad"][0] == "failed"
    bad.refresh_from_db()
    assert bad.status == AccountStatus.NEEDS_RECONNECT
    rows = report(run_action(admin_client, ACCOUNTS, "disconnect", [good]))
    rows |= report(run_action(admin_client, ACCOUNTS, "disconnect", [good]))
    assert rows["R4: Good"][0] == "skipped"  # the second time
    good.refresh_from_db()
    assert good.status == AccountStatus.DISCONNECTED and good.credentials == {}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("superuser", 200),
        ("staff who may change", 200),
        ("staff who may only view", 403),
        ("a team admin, not staff", 302),  # to the admin login: the dashboard serves them
    ],
)
def test_only_staff_with_the_change_permission_act(
    client, r4_account, sandbox, owner, who, expected
):
    users = {
        "superuser": lambda: staff(superuser=True),
        "staff who may change": lambda: staff("view_project", "change_project"),
        "staff who may only view": lambda: staff("view_project"),
        "a team admin, not staff": lambda: owner,
    }
    client.force_login(users[who]())
    failed = ProjectFactory(
        account=r4_account, status=ProjectStatus.FAILED, error_kind=ErrorKind.UNAVAILABLE.value
    )
    data = {"action": "retry", "index": 0, "_selected_action": [failed.pk]}
    response = client.post(CHANGELIST, data)
    assert response.status_code in ((expected,) if expected != 200 else (200, 302))
    failed.refresh_from_db()
    sent = len(sandbox.calls("r4", method="POST"))
    if expected == 200:
        assert failed.status == ProjectStatus.CREATED and sent == 1
    else:
        assert failed.status == ProjectStatus.FAILED and sent == 0
        assert not AuditEvent.objects.filter(action="project.retried").exists()


def test_every_step_is_audited_with_the_staff_user(client, r4_account, sandbox):
    operator = staff("view_project", "change_project", "view_vendoraccount", "change_vendoraccount")
    client.force_login(operator)
    failed = ProjectFactory(
        account=r4_account, status=ProjectStatus.FAILED, error_kind=ErrorKind.UNAVAILABLE.value
    )
    run_action(client, CHANGELIST, "retry", [failed])
    run_action(client, ACCOUNTS, "verify_now", [r4_account])
    actors = dict(AuditEvent.objects.values_list("action", "actor__username"))
    assert actors["project.retried"] == operator.username
    assert actors["account.verified"] == operator.username


def test_needs_attention_counts_match_their_filtered_lists(admin_client, r4_account, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.PROJECT_PENDING_TIMEOUT_SECONDS = 60
    ProjectFactory.create_batch(3, account=r4_account, status=ProjectStatus.UNKNOWN)
    ProjectFactory.create_batch(2, account=r4_account, status=ProjectStatus.FAILED)
    ProjectFactory(account=r4_account, status=ProjectStatus.CREATED, missing_at_vendor=True)
    ProjectFactory(
        account=r4_account,
        status=ProjectStatus.PENDING,
        attempted_at=timezone.now() - timedelta(minutes=5),
    )
    ProjectFactory(account=r4_account, status=ProjectStatus.PENDING, attempted_at=timezone.now())
    VendorAccount.objects.filter(pk=r4_account.pk).update(status=AccountStatus.NEEDS_RECONNECT)
    index = unescape(admin_client.get(reverse("admin:index")).content.decode())
    links = re.findall(r'<a href="([^"]+\?attention=\w+)">[^<]+</a></th>\s*<td>(\d+)</td>', index)
    assert [int(n) for _, n in links] == [3, 2, 1, 1, 1]
    for link, count in links:
        page = admin_client.get(unescape(link)).content.decode()
        shown = len(re.findall(r'<input type="checkbox" name="_selected_action"', page))
        assert shown == int(count), link


def test_the_admin_and_the_dashboard_link_to_each_other(admin_client, r4_account, member):
    project = ProjectFactory(account=r4_account)
    change = reverse("admin:dashboard_project_change", args=[project.pk])
    on_site = re.search(r'href="(/admin/r/[^"]+)"', admin_client.get(change).content.decode())
    assert admin_client.get(on_site.group(1))["Location"].endswith(project.get_absolute_url())
    member.is_staff = True
    member.save()
    admin_client.force_login(member)
    page = admin_client.get(project.get_absolute_url()).content.decode()
    assert page.count(f'href="{change}"') == 1
    member.is_staff = False
    member.save()
    assert change not in admin_client.get(project.get_absolute_url()).content.decode()
