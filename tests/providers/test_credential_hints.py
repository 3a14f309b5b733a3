"""The one form of a credential ever shown: recognisable for every vendor, never a secret."""

import pytest

from providers.registry import get_provider

CASES = [
    ("r4", {"api_key": "rk_team42.s"}, "", "rk_team42.••••", "s"),
    (
        "photon",
        {"access_token": "short"},
        "ada@photon.test",
        "token •••• (ada@photon.test)",
        "short",
    ),
    ("photon", {"access_token": "t" * 12 + "WXYZ"}, "", "token ••••WXYZ", "t" * 12),
    (
        "devkit4ai",
        {"email": "dev@example.com", "developer_key": "dk_1"},
        "",
        "dev@example.com · key ••••",
        "dk_1",
    ),
    ("otas", {"user_token": "a.b.c"}, "ops@otas.test", "user token •••• (ops@otas.test)", "a.b.c"),
]


@pytest.mark.parametrize("vendor, credentials, identity, hint, secret", CASES)
def test_every_vendor_shows_something_recognisable_and_nothing_secret(
    vendor, credentials, identity, hint, secret
):
    shown = get_provider(vendor).credential_hint(credentials, identity=identity)
    assert shown == hint and secret not in shown.replace(identity, "")
