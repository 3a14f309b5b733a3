"""Four processes revoke one API token at the same moment: one revokes it, one audit."""

import time

import pytest
from django.db import connection, transaction

from dashboard import services
from dashboard.models import ApiToken, AuditAction, AuditEvent
from tests.dashboard.api_tokens import bearer, new_token
from tests.integration.test_device_login_workers import waiting_on_a_lock
from tests.processes import finished, shells_at_once, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_revokes_at_once_revoke_and_audit_once(owner, member, team):
    token, plaintext = new_token(member, team)
    code = (
        "from dashboard import services; from dashboard.models import ApiToken; "
        "from django.contrib.auth.models import User; "
        f"token = ApiToken.objects.select_related('team', 'user').get(pk={token.pk}); "
        f"print('won' if services.api_token_revoke(by=User.objects.get(pk={owner.pk}), "
        "token=token) else 'lost')"
    )
    with transaction.atomic():
        # Hold the token's row (PostgreSQL) or the write lock (SQLite): every run reads the
        # token unrevoked and waits at its update; then they all go at once.
        ApiToken.objects.filter(pk=token.pk).update(name="CI")
        runs = shells_at_once(code, 4)
        if connection.vendor == "postgresql":
            wait_for(
                lambda: waiting_on_a_lock('UPDATE "dashboard_apitoken"%') == 4,
                timeout=90,
                what="four revokes waiting on the row",
            )
        else:
            time.sleep(6)  # each run starts Django and reaches its update
        assert [run.poll() for run in runs] == [None] * 4
    outputs = finished(runs)

    assert sorted(out.strip().splitlines()[-1] for out in outputs) == ["lost"] * 3 + ["won"]
    revoked = AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED)
    assert list(revoked.values_list("target_id", flat=True)) == [str(token.pk)]
    assert ApiToken.objects.get().revoked_by == owner
    assert services.api_identity_from_authorization(bearer(plaintext)) is None
