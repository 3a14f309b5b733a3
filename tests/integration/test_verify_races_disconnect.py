"""A verify and a disconnect sent to real server processes at once: the disconnect wins."""

import threading

import pytest
from django.urls import reverse

from dashboard.models import AccountStatus, VendorAccount
from tests.processes import IMMEDIATE_BACKEND, UserAgent, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

R4_ME = {"vendor": "r4", "method": "GET", "path": "/api/v1/machine/me"}


def test_a_disconnect_sent_while_a_verify_waits_for_the_vendor_wins(
    services_running, r4_account, owner, sandbox
):
    web = services_running.web(TASKS_BACKEND=IMMEDIATE_BACKEND, workers=2, threads=2)
    agent = UserAgent(web.url, owner)
    sandbox.inject("slow", vendor="r4", path_contains="/me", delay=3.0)
    answers = {}

    def verify():
        answers["verify"] = agent.post(reverse("dashboard:account_verify", args=[r4_account.pk]))

    verifying = threading.Thread(target=verify)
    verifying.start()
    wait_for(lambda: sandbox.calls(**R4_ME), what="the verify to reach the vendor")
    disconnect = agent.post(reverse("dashboard:account_disconnect", args=[r4_account.pk]))
    verifying.join(timeout=60)

    assert disconnect.status_code == 302 and answers["verify"].status_code == 302
    account = VendorAccount.objects.get(pk=r4_account.pk)
    assert account.status == AccountStatus.DISCONNECTED
    assert dict(account.credentials) == {} and account.disconnected_at is not None
    assert len(sandbox.calls(**R4_ME)) == 1
