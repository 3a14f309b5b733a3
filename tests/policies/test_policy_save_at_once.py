"""Two admins saving an account's first policy at once, through gunicorn: one policy,
both saves answered (never a 500), both audited."""

import pytest
from django.urls import reverse

from dashboard.models import AccountPolicy, AuditAction, AuditEvent, Membership, Role
from tests.factories import UserFactory
from tests.processes import IMMEDIATE_BACKEND, UserAgent, at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_admins_saving_at_once_make_one_policy(services_running, team, owner, r4_account):
    second = UserFactory(username="second")
    Membership.objects.create(team=team, user=second, role=Role.ADMIN)
    web = services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND, workers=2, threads=2)
    admins = [UserAgent(web.url, user) for user in (owner, second)]
    url = reverse("dashboard:account_policy", args=[r4_account.pk])
    patterns = ["^dev-", "^prod-"]

    def save(i: int) -> int:
        data = {
            "name_pattern": patterns[i],
            "name_pattern_description": f"starts with {patterns[i][1:]}",
            "name_pattern_severity": "error",
        }
        return admins[i].post(url, data).status_code

    for _ in range(5):
        AccountPolicy.objects.all().delete()
        audits = AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).count()
        assert at_once(2, save) == [302, 302]
        assert AccountPolicy.objects.get(account=r4_account).name_pattern in patterns
        saved = AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).count() - audits
        assert saved == 2  # the first sets it; the second changes its pattern
