"""Every vendor answer with a wrong JSON type at every field: a ProviderError, never a crash.

For each call a vendor module makes, the sandbox first answers normally; then, for every
path in that answer (objects, lists and leaves alike), it answers again with the value
there replaced by each wrong type. The provider must return a result or raise a
ProviderError; any other exception would be a 500 in a page or a crashed worker.
"""

import pytest

from providers.base import ErrorKind, ProviderError
from providers.registry import get_provider
from providers.sandbox.core import json_paths
from providers.sandbox.devkit4ai import DEMO_DEVELOPER_KEY, DEMO_EMAIL, DEMO_PASSWORD
from providers.sandbox.otas import DEMO_EMAIL as OTAS_EMAIL
from providers.sandbox.otas import DEMO_PASSWORD as OTAS_PASSWORD
from providers.sandbox.photon import mint_token
from providers.sandbox.r4 import mint_key

WRONG_VALUES = [None, True, 0, -1, 10**30, 1.5e308, "", "x" * 300, "\x00", [], [1], {}, {"a": 1}]
ALLOWED_KINDS = set(ErrorKind)  # any documented kind is a clear answer


def _credentials(vendor, sandbox):
    provider, base = get_provider(vendor), sandbox.base_url(vendor)
    if vendor == "r4":
        return {"api_key": mint_key("team0001")}
    if vendor == "photon":
        return {"access_token": mint_token("ada")}
    login = {
        "devkit4ai": {
            "email": DEMO_EMAIL,
            "password": DEMO_PASSWORD,
            "developer_key": DEMO_DEVELOPER_KEY,
        },
        "otas": {"email": OTAS_EMAIL, "password": OTAS_PASSWORD},
    }[vendor]
    return provider.connect(base_url=base, credentials=login)[0]


PAYLOADS = {
    "r4": {"name": "Fuzz project", "externalId": "", "description": "d"},
    "photon": {"name": "Fuzz project", "platforms": ["voice"]},
    "devkit4ai": {"name": "Fuzz project", "description": "d"},
    "otas": {"project_name": "Fuzz project", "project_description": "d"},
}
LOGINS = {
    "devkit4ai": {
        "email": DEMO_EMAIL,
        "password": DEMO_PASSWORD,
        "developer_key": DEMO_DEVELOPER_KEY,
    },
    "otas": {"email": OTAS_EMAIL, "password": OTAS_PASSWORD},
}


def _calls(vendor):
    """(name, method, path fragment of the answer to spoil, call(provider, base, creds, ctx))."""
    calls = [
        ("verify", "GET", "", lambda p, b, c, x: p.verify(base_url=b, credentials=c)),
        (
            "create",
            "POST",
            "",
            lambda p, b, c, x: p.create_project(
                base_url=b, credentials=c, payload=PAYLOADS[vendor], reference="ref-1"
            ),
        ),
        ("list", "GET", "", lambda p, b, c, x: p.list_projects(base_url=b, credentials=c)),
        (
            "get",
            "GET",
            "",
            lambda p, b, c, x: p.get_project(base_url=b, credentials=c, remote_id=x["remote_id"]),
        ),
    ]
    if vendor in LOGINS:
        calls.append(
            (
                "connect",
                "POST",
                "login",
                lambda p, b, c, x: p.connect(base_url=b, credentials=LOGINS[vendor]),
            )
        )
    if vendor == "photon":
        calls += [
            (
                "device start",
                "POST",
                "device/code",
                lambda p, b, c, x: p.start_device_login(base_url=b),
            ),
            (
                "device poll",
                "POST",
                "device/token",
                lambda p, b, c, x: p.poll_device_login(base_url=b, device_code=x["device_code"]),
            ),
            (
                "regenerate",
                "POST",
                "",
                lambda p, b, c, x: p.regenerate_secret(
                    base_url=b, credentials=c, remote_id=x["remote_id"]
                ),
            ),
        ]
    return calls


CASES = [(vendor, *call) for vendor in PAYLOADS for call in _calls(vendor)]


@pytest.mark.parametrize(
    "vendor, name, method, fragment, call", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_every_field_of_every_answer_with_a_wrong_type_is_a_clear_error(
    sandbox, vendor, name, method, fragment, call
):
    provider, base = get_provider(vendor), sandbox.base_url(vendor)
    credentials = _credentials(vendor, sandbox)
    made = provider.create_project(
        base_url=base, credentials=dict(credentials), payload=PAYLOADS[vendor], reference="ref-0"
    )
    context = {"remote_id": made.remote_id}
    if vendor == "photon":
        sandbox.vendors["photon"].enforce_interval = False
        context["device_code"] = provider.start_device_login(base_url=base).device_code

    before = len(sandbox.calls(vendor))
    call(provider, base, dict(credentials), context)  # the unspoiled answer
    answered = [
        entry
        for entry in sandbox.calls(vendor)[before:]
        if entry["method"] == method and fragment in entry["path"]
    ]
    assert answered, f"{vendor} {name} made no {method} call with {fragment!r}"
    target = answered[-1]
    paths = json_paths(target["answer"])
    assert paths, f"{vendor} {name}: the answer has no fields to spoil"

    crashes = []
    for path in paths:
        for value in WRONG_VALUES:
            sandbox.inject(
                "mutate",
                vendor=vendor,
                method=method,
                path_contains=target["path"],
                field=path,
                value=value,
            )
            try:
                call(provider, base, dict(credentials), context)
            except ProviderError as exc:
                assert exc.kind in ALLOWED_KINDS and exc.message
            except Exception as exc:  # what the test is here to catch
                crashes.append(f"{path}={value!r}: {type(exc).__name__}: {exc}")
            sandbox.state.faults.clear()
    assert crashes == [], f"{vendor} {name}: {len(crashes)} crashes, e.g. {crashes[:5]}"
