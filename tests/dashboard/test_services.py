"""Business rules against the real database and the sandbox."""

import threading
import uuid

import pytest
from django.db import connection

from dashboard import services
from dashboard.models import AccountStatus, AuditEvent, Project, ProjectStatus, VendorAccount
from providers.sandbox.r4 import mint_key
from tests.factories import connect_account


def create(account, user, key=None, **data):
    data.setdefault("name", "Staging - Billing")
    return services.project_create(
        account=account, user=user, data=data, idempotency_key=key or uuid.uuid4()
    )


# --- project_create ------------------------------------------------------------


def test_created_project_stores_remote_id_and_audit(r4_account, member, sandbox):
    project = create(r4_account, member, description="Billing stack")
    assert project.status == ProjectStatus.CREATED
    assert len(project.remote_id) == 24
    assert project.payload == {
        "name": "Staging - Billing",
        "externalId": "",
        "description": "Billing stack",
    }
    assert project.vendor_response == {"externalId": str(project.reference)}
    actions = list(
        AuditEvent.objects.filter(target_id=str(project.pk)).values_list("action", flat=True)
    )
    assert sorted(actions) == ["project.created", "project.requested"]


def test_the_row_exists_before_the_vendor_is_called(r4_account, member, sandbox, monkeypatch):
    seen = {}
    from providers.r4 import R4

    real = R4.create_project

    def spy(self, **kwargs):
        seen["rows"] = list(Project.objects.values_list("status", "attempted_at"))
        return real(self, **kwargs)

    monkeypatch.setattr(R4, "create_project", spy)
    create(r4_account, member)
    assert len(seen["rows"]) == 1
    status, attempted_at = seen["rows"][0]
    assert status == ProjectStatus.PENDING and attempted_at is not None


def test_double_submit_makes_one_vendor_call(r4_account, member, sandbox):
    key = uuid.uuid4()
    first = create(r4_account, member, key=key)
    second = create(r4_account, member, key=key, name="A different name")
    assert first.pk == second.pk
    assert Project.objects.count() == 1
    assert len(sandbox.calls("r4", method="POST")) == 1


def test_same_key_after_a_lost_answer_returns_the_unknown_project_and_sends_nothing(
    r4_account, member, sandbox
):
    key = uuid.uuid4()
    sandbox.inject("timeout_after_create", vendor="r4", delay=1.5)
    first = create(r4_account, member, key=key)
    assert first.status == ProjectStatus.UNKNOWN
    again = create(r4_account, member, key=key)
    assert again.pk == first.pk and again.status == ProjectStatus.UNKNOWN
    assert len(sandbox.calls("r4", method="POST")) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_makes_one_vendor_call(r4_account, member, sandbox):
    key = uuid.uuid4()
    barrier = threading.Barrier(2)

    def submit():
        barrier.wait()
        try:
            create(r4_account, member, key=key)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Project.objects.count() == 1
    assert len(sandbox.calls("r4", method="POST")) == 1


def test_submitting_a_project_twice_sends_it_once(r4_account, member, sandbox):
    project = create(r4_account, member)
    services.project_submit(project.pk)
    assert len(sandbox.calls("r4", method="POST")) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 256}, "name"),
        ({"name": "tab\x0bname"}, "name"),
        ({"name": "ok", "externalId": "x" * 256}, "externalId"),
        ({"name": "ok", "description": "x" * 1001}, "description"),
    ],
)
def test_bad_input_makes_no_call_and_no_row(r4_account, member, sandbox, data, field):
    with pytest.raises(services.ServiceError) as caught:
        services.project_create(
            account=r4_account, user=member, data=data, idempotency_key=uuid.uuid4()
        )
    assert field in caught.value.field_errors
    assert Project.objects.count() == 0
    assert sandbox.calls("r4") == []


def test_a_malformed_idempotency_key_is_refused(r4_account, member, sandbox):
    with pytest.raises(services.ServiceError, match="expired"):
        services.project_create(
            account=r4_account, user=member, data={"name": "ok"}, idempotency_key="nope"
        )
    assert Project.objects.count() == 0


@pytest.mark.parametrize(
    ("fault", "status", "kind"),
    [
        ("error_400", ProjectStatus.FAILED, "invalid"),
        ("error_500", ProjectStatus.FAILED, "unavailable"),
        ("rate_limit", ProjectStatus.FAILED, "rate_limited"),
        ("malformed_json", ProjectStatus.UNKNOWN, "outcome_unknown"),
        ("html_error", ProjectStatus.UNKNOWN, "outcome_unknown"),
        ("drop", ProjectStatus.UNKNOWN, "outcome_unknown"),
        ("timeout_after_create", ProjectStatus.UNKNOWN, "outcome_unknown"),
    ],
)
def test_every_fault_keeps_the_row_with_the_right_status(
    r4_account, member, sandbox, fault, status, kind
):
    sandbox.inject(fault, vendor="r4", delay=1.5)
    project = create(r4_account, member)
    project.refresh_from_db()
    assert project.status == status
    assert project.error_kind == kind
    assert project.error_message
    assert Project.objects.count() == 1
    assert len(sandbox.calls("r4", method="POST")) == 1
    expected = "project.unknown" if status == ProjectStatus.UNKNOWN else "project.failed"
    assert AuditEvent.objects.filter(target_id=str(project.pk), action=expected).exists()


def test_vendor_refusing_the_key_marks_the_account_for_reconnection(r4_account, member, sandbox):
    r4_account.credentials = {"api_key": mint_key("team0001", "another-signing-secret")}
    r4_account.save()
    project = create(r4_account, member)
    assert project.status == ProjectStatus.FAILED and project.error_kind == "auth"
    r4_account.refresh_from_db()
    assert r4_account.status == AccountStatus.NEEDS_RECONNECT
    with pytest.raises(services.ServiceError, match="reconnect"):
        create(r4_account, member)
    assert len(sandbox.calls("r4", method="POST")) == 1


def test_a_queued_task_leaves_the_project_pending(r4_account, member, sandbox, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    project = create(r4_account, member)
    assert project.status == ProjectStatus.PENDING
    assert sandbox.calls("r4") == []
    services.project_submit(project.pk)  # what a worker would do
    project.refresh_from_db()
    assert project.status == ProjectStatus.CREATED


# --- accounts ------------------------------------------------------------------


def connect(team, owner, sandbox, key):
    return connect_account(team, owner, sandbox, "r4", {"api_key": key}, label="Main")


def test_connect_verifies_then_stores_the_key_encrypted_and_shows_only_its_public_part(
    team, owner, sandbox
):
    key = mint_key("conn0001")
    account = connect(team, owner, sandbox, key)
    assert account.credential_hint == "rk_conn0001.••••"
    assert account.identity == "Sandbox tenant conn0001"
    assert VendorAccount.objects.get().credentials["api_key"] == key
    assert sandbox.calls("r4", path="/api/v1/machine/me")
    summary = AuditEvent.objects.get(action="account.connected").summary
    assert key.split(".")[1] not in summary


def test_a_malformed_key_makes_no_call_and_saves_nothing(team, owner, sandbox):
    with pytest.raises(services.ServiceError) as caught:
        connect(team, owner, sandbox, "rk_nope")
    assert "api_key" in caught.value.field_errors
    assert sandbox.calls("r4") == []
    assert VendorAccount.objects.count() == 0


def test_a_refused_key_is_a_field_error_and_saves_nothing(team, owner, sandbox):
    with pytest.raises(services.ServiceError) as caught:
        connect(team, owner, sandbox, mint_key("conn0002", "wrong-signer"))
    assert "rejected" in caught.value.field_errors["api_key"]
    assert VendorAccount.objects.count() == 0


def test_an_unreachable_vendor_is_a_clear_error_and_saves_nothing(team, owner):
    with pytest.raises(services.ServiceError) as caught:
        services.account_connect(
            team=team,
            user=owner,
            vendor="r4",
            label="Main",
            base_url="http://127.0.0.1:9/r4",
            credentials_input={"api_key": mint_key("x0001")},
        )
    assert "could not be reached" in caught.value.message
    assert VendorAccount.objects.count() == 0


def test_replace_verifies_the_new_key_before_swapping(r4_account, owner, sandbox):
    old = r4_account.credentials["api_key"]
    with pytest.raises(services.ServiceError):
        services.account_replace_credentials(
            account=r4_account,
            user=owner,
            base_url=r4_account.base_url,
            credentials_input={"api_key": mint_key("new00001", "wrong")},
        )
    assert VendorAccount.objects.get().credentials["api_key"] == old
    services.account_replace_credentials(
        account=r4_account,
        user=owner,
        base_url=r4_account.base_url,
        credentials_input={"api_key": mint_key("new00001")},
    )
    account = VendorAccount.objects.get()
    assert account.credential_hint == "rk_new00001.••••"
    assert AuditEvent.objects.filter(action="account.replaced").exists()


def test_verify_flags_a_revoked_key(r4_account, owner, sandbox):
    services.account_verify(account=r4_account, user=owner)
    assert r4_account.status == AccountStatus.ACTIVE and r4_account.last_verified_at
    sandbox.vendors["r4"].signing_secret = "rotated-by-vendor"
    with pytest.raises(services.ServiceError):
        services.account_verify(account=r4_account, user=owner)
    assert VendorAccount.objects.get().status == AccountStatus.NEEDS_RECONNECT


def test_disconnect_forgets_credentials_and_keeps_projects(r4_account, owner, member, sandbox):
    project = create(r4_account, member)
    services.account_disconnect(account=r4_account, user=owner)
    account = VendorAccount.objects.get()
    assert account.status == AccountStatus.DISCONNECTED
    assert dict(account.credentials) == {}
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.CREATED
    with pytest.raises(services.ServiceError):
        create(account, member)


def test_audit_events_cannot_be_changed_or_deleted(r4_account, owner, sandbox):
    services.account_verify(account=r4_account, user=owner)
    event = AuditEvent.objects.get()
    event.summary = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(summary="x")
