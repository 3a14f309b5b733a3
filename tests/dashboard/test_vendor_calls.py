"""One wrapper for every vendor call: a refused credential marks the account once, audited,
whichever action ran into it; an account that is not connected is never sent."""

import uuid

import pytest

from dashboard import services
from dashboard.models import AccountStatus, AuditEvent, ProjectStatus, VendorAccount
from tests.factories import ProjectFactory


@pytest.fixture
def refused_account(r4_account):
    r4_account.credentials = {"api_key": "rk_team0001.no-longer-valid"}
    r4_account.save()
    return r4_account


def create(account, user):
    return services.project_create(
        account=account, user=user, data={"name": "Blocked"}, idempotency_key=uuid.uuid4()
    )


def refresh(account, user):
    project = ProjectFactory(
        account=account, status=ProjectStatus.CREATED, remote_id=uuid.uuid4().hex[:24]
    )
    return services.project_refresh(project=project, user=user)


ACTIONS = {
    "create": create,
    "import": lambda account, user: services.account_import_candidates(account=account, user=user),
    "refresh": refresh,
    "verify": lambda account, user: services.account_verify(account=account, user=user),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_a_refused_credential_marks_the_account_once_with_who_ran_into_it(
    refused_account, owner, sandbox, action
):
    for _ in range(2):
        try:
            ACTIONS[action](VendorAccount.objects.get(), owner)
        except services.ServiceError as exc:
            assert "R4" in exc.message
    account = VendorAccount.objects.get()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    marked = AuditEvent.objects.filter(action="account.needs_reconnect")
    assert marked.count() == 1 and marked.get().actor == owner


@pytest.mark.parametrize("status", [AccountStatus.NEEDS_RECONNECT, AccountStatus.DISCONNECTED])
def test_an_account_that_is_not_connected_is_never_sent(r4_account, member, sandbox, status):
    VendorAccount.objects.filter(pk=r4_account.pk).update(status=status)
    account = VendorAccount.objects.get()
    with pytest.raises(services.ServiceError):
        services.account_import_candidates(account=account, user=member)
    with pytest.raises(services.ServiceError, match="an admin must reconnect it"):
        create(account, member)
    assert sandbox.calls("r4") == []
