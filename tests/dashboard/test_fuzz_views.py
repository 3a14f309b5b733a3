"""Generated hostile input for every form field and query parameter of every view.

Each case fuzzes one field (the others hold good values) with hypothesis: control
characters, NUL, Unicode digits, 64-bit overflows, 10,000-digit and 1 MB values, markup,
JSON. Every answer must be something other than a 500, and a refusal must leave the data
as it was unless the vendor itself was asked and said no.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.models import ProjectStatus
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


# What a refused request must leave exactly as it was: every column of every row of the
# product's tables (raw, so credentials compare as ciphertext), the users and the task queue.
# Sessions and the login throttle's records are written by design on any request.
SNAPSHOT_APPS = ("dashboard", "auth", "django_tasks_database")


def snapshot() -> dict[str, list[tuple]]:
    quote = connection.ops.quote_name
    tables = {}
    for label in SNAPSHOT_APPS:
        for model in apps.get_app_config(label).get_models():
            table, pk = model._meta.db_table, model._meta.pk.column
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")
                tables[table] = [
                    tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                    for row in cursor.fetchall()
                ]
    return tables


def changed_tables(before: dict, after: dict) -> list[str]:
    return [table for table in before if before[table] != after[table]]


@pytest.fixture
def world(team, owner, member, sandbox, r4_account):
    devkit = connect_devkit4ai(team, owner, sandbox)
    failed = ProjectFactory(
        account=r4_account, status=ProjectStatus.FAILED, error_kind="unavailable"
    )
    # One idempotency key per test, as a person resubmitting one form would send.
    key = str(uuid.uuid4())
    return {
        "team": team,
        "r4": r4_account,
        "devkit": devkit,
        "project": failed,
        "sandbox": sandbox,
        "key": key,
    }


@dataclass(frozen=True)
class Case:
    """One view: who sends it, how, the good values (made from the world) and what to fuzz."""

    name: str
    role: str | None
    method: str
    url: Callable[[dict], str]
    good: Callable[[dict], dict]
    fields: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


def listing(w):
    return {
        "q": "a",
        "vendor": "r4",
        "account": str(w["r4"].pk),
        "status": "created",
        "creator": "1",
        "sort": "name",
        "page": "1",
    }


LISTING_FIELDS = ("q", "vendor", "account", "status", "creator", "sort", "page")

CASES = [
    Case("list", "member", "get", lambda w: "/", listing, LISTING_FIELDS),
    Case("export", "member", "get", lambda w: "/projects/export.csv", listing, LISTING_FIELDS),
    Case(
        "new form",
        "member",
        "get",
        lambda w: "/projects/new/",
        lambda w: {"account": str(w["r4"].pk)},
        ("account", "fix"),
    ),
    Case(
        "create r4",
        "member",
        "post",
        lambda w: "/projects/new/",
        lambda w: {
            "account": w["r4"].pk,
            "idempotency_key": w["key"],
            "name": "Ok",
            "externalId": "",
            "description": "",
        },
        ("account", "idempotency_key", "name", "externalId", "description"),
    ),
    Case(
        "create devkit",
        "member",
        "post",
        lambda w: "/projects/new/",
        lambda w: {
            "account": w["devkit"].pk,
            "idempotency_key": w["key"],
            "name": "Staging - Ok",
            "description": "",
        },
        ("name", "description"),
    ),
    Case(
        "live check",
        "member",
        "post",
        lambda w: "/projects/new/validate/",
        lambda w: {
            "account": w["devkit"].pk,
            "idempotency_key": w["key"],
            "_field": "name",
            "name": "Ok",
        },
        ("account", "_field", "name", "idempotency_key"),
    ),
    Case(
        "connect r4",
        "owner",
        "post",
        lambda w: "/accounts/connect/r4/",
        lambda w: {
            "team": w["team"].pk,
            "label": "New",
            "base_url": w["sandbox"].base_url("r4"),
            "api_key": mint_key("team0001"),  # R4 accepts it: labels reach the save
        },
        ("team", "label", "base_url", "api_key"),
    ),
    Case(
        "connect otas",
        "owner",
        "post",
        lambda w: "/accounts/connect/otas/",
        lambda w: {
            "team": w["team"].pk,
            "label": "O",
            "base_url": w["sandbox"].base_url("otas"),
            "email": "a@b.c",
            "password": "p",
        },
        ("email", "password", "user_token"),
    ),
    Case(
        "plan",
        "owner",
        "post",
        lambda w: f"/accounts/{w['devkit'].pk}/plan/",
        lambda w: {"plan": "free_starter"},
        ("plan",),
    ),
    Case(
        "import",
        "member",
        "post",
        lambda w: f"/accounts/{w['r4'].pk}/import/",
        lambda w: {"remote_id": "x"},
        ("remote_id",),
    ),
    Case(
        "reconcile",
        "member",
        "post",
        lambda w: f"/projects/{w['project'].reference}/reconcile/",
        lambda w: {"remote_id": "x"},
        ("remote_id",),
    ),
    Case(
        "replace",
        "owner",
        "post",
        lambda w: f"/accounts/{w['r4'].pk}/replace/",
        lambda w: {"base_url": w["r4"].base_url, "api_key": "rk_x.y"},
        ("base_url", "api_key"),
    ),
    Case(
        "device start",
        "owner",
        "post",
        lambda w: "/accounts/device/photon/start/",
        lambda w: {
            "device-team": w["team"].pk,
            "device-label": "P",
            "device-base_url": w["sandbox"].base_url("photon"),
        },
        ("account", "device-team", "device-label", "device-base_url"),
    ),
    Case(
        "login",
        None,
        "post",
        lambda w: "/login/",
        lambda w: {"username": "member", "password": "x"},
        ("username", "password"),
    ),
    Case(
        "team add",
        "owner",
        "post",
        lambda w: f"/teams/{w['team'].pk}/members/add/",
        lambda w: {"username": "member", "role": "member"},
        ("username", "role"),
    ),
    Case(
        "activity",
        "member",
        "get",
        lambda w: "/activity/",
        lambda w: {"kind": "project", "person": "1", "vendor": "r4", "page": "1"},
        ("kind", "person", "vendor", "page"),
    ),
]
EVERY_CASE = pytest.mark.parametrize("case", CASES, ids=lambda case: case.name.replace(" ", "-"))


FUZZED = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def refused(response) -> bool:
    """Not sent on (a form shown again), or sent on with an error (a refusal on a redirect)."""
    sent_on = response.status_code == 302 or "HX-Redirect" in response
    errors = [m for m in get_messages(response.wsgi_request) if m.level == message_levels.ERROR]
    return not sent_on or bool(errors)


def send_and_check(client, world, case, user, field, value):
    sandbox = world["sandbox"]
    sandbox.state.faults.clear()
    if user is not None:
        client.force_login(user)
    before, calls_before = snapshot(), len(sandbox.calls())
    response = getattr(client, case.method)(case.url(world), {**case.good(world), field: value})
    assert response.status_code != 500, f"{case}: {field}={value[:80]!r}"
    if case.method == "get" or refused(response):
        # Refused input changes nothing, unless it reached the vendor and the vendor said no.
        vendor_asked = len(sandbox.calls()) > calls_before
        changed = changed_tables(before, snapshot())
        assert not changed or (case.method == "post" and vendor_asked), (
            f"{case}: {field}={value[:80]!r} changed {', '.join(changed)}"
        )


@EVERY_CASE
def test_every_nasty_value_in_every_field_of_every_view(client, world, owner, member, case):
    user = {"owner": owner, "member": member}.get(case.role)
    for field in case.fields:
        for value in NASTY:
            send_and_check(client, world, case, user, field, value)


@EVERY_CASE
def test_generated_values_in_every_field_of_every_view(client, world, owner, member, case):
    user = {"owner": owner, "member": member}.get(case.role)

    @FUZZED
    @given(field=st.sampled_from(case.fields), value=VALUES)
    def check(field, value):
        send_and_check(client, world, case, user, field, value)

    check()


@given(value=VALUES)
@FUZZED
def test_ids_in_paths_are_a_404_not_a_500(client, owner, value):
    client.force_login(owner)
    for template in ("/accounts/{}/", "/accounts/{}/import/", "/projects/{}/"):
        response = client.get(template.format(quote(value, safe="")))
        assert response.status_code in (404, 301, 302), (template, value[:80])
