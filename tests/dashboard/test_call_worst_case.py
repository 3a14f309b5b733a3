"""Timeouts that must outlast a vendor call are checked against its worst case: the most
requests one call sends (a Dev Kit for AI call refreshed on 401 and resent is three), each
with its own VENDOR_HTTP_TOTAL_TIMEOUT, never against one request."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from dashboard.services.vendor_calls import most_requests_per_call
from providers.devkit4ai import DevKit4AI
from providers.sandbox.devkit4ai import DEMO_DEVELOPER_KEY, DEMO_EMAIL, DEMO_PASSWORD

CALL = 45.0  # VENDOR_HTTP_TOTAL_TIMEOUT in these tests


def test_the_worst_case_is_what_a_dev_kit_call_really_sends(sandbox):
    devkit, base = DevKit4AI(), sandbox.base_url("devkit4ai")
    typed = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "developer_key": DEMO_DEVELOPER_KEY}
    stored, _ = devkit.connect(base_url=base, credentials=typed)
    stored["access_token"] = stored["access_token"][:-4] + "AAAA"  # refused: a 401
    before = len(sandbox.calls("devkit4ai"))
    devkit.create_project(
        base_url=base, credentials=stored, payload={"name": "Prod - API"}, reference="r"
    )
    sent = len(sandbox.calls("devkit4ai")) - before
    assert sent == 3 and most_requests_per_call() >= sent


@pytest.mark.parametrize(
    ("setting", "check"),
    [("PROJECT_RECONCILE_AFTER_SECONDS", "E006"), ("PROJECT_PENDING_TIMEOUT_SECONDS", "E001")],
)
def test_a_timeout_one_request_long_but_shorter_than_the_worst_call_is_refused(
    db, settings, setting, check
):
    settings.VENDOR_HTTP_TOTAL_TIMEOUT = CALL
    worst = most_requests_per_call() * CALL
    setattr(settings, setting, int(worst))  # longer than one request, not than the call
    with pytest.raises(SystemCheckError, match=rf"dashboard\.{check}") as refused:
        call_command("check")
    assert f"{worst:g} s: up to {most_requests_per_call()} requests" in str(refused.value)
    setattr(settings, setting, int(worst) + 1)
    call_command("check")
