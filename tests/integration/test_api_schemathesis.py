"""schemathesis against the API on a live gunicorn, with a real admin token: every answer
must be documented, of the declared content type and schema, and never a 500.

Runs on whichever database the suite runs on (`make test` runs it on SQLite and on
PostgreSQL): the server gets the test database through `process_env`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import requests

from dashboard import services
from dashboard.models import BatchSource, ProjectStatus, Role
from providers.errors import ErrorKind
from tests.dashboard.api_tokens import bearer, new_token
from tests.factories import ProjectFactory, photon_account

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


def phases(document: dict) -> str:
    """The stateful phase follows OpenAPI links: it runs once the document declares any."""
    answers = [
        answer
        for methods in document["paths"].values()
        for operation in methods.values()
        for answer in operation.get("responses", {}).values()
    ]
    stateful = any(answer.get("links") for answer in answers)
    return "examples,coverage,fuzzing" + (",stateful" if stateful else "")


def config_with_real_ids(path, *, references: list[str], accounts: list[int]) -> None:
    """Half the generated ids are ones that exist, so the fuzzer gets past the 404s."""
    dictionaries = {
        "references": {"values": references},
        "account_ids": {"values": [str(pk) for pk in accounts]},
        "account_values": {"values": [*accounts, *(str(pk) for pk in accounts)]},
    }
    bindings = {
        "path.reference": "references",
        "path.account_id": "account_ids",
        "query.account": "account_ids",
        "body.account": "account_values",
    }
    lines = [
        f"dictionaries.{name} = {{ values = {json.dumps(d['values'])} }}"
        for name, d in dictionaries.items()
    ]
    lines += ["[parameters]"]
    lines += [
        f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}'
        for key, name in bindings.items()
    ]
    path.write_text("\n".join(lines) + "\n")


def schemathesis_run(base_url: str, token: str, workdir) -> subprocess.CompletedProcess:
    document = requests.get(f"{base_url}/api/v1/openapi.json", timeout=30).json()
    config = workdir / "schemathesis.toml"
    args = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run"]
    args += [f"{base_url}/api/v1/openapi.json", "--header", f"Authorization: {bearer(token)}"]
    args += ["--checks", ",".join(CHECKS), "--phases", phases(document)]
    args += ["--max-examples", "40", "--seed", "24", "--workers", "2", "--no-color"]
    args += ["--generation-database", "none", "--request-timeout", "30"]
    # Its working directory is the test's own: schemathesis leaves caches there.
    return subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=900)


def test_schemathesis_finds_no_failure(
    services_running, team, owner, r4_account, sandbox, tmp_path
):
    photon = photon_account(team, sandbox)
    projects = [
        ProjectFactory(account=r4_account, created_by=owner, status=ProjectStatus.PENDING),
        ProjectFactory(
            account=r4_account,
            created_by=owner,
            status=ProjectStatus.FAILED,
            error_kind=ErrorKind.INVALID,
            error_code="name_taken",
            error_status=409,
            error_message="A project with this name exists.",
            error_fields={"name": "Taken."},
        ),
        ProjectFactory(
            account=r4_account,
            created_by=owner,
            status=ProjectStatus.CREATED,
            remote_id="r4-remote-1",
            secrets={"api_key": "sk_schemathesis"},
        ),
    ]
    batches = [
        services.batch_create(
            team=team,
            user=owner,
            name=f"Launch {n}",
            source=BatchSource.API,
            rows=[services.RowInput(account=str(r4_account.pk), fields={"name": f"launch-{n}"})],
        )
        for n in range(2)
    ]
    config_with_real_ids(
        tmp_path / "schemathesis.toml",
        references=[str(x.reference) for x in [*projects, *batches]],
        accounts=[r4_account.pk, photon.pk],
    )
    _, token = new_token(owner, team, role=Role.ADMIN, name="schemathesis")
    web = services_running.web(workers=2, threads=2, API_RATE_LIMIT="1000000")

    started = time.monotonic()
    run = schemathesis_run(web.url, token, tmp_path)
    took = time.monotonic() - started

    summary = [line for line in run.stdout.splitlines() if line.startswith("=")][-1:]
    print(f"schemathesis took {took:.0f} s: {summary}")
    server_errors = "\n".join(web.log().splitlines()[-200:])
    assert run.returncode == 0, (
        f"{run.stdout}\n{run.stderr}\n--- gunicorn (end) ---\n{server_errors}"
    )
    # The fuzzer got past the lookups: check and refresh reached the (loopback) sandbox.
    assert sandbox.calls(vendor="r4", method="GET")
