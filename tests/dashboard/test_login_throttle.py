"""Login throttle (django-axes): a few failures per username and address, a few more per
address across usernames (spraying) and per username across addresses, then a pause.

IPv6 addresses count by /64 (one customer's network), IPv4 addresses one by one.
"""

import logging
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

WRONG = "not-the-password-at-all"
ROOT = Path(__file__).resolve().parents[2]


def attempt(client, username, password, ip="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def refused(response) -> bool:
    return response.status_code == 429 and "Too many failed attempts" in response.content.decode()


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


def test_addresses_in_one_ipv6_64_count_as_one(client, member, settings):
    """One customer gets a whole /64: each of its addresses must not get fresh tries."""
    for host in range(1, settings.AXES_FAILURE_LIMIT + 1):
        attempt(client, "member", WRONG, ip=f"2001:db8:1:2::{host:x}")
    assert refused(attempt(client, "member", PASSWORD, ip="2001:db8:1:2:ffff:1:2:3"))
    assert {a.ip_address for a in AccessAttempt.objects.all()} == {"2001:db8:1:2::"}


def test_two_ipv6_64s_are_not_lumped_together(client, member, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "member", WRONG, ip="2001:db8:1:2::1")
    assert refused(attempt(client, "member", PASSWORD, ip="2001:db8:1:2::2"))
    assert attempt(client, "member", PASSWORD, ip="2001:db8:1:3::1").status_code == 302


def test_ipv4_addresses_still_count_one_by_one(client, member, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "member", WRONG, ip="203.0.113.7")
    # An IPv4 client seen through an IPv6 socket is the same client.
    assert refused(attempt(client, "member", PASSWORD, ip="::ffff:203.0.113.7"))
    assert attempt(client, "member", PASSWORD, ip="203.0.113.8").status_code == 302
    assert {a.ip_address for a in AccessAttempt.objects.all()} == {"203.0.113.7"}


def test_spraying_many_usernames_from_one_address_is_paused_at_the_address_limit(
    client, member, settings
):
    """30 usernames, 4 wrong passwords each: no pair reaches its limit, the address does."""
    limit = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    assert limit > settings.AXES_FAILURE_LIMIT
    answers = [
        refused(attempt(client, f"sprayed{name}", WRONG))
        for name in range(30)
        for _ in range(settings.AXES_FAILURE_LIMIT - 1)
    ]
    # The failure that reaches the limit is answered with the pause, and so is every later one.
    assert answers.index(True) + 1 == limit and all(answers[limit - 1 :])
    # Everyone at that address waits (even with the right password); elsewhere is fine.
    assert refused(attempt(client, "member", PASSWORD))
    assert attempt(client, "member", PASSWORD, ip="198.51.100.9").status_code == 302


def test_one_username_from_many_addresses_is_paused_at_the_username_limit(
    client, member, viewer, settings
):
    limit = settings.LOGIN_FAILURE_LIMIT_PER_USERNAME
    assert settings.AXES_FAILURE_LIMIT < limit < settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    for host in range(1, limit):
        assert attempt(client, "member", WRONG, ip=f"198.51.100.{host}").status_code == 200
    assert refused(attempt(client, "member", WRONG, ip="198.51.100.200"))
    # From a fresh address, the right password waits too; other people are not affected.
    assert refused(attempt(client, "member", PASSWORD, ip="192.0.2.77"))
    assert attempt(client, "viewer", PASSWORD, ip="198.51.100.1").status_code == 302


def test_a_success_resets_only_its_own_username_and_address(client, member, settings):
    """Signing in to one's own account must not wipe the address's count for others."""
    for name in range(settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS - 1):
        attempt(client, f"sprayed{name}", WRONG)
    assert attempt(client, "member", PASSWORD).status_code == 302
    client.logout()
    assert refused(attempt(client, "sprayed-last", WRONG))


def test_nothing_typed_in_either_field_is_logged_or_stored_unless_it_names_a_user(
    client, member, settings, caplog
):
    """People type their password into the username field; that must not be kept."""
    caplog.set_level(logging.DEBUG)
    typed_in_username = "Tr0ub4dor&3-my-real-password"
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        attempt(client, typed_in_username, WRONG)
    assert typed_in_username not in caplog.text and WRONG not in caplog.text
    stored = AccessAttempt.objects.get()
    for column in (stored.username, stored.post_data, stored.get_data):
        assert typed_in_username not in column and WRONG not in column
    # The same text always maps to the same key, so it is still counted (and paused).
    assert stored.failures_since_start >= settings.AXES_FAILURE_LIMIT
    assert refused(attempt(client, typed_in_username, PASSWORD))

    # A real username stays readable for the operator; the password field never is.
    UserFactory(username="another")
    attempt(client, "another", WRONG)
    assert AccessAttempt.objects.filter(username="another").exists()
    assert '"another"' in caplog.text and WRONG not in caplog.text


def test_a_session_lasts_a_working_day_and_the_setting_is_documented(client, member, settings):
    response = attempt(client, "member", PASSWORD)
    assert response.status_code == 302
    # SESSION_MAX_AGE (default SESSION_COOKIE_AGE) fixes the end at the sign-in, to the second.
    assert 8 * 3600 - 2 <= response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] <= 8 * 3600
    documented = (ROOT / ".env.example").read_text()
    for name in (
        "SESSION_COOKIE_AGE=",
        "SESSION_MAX_AGE=",
        "LOGIN_FAILURE_LIMIT=",
        "LOGIN_FAILURE_LIMIT_PER_ADDRESS=",
        "LOGIN_FAILURE_LIMIT_PER_USERNAME=",
    ):
        assert name in documented
