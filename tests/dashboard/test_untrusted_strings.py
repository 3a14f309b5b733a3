"""Strings a vendor sends, or a user typed, are data: never a link, a formula or padding."""

import csv
import io

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import DeviceLogin, Project, ProjectStatus
from dashboard.services import exports
from providers.base import ProviderError
from providers.photon import Photon
from tests.factories import ProjectFactory


def exported(client, **params) -> list[list[str]]:
    body = b"".join(
        client.get(reverse("dashboard:project_export"), params).streaming_content
    ).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize(
    "name",
    [
        "=1+1",
        " =1+1",
        "\t=1+1",
        "\n=1+1",
        "\r=1+1",
        "\uff1d1+1",  # full-width =
        "\ufe661+1",  # small =
        "+1",
        "-1",
        "@SUM(A1)",
        " @x",
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_defused(client, member, r4_account, name):
    ProjectFactory(account=r4_account, name=name)
    client.force_login(member)
    cell = exported(client)[1][3]
    assert cell == "'" + name


def test_ordinary_names_are_exported_as_they_are(client, member, r4_account):
    ProjectFactory(account=r4_account, name="Staging - Mobile App")
    client.force_login(member)
    assert exported(client)[1][:4] == ["R4", r4_account.label, "Rocket", "Staging - Mobile App"]


def test_a_long_export_streams_every_row_past_the_first_batch(
    client, member, r4_account, monkeypatch
):
    monkeypatch.setattr(exports, "BATCH", 3)
    ProjectFactory.create_batch(8, account=r4_account)
    client.force_login(member)
    rows = exported(client)
    assert len(rows) == 9 and len({row[-1] for row in rows[1:]}) == 8


def test_an_export_that_breaks_midway_says_so_and_aborts_the_transfer(
    client, member, r4_account, monkeypatch
):
    monkeypatch.setattr(exports, "BATCH", 2)
    ProjectFactory.create_batch(5, account=r4_account)
    real_safe_cell = exports.safe_cell
    calls = []

    def breaks_on_the_fourth_row(value):
        calls.append(value)
        if len(calls) == 12 * 3 + 1:  # the first cell of the fourth row
            raise OSError("the disk went away")
        return real_safe_cell(value)

    monkeypatch.setattr(exports, "safe_cell", breaks_on_the_fourth_row)
    client.force_login(member)
    received = []
    with pytest.raises(OSError, match="the disk went away"):
        for piece in client.get(reverse("dashboard:project_export")).streaming_content:
            received.append(piece.decode())
    lines = "".join(received).splitlines()
    assert len(lines) == 4 and lines[-1].startswith("ERROR: the export stopped after 2 rows")


def test_a_device_sign_in_address_that_is_not_a_web_address_is_refused(sandbox):
    sandbox.vendors["photon"].enforce_interval = False
    for bad in ("javascript:alert(document.cookie)", "data:text/html,hi", "//no-scheme", ""):
        sandbox.inject(
            "mutate",
            vendor="photon",
            path_contains="device/code",
            field="verification_uri",
            value=bad,
        )
        with pytest.raises(ProviderError):
            Photon().start_device_login(base_url=sandbox.base_url("photon"))
    sandbox.inject(
        "mutate",
        vendor="photon",
        path_contains="device/code",
        field="verification_uri_complete",
        value="javascript:alert(1)",
    )
    started = Photon().start_device_login(base_url=sandbox.base_url("photon"))
    assert started.verification_uri_complete == started.verification_uri
    assert started.verification_uri.startswith("http")


def test_a_stored_non_web_address_is_never_rendered_as_a_link(client, team, owner, sandbox):
    sandbox.vendors["photon"].enforce_interval = False
    login = services.device_login_start(
        team=team, user=owner, vendor="photon", label="P", base_url=sandbox.base_url("photon")
    )
    DeviceLogin.objects.filter(pk=login.pk).update(verification_uri_complete="javascript:alert(1)")
    client.force_login(owner)
    page = client.get(
        reverse("dashboard:device_login_status", args=[login.reference])
    ).content.decode()
    assert "javascript:" not in page and "Open Photon to approve" not in page
    assert login.user_code in page


def test_imported_names_are_trimmed(r4_account, member, sandbox):
    made = services.project_create(
        account=r4_account,
        user=member,
        data={"name": "Padded"},
        idempotency_key="6f1c1a0e-1111-4a4a-9b9b-000000000001",
    )
    sandbox.vendors["r4"].projects["team0001"][made.remote_id]["name"] = "  Padded at R4 \t"
    Project.objects.all().delete()
    services.account_import(account=r4_account, user=member, remote_ids=[made.remote_id])
    imported = Project.objects.get()
    assert imported.name == "Padded at R4" and imported.status == ProjectStatus.CREATED


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("user_code", "ABCD-\x00EFG", "can't show as sent"),
        ("user_code", "A" * 33, "can't show as sent"),
        ("verification_uri", "https://photon.example/device/" + "x" * 500, "could not read"),
    ],
    ids=["nul-in-code", "code-too-long", "address-too-long"],
)
def test_a_sign_in_code_or_address_that_cannot_be_shown_as_sent_starts_nothing(
    team, owner, sandbox, field, value, said
):
    sandbox.vendors["photon"].enforce_interval = False
    sandbox.inject("mutate", vendor="photon", path_contains="device/code", field=field, value=value)
    with pytest.raises(services.ServiceError, match=said):
        services.device_login_start(
            team=team, user=owner, vendor="photon", label="P", base_url=sandbox.base_url("photon")
        )
    assert not DeviceLogin.objects.exists()
