import uuid

import pytest

from dashboard import services
from dashboard.api.webhook_schemas import ENVELOPES
from dashboard.models import ApprovalMode, BatchSource, OutboxEvent, Role
from dashboard.services import RowInput
from tests.api.conftest import admin_api, api_as, member_api, outsider_api, viewer_api
from tests.factories import MembershipFactory, UserFactory

__all__ = ["admin_api", "api_as", "member_api", "outsider_api", "viewer_api"]


@pytest.fixture
def approver(team):
    """A second admin of the team: the four eyes."""
    user = UserFactory(username="approver", email="approver@example.com")
    return MembershipFactory(team=team, role=Role.ADMIN, user=user).user


@pytest.fixture
def prod_rule(r4_account, owner):
    """Creates named prod-… at the account wait for approval."""
    return services.approval_rule_save(
        account=r4_account, user=owner, mode=ApprovalMode.PATTERN, pattern=r"^prod-"
    )


@pytest.fixture
def sent_batch(team, member, r4_account, prod_rule, sandbox):
    """A batch of three rows sent: dev-one created, prod-two and prod-three held."""
    batch = services.batch_create(
        team=team,
        user=member,
        name="Mixed",
        source=BatchSource.CSV,
        rows=[
            RowInput(account=str(r4_account.pk), fields={"name": name})
            for name in ("dev-one", "prod-two", "prod-three")
        ],
    )
    return services.batch_send(batch=batch, user=member)


@pytest.fixture(autouse=True)
def payloads_match_the_api_document(db):
    """Every event written in these tests is what the OpenAPI document's webhooks say."""
    yield
    for event in OutboxEvent.objects.exclude(data={}):
        ENVELOPES[event.type].model_validate(
            {"type": event.type, "timestamp": event.created_at, "data": event.data}
        )


def request_create(account, user, name: str, key=None):
    return services.project_create(
        account=account,
        user=user,
        data={"name": name, "description": "held"},
        idempotency_key=key or uuid.uuid4(),
    )
