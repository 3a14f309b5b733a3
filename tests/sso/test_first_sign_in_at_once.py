"""One person's first sign-in completed in six browsers at once, on two gunicorn servers:
one user, one identity, one membership, one audit line, and every browser signed in."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from dashboard.models import AuditAction, AuditEvent, GroupMapping, Identity, Membership, Role
from tests.factories import MembershipFactory, TeamFactory
from tests.integration.test_device_login_workers import waiting_on_a_lock
from tests.processes import at_once, wait_for
from tests.sso.conftest import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.django_db(transaction=True)
BROWSERS = 6


def test_a_first_sign_in_in_six_browsers_at_once_makes_one_user(services_running, mock_provider):
    team = TeamFactory(name="Rocket", managed_by_identity_provider=True)
    MembershipFactory(team=team, role=Role.ADMIN)
    GroupMapping.objects.create(group="devs", team=team, role=Role.MEMBER)
    mock_provider.set_user(
        "zed-1",
        preferred_username="zed",
        email="zed@example.com",
        email_verified=True,
        groups=["devs"],
    )
    oidc = {
        "OIDC_ISSUER": mock_provider.url,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
    }
    servers = [services_running.web(workers=2, threads=3, **oidc) for _ in range(2)]
    browsers, callbacks = [], []
    for i in range(BROWSERS):
        browser = requests.Session()
        started = browser.get(
            f"{servers[i % 2].url}/oidc/authenticate/", allow_redirects=False, timeout=30
        )
        approved = requests.post(
            started.headers["Location"], data={"sub": "zed-1"}, allow_redirects=False, timeout=10
        )
        browsers.append(browser)
        callbacks.append(approved.headers["Location"])

    def come_back(i: int) -> requests.Response:
        return browsers[i].get(callbacks[i], allow_redirects=False, timeout=60)

    if connection.vendor == "postgresql":
        # An uncommitted "zed" holds the username's index entry: every sign-in reads no
        # identity, makes its user and waits at that insert; then all go on together.
        pool = ThreadPoolExecutor(BROWSERS)
        try:
            with transaction.atomic():
                get_user_model().objects.create(username="zed")
                pending = [pool.submit(come_back, i) for i in range(BROWSERS)]
                wait_for(
                    lambda: waiting_on_a_lock('INSERT INTO "auth_user"%') == BROWSERS,
                    timeout=60,
                    what="every sign-in waiting at the user's insert",
                )
                transaction.set_rollback(True)
            answers = [each.result(timeout=120) for each in pending]
        finally:
            pool.shutdown(wait=True)
    else:
        answers = at_once(BROWSERS, come_back)  # SQLite: one writer at a time anyway

    assert [(a.status_code, a.headers.get("Location")) for a in answers] == [(302, "/")] * BROWSERS
    user = get_user_model().objects.get(identities__subject="zed-1")
    assert user.username == "zed"
    assert Identity.objects.filter(subject="zed-1").count() == 1
    assert get_user_model().objects.filter(email="zed@example.com").count() == 1
    assert Membership.objects.get(user=user, team=team).role == Role.MEMBER
    assert AuditEvent.objects.filter(action=AuditAction.MEMBER_ADDED).count() == 1
    for i, browser in enumerate(browsers):
        page = browser.get(f"{servers[i % 2].url}/", allow_redirects=False, timeout=30)
        assert page.status_code == 200 and "zed" in page.text
