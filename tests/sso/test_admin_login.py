"""With PASSWORD_LOGIN off, the admin's own login form lets in superusers only, like /login/."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, UserFactory
from tests.sso.conftest import signed_in_as

pytestmark = pytest.mark.django_db


def admin_log_in(client, user):
    return client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD}
    )


def test_password_login_off_keeps_staff_out_of_the_admin_login(client, settings):
    settings.PASSWORD_LOGIN = False
    staff = UserFactory(is_staff=True)
    answer = admin_log_in(client, staff)
    assert answer.status_code == 200
    assert "Password sign-in is for superusers only." in answer.content.decode()
    assert signed_in_as(client) is None
    assert "_auth_user_id" not in client.session


def test_password_login_off_still_lets_a_superuser_into_the_admin(client, settings):
    settings.PASSWORD_LOGIN = False
    root = UserFactory(is_staff=True, is_superuser=True)
    answer = admin_log_in(client, root)
    assert (answer.status_code, answer["Location"]) == (302, "/admin/")
    assert signed_in_as(client) == root


def test_password_login_on_lets_staff_into_the_admin(client, settings):
    settings.PASSWORD_LOGIN = True
    staff = UserFactory(is_staff=True)
    assert admin_log_in(client, staff).status_code == 302
    assert signed_in_as(client) == staff
