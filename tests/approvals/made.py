"""Approval pages with something on them, for the accessibility and phone checks."""

import uuid

from django.urls import reverse

from dashboard import services
from dashboard.models import ApprovalMode, Role
from tests.factories import MembershipFactory, UserFactory


def approval_pages(admin, account) -> dict[str, str]:
    """The Approvals page with a held create (by a member), the account's rule page, and
    the held create's own page."""
    services.approval_rule_save(
        account=account, user=admin, mode=ApprovalMode.PATTERN, pattern="^prod-"
    )
    requester = UserFactory(username="priya")
    MembershipFactory(user=requester, team=account.team, role=Role.MEMBER)
    held = services.project_create(
        account=account,
        user=requester,
        data={
            "name": "prod-checkout-payments-with-a-rather-long-name-to-wrap-on-a-phone",
            "description": "The checkout service's production environment, asked for by Priya",
        },
        idempotency_key=uuid.uuid4(),
    )
    return {
        "approvals": reverse("dashboard:approvals"),
        "approval rule": reverse("dashboard:approval_rule", args=[account.pk]),
        "project awaiting approval": reverse("dashboard:project_detail", args=[held.reference]),
    }
