"""The password throttle (django-axes) is for passwords: a sign-in through the identity
provider neither waits for it nor leaves its code and state in axes' records."""

from __future__ import annotations

import pytest
from axes.helpers import get_query_str
from axes.models import AccessAttempt
from django.http import QueryDict
from django.test import Client

from tests.sso.conftest import signed_in_as, start
from tests.sso.stand_in import query_of

pytestmark = pytest.mark.django_db
ADDRESS = "203.0.113.7"


def test_a_sign_in_through_the_provider_works_from_an_address_locked_for_passwords(sso, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3
    client = Client(REMOTE_ADDR=ADDRESS)
    for n in range(3):
        client.post("/login/", {"username": f"nobody-{n}", "password": "wrong"})
    locked = client.post("/login/", {"username": "nobody-9", "password": "wrong"})
    assert locked.status_code == 429  # the address is paused for passwords

    sso.set_user("ida-1", email="ida@example.com", email_verified=True)
    callback = sso.approve(start(client), "ida-1")
    answer = client.get(callback)
    assert (answer.status_code, answer["Location"]) == (302, "/")
    assert signed_in_as(client).email == "ida@example.com"

    code = query_of(callback)["code"]
    assert AccessAttempt.objects.exists()
    assert not AccessAttempt.objects.filter(get_data__contains=code).exists()
    assert not AccessAttempt.objects.filter(get_data__contains="/oidc/").exists()
    assert not AccessAttempt.objects.filter(path_info__startswith="/oidc/").exists()


def test_axes_masks_a_code_and_state_wherever_it_records_a_query():
    recorded = get_query_str(QueryDict("code=secret-code&state=secret-state&next=/x"))
    assert "secret-code" not in recorded and "secret-state" not in recorded
    assert "next=/x" in recorded
