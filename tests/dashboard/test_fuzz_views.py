"""Generated hostile input for every form field and query parameter of every view.

Each case fuzzes one field (the others hold good values) with hypothesis: control
characters, NUL, Unicode digits, 64-bit overflows, 10,000-digit and 1 MB values, markup,
JSON. Every answer must be something other than a 500, and a refusal must leave the data
as it was unless the vendor itself was asked and said no.
"""

import uuid
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.models import AuditEvent, Membership, Project, ProjectStatus, VendorAccount
from providers.sandbox.r4 import mint_key
from tests.factories import ProjectFactory, connect_devkit4ai

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "²",
    "١٢٣",
    "\uff19",  # full-width 9
    "9" * 30,
    "9" * 10_000,
    "9223372036854775808",
    "18446744073709551616",
    "-1",
    "0",
    "1e309",
    "nan",
    "🙂" * 300,
    "x" * 10_000,
    "n" * 1_048_576,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "javascript:alert(1)",
    '{"a": 1}',
    "[]",
    "null",
    "\r\n",
    "\u202e",
    "http://169.254.169.254/",
    "http://[::1]:8000/",
    "rk_a.b",
]
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.integers().map(str),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),
)


def snapshot():
    return (
        Project.objects.count(),
        VendorAccount.objects.count(),
        AuditEvent.objects.count(),
        Membership.objects.count(),
    )


@pytest.fixture
def world(team, owner, member, sandbox, r4_account):
    devkit = connect_devkit4ai(team, owner, sandbox)
    failed = ProjectFactory(
        account=r4_account, status=ProjectStatus.FAILED, error_kind="unavailable"
    )
    return {"team": team, "r4": r4_account, "devkit": devkit, "project": failed}


def cases(w, sandbox):
    """(name, user role, method, url, good data, fields to fuzz)."""
    listing = {"q": "a", "vendor": "r4", "account": str(w["r4"].pk), "status": "created"}
    listing |= {"creator": "1", "sort": "name", "page": "1"}
    key = str(uuid.uuid4())
    ref = w["project"].reference
    return [
        ("list", "member", "get", "/", listing, list(listing)),
        ("export", "member", "get", "/projects/export.csv", listing, list(listing)),
        (
            "new form",
            "member",
            "get",
            "/projects/new/",
            {"account": str(w["r4"].pk)},
            ["account", "fix"],
        ),
        (
            "create r4",
            "member",
            "post",
            "/projects/new/",
            {
                "account": w["r4"].pk,
                "idempotency_key": key,
                "name": "Ok",
                "externalId": "",
                "description": "",
            },
            ["account", "idempotency_key", "name", "externalId", "description"],
        ),
        (
            "create devkit",
            "member",
            "post",
            "/projects/new/",
            {
                "account": w["devkit"].pk,
                "idempotency_key": key,
                "name": "Staging - Ok",
                "description": "",
            },
            ["name", "description"],
        ),
        (
            "live check",
            "member",
            "post",
            "/projects/new/validate/",
            {"account": w["devkit"].pk, "idempotency_key": key, "_field": "name", "name": "Ok"},
            ["account", "_field", "name", "idempotency_key"],
        ),
        (
            "connect r4",
            "owner",
            "post",
            "/accounts/connect/r4/",
            {
                "team": w["team"].pk,
                "label": "New",
                "base_url": sandbox.base_url("r4"),
                "api_key": mint_key("team0001"),  # R4 accepts it: labels reach the save
            },
            ["team", "label", "base_url", "api_key"],
        ),
        (
            "connect otas",
            "owner",
            "post",
            "/accounts/connect/otas/",
            {
                "team": w["team"].pk,
                "label": "O",
                "base_url": sandbox.base_url("otas"),
                "email": "a@b.c",
                "password": "p",
            },
            ["email", "password", "user_token"],
        ),
        (
            "plan",
            "owner",
            "post",
            f"/accounts/{w['devkit'].pk}/plan/",
            {"plan": "free_starter"},
            ["plan"],
        ),
        (
            "import",
            "member",
            "post",
            f"/accounts/{w['r4'].pk}/import/",
            {"remote_id": "x"},
            ["remote_id"],
        ),
        (
            "reconcile",
            "member",
            "post",
            f"/projects/{ref}/reconcile/",
            {"remote_id": "x"},
            ["remote_id"],
        ),
        (
            "replace",
            "owner",
            "post",
            f"/accounts/{w['r4'].pk}/replace/",
            {"base_url": w["r4"].base_url, "api_key": "rk_x.y"},
            ["base_url", "api_key"],
        ),
        (
            "device start",
            "owner",
            "post",
            "/accounts/device/photon/start/",
            {
                "device-team": w["team"].pk,
                "device-label": "P",
                "device-base_url": sandbox.base_url("photon"),
            },
            ["account", "device-team", "device-label", "device-base_url"],
        ),
        (
            "login",
            None,
            "post",
            "/login/",
            {"username": "member", "password": "x"},
            ["username", "password"],
        ),
        (
            "team add",
            "owner",
            "post",
            f"/teams/{w['team'].pk}/members/add/",
            {"username": "member", "role": "member"},
            ["username", "role"],
        ),
        (
            "activity",
            "member",
            "get",
            "/activity/",
            {"kind": "project", "person": "1", "vendor": "r4", "page": "1"},
            ["kind", "person", "vendor", "page"],
        ),
    ]


FUZZED = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def send_and_check(client, sandbox, case, user, field, value):
    name, _, method, url, good, _ = case
    sandbox.state.faults.clear()
    if user is not None:
        client.force_login(user)
    before, calls_before = snapshot(), len(sandbox.calls())
    response = getattr(client, method)(url, {**good, field: value})
    assert response.status_code != 500, f"{name}: {field}={value[:80]!r}"
    accepted = response.status_code == 302 or "HX-Redirect" in response
    if method == "get" or not accepted:
        # Refused input changes nothing, unless it reached the vendor and the vendor said no.
        vendor_asked = len(sandbox.calls()) > calls_before
        assert snapshot() == before or (method == "post" and vendor_asked), (
            f"{name}: {field}={value[:80]!r} changed data"
        )


@pytest.mark.parametrize("case_index", range(16))
def test_every_nasty_value_in_every_field_of_every_view(
    client, world, owner, member, sandbox, case_index
):
    case = cases(world, sandbox)[case_index]
    user = {"owner": owner, "member": member}.get(case[1])
    for field in case[5]:
        for value in NASTY:
            send_and_check(client, sandbox, case, user, field, value)


@pytest.mark.parametrize("case_index", range(16))
def test_generated_values_in_every_field_of_every_view(
    client, world, owner, member, sandbox, case_index
):
    case = cases(world, sandbox)[case_index]
    user = {"owner": owner, "member": member}.get(case[1])

    @FUZZED
    @given(field=st.sampled_from(case[5]), value=VALUES)
    def check(field, value):
        send_and_check(client, sandbox, case, user, field, value)

    check()


@given(value=VALUES)
@FUZZED
def test_ids_in_paths_are_a_404_not_a_500(client, owner, value):
    client.force_login(owner)
    for template in ("/accounts/{}/", "/accounts/{}/import/", "/projects/{}/"):
        response = client.get(template.format(quote(value, safe="")))
        assert response.status_code in (404, 301, 302), (template, value[:80])
