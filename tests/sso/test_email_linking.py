"""Which account a verified email links a first sign-in to, and which email is kept:
an exact (ASCII, case-insensitive) match only, never a privileged account, and only a
verified email is ever stored. On SQLite and PostgreSQL (whose UPPER() folds look-alikes)."""

from __future__ import annotations

import pytest

from dashboard.models import Identity
from dashboard.services.identity import identity_sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ISSUER = "https://id.example"


def sign_in(sub: str, email: str, **claims):
    return identity_sign_in(
        issuer=ISSUER, claims={"sub": sub, "email": email, "email_verified": True, **claims}
    )


@pytest.mark.parametrize(
    ("look_alike", "plain"),
    [
        ("adm\u0131n@example.com", "admin@example.com"),  # dotless i: UPPER() gives I
        ("\u017fam@example.com", "sam@example.com"),  # long s: UPPER() gives S
        ("\u212aim@example.com", "kim@example.com"),  # Kelvin sign: lower() gives k
        ("ADM\u0130N@example.com", "admin@example.com"),  # dotted capital I
    ],
)
def test_a_look_alike_email_never_links_an_account(look_alike, plain):
    existing = UserFactory(email=plain)
    user = sign_in("s-1", look_alike)
    assert user != existing
    assert Identity.objects.get(subject="s-1").user == user
    assert not Identity.objects.filter(user=existing).exists()


def test_a_look_alike_stored_email_is_not_linked_from_a_plain_one():
    existing = UserFactory(email="adm\u0131n@example.com")
    assert sign_in("s-1", "ADMIN@example.com") != existing


def test_an_email_differing_only_in_ascii_case_and_spaces_still_links():
    existing = UserFactory(email="Ann@Example.com")
    assert sign_in("s-1", " ann@example.COM ") == existing


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_a_verified_email_never_links_a_privileged_account(flag):
    existing = UserFactory(email="root@example.com", **{flag: True})
    user = sign_in("s-1", "root@example.com")
    assert user != existing and not user.is_staff and not user.is_superuser
    assert not Identity.objects.filter(user=existing).exists()


@pytest.mark.parametrize("verified", [None, False, "false", 1])
def test_an_unverified_email_is_never_stored(verified):
    claims = {"sub": "s-1", "email": "new@example.com"}
    if verified is not None:
        claims["email_verified"] = verified
    user = identity_sign_in(issuer=ISSUER, claims=claims)
    user.refresh_from_db()
    assert user.email == ""

    user.email = "kept@example.com"
    user.save()
    identity_sign_in(issuer=ISSUER, claims={**claims, "email": "changed@example.com"})
    user.refresh_from_db()
    assert user.email == "kept@example.com"


def test_a_verified_email_is_stored_and_refreshed():
    user = sign_in("s-1", "first@example.com")
    sign_in("s-1", "second@example.com")
    user.refresh_from_db()
    assert user.email == "second@example.com"
