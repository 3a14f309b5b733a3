"""Approval re-checks a create from its stored values: that works for every vendor's fields
(lists, booleans, options), and the approved create reaches the vendor with the account's
credentials (they are read when it is sent, never stored with the request), and its
vendor-issued secret is stored as for any create."""

import uuid

import pytest

from dashboard import services
from dashboard.models import ApprovalMode, Project, ProjectStatus
from providers.sandbox.server import STAND_INS
from tests.factories import connect_account

pytestmark = pytest.mark.django_db

FIELDS = {
    "r4": {"name": "prod-r4", "description": "Checkout"},
    "photon": {"name": "prod-bot", "platforms": ["imessage"], "spectrum": True},
    "devkit4ai": {"name": "prod - Portal"},
    "otas": {"project_name": "prod-otas", "project_description": "Updates"},
}


@pytest.mark.parametrize("stand_in", STAND_INS, ids=lambda s: s.slug)
def test_an_approved_create_is_sent_at_every_vendor(
    team, owner, member, approver, sandbox, stand_in
):
    if stand_in.slug not in FIELDS:
        pytest.skip(f"no create fields written down here for {stand_in.slug}")
    account = connect_account(
        team, owner, sandbox, stand_in.slug, stand_in.demo_credentials(), label="Main"
    )
    services.approval_rule_save(account=account, user=owner, mode=ApprovalMode.EVERY)
    held = services.project_create(
        account=account, user=member, data=FIELDS[stand_in.slug], idempotency_key=uuid.uuid4()
    )
    assert held.status == ProjectStatus.AWAITING
    before = len(sandbox.calls(stand_in.slug, method="POST"))
    approved = services.project_approve(project=held, user=approver)
    assert approved.status == ProjectStatus.CREATED, approved.error_message
    assert len(sandbox.calls(stand_in.slug, method="POST")) > before
    stored = Project.objects.get(pk=held.pk)
    assert stored.remote_id
    if stand_in.slug == "photon":  # Photon issues a project secret
        assert stored.secrets
