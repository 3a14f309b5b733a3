"""Login throttle (django-axes): a few failures per username and address, then a pause."""

import logging

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import PASSWORD

WRONG = "not-the-password-at-all"


def attempt(client, username, password, ip="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_after_five_failures_even_the_right_password_is_refused_for_a_while(
    client, member, settings, caplog
):
    caplog.set_level(logging.INFO)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, "member", WRONG)
        assert response.status_code == 200 and "Please enter a correct username" in (
            response.content.decode()
        )
    locked = attempt(client, "member", WRONG)
    assert locked.status_code == 429
    assert attempt(client, "member", PASSWORD).status_code == 429
    page = locked.content.decode()
    assert "Too many failed attempts" in page and "paused for 15 minutes" in page
    assert "_auth_user_id" not in client.session

    # The failures are logged and kept, by username and address, without the password.
    assert "member" in caplog.text and "203.0.113.7" in caplog.text
    assert WRONG not in caplog.text and PASSWORD not in caplog.text
    stored = AccessAttempt.objects.get()
    assert stored.failures_since_start >= settings.AXES_FAILURE_LIMIT
    assert WRONG not in stored.post_data and PASSWORD not in stored.post_data


def test_the_pause_is_per_username_and_address(client, member, viewer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "member", WRONG)
    # The same person from another network, and another user from the same one, get in.
    assert attempt(client, "member", PASSWORD, ip="198.51.100.9").status_code == 302
    client.logout()
    assert attempt(client, "viewer", PASSWORD).status_code == 302


@pytest.mark.parametrize("behind_proxy, expected", [(False, "10.0.0.2"), (True, "198.51.100.4")])
def test_the_address_comes_from_the_proxy_only_when_configured(
    client, member, settings, behind_proxy, expected
):
    settings.BEHIND_PROXY = behind_proxy
    client.post(
        reverse("login"),
        {"username": "member", "password": WRONG},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4",
    )
    assert AccessAttempt.objects.get().ip_address == expected
