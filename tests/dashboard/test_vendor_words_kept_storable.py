"""What a vendor says in passing (a create's details, who an account is, a sign-in's message)
is kept without control characters, so it can always be stored (PostgreSQL refuses NUL in
text and jsonb) and shown; a create the vendor answered is never lost, and its secret is
kept exactly as the vendor sent it."""

import json
import math
import uuid
from datetime import timedelta

from django.utils import timezone

from dashboard import services
from dashboard.models import AuditEvent, DeviceLogin, Project, ProjectStatus, VendorAccount
from tests.factories import photon_account
from tests.factories import start_photon_sign_in_due as start_due

CONTROLS = "\x00\x07\x1b\x7f\x85\ud800"  # NUL, bell, escape, DEL, a C1 control, half a pair


def create_at_photon(account, user, name="Kept answer"):
    return services.project_create(
        account=account,
        user=user,
        data={"name": name, "spectrum": True},
        idempotency_key=uuid.uuid4(),
    )


def stored_text(project) -> str:
    """The row's vendor answer as the database gives it back."""
    project.refresh_from_db()
    return json.dumps(project.vendor_response, ensure_ascii=False)


def test_a_create_answer_holding_a_nul_is_created_with_its_secret(team, owner, sandbox):
    sandbox.inject("mutate", vendor="photon", method="POST", field="status", value="act\x00ive")

    project = create_at_photon(photon_account(team, sandbox), owner)

    project.refresh_from_db()
    assert project.status == ProjectStatus.CREATED and project.remote_id
    assert project.vendor_response["status"] == "active"
    assert project.secrets["projectSecret"].startswith("ps_")
    assert len(sandbox.calls("photon", method="POST")) == 1


def test_every_string_of_a_nested_answer_is_kept_without_control_characters(team, owner, sandbox):
    nested = {
        f"no{CONTROLS}te": [f"a{CONTROLS}b", "two\nlines\tkept\r", 7, True, None],
        "ratio": math.nan,
        "deep": {"deeper": [f"x{CONTROLS}y"]},
    }
    sandbox.inject("mutate", vendor="photon", method="POST", field="template", value=nested)

    project = create_at_photon(photon_account(team, sandbox), owner)

    assert project.status == ProjectStatus.CREATED
    assert project.vendor_response["template"] == {
        "note": ["ab", "two\nlines\tkept\r", 7, True, None],
        "ratio": None,
        "deep": {"deeper": ["xy"]},
    }
    assert not any(ch in stored_text(project) for ch in CONTROLS)


def test_a_secret_is_kept_exactly_as_the_vendor_sent_it(team, owner, sandbox):
    odd_secret = "ps_\x00odd\x1b[0m\ttail"
    sandbox.inject(
        "mutate", vendor="photon", method="POST", field="projectSecret", value=odd_secret
    )

    project = create_at_photon(photon_account(team, sandbox), owner)

    fresh = Project.objects.get(pk=project.pk)
    assert fresh.status == ProjectStatus.CREATED
    assert fresh.secrets["projectSecret"] == odd_secret


def test_an_answer_that_cant_be_recorded_is_kept_unknown_with_its_secret(team, owner, sandbox):
    """The vendor answers with an id another project here already has (an import of it raced
    the answer): the answer can't be recorded as created, yet it was made at the vendor."""
    account = photon_account(team, sandbox)
    first = create_at_photon(account, owner, name="First")
    sandbox.inject("mutate", vendor="photon", method="POST", field="id", value=first.remote_id)

    second = create_at_photon(account, owner, name="Second")

    second.refresh_from_db()
    assert second.status == ProjectStatus.UNKNOWN and second.remote_id == ""
    assert second.secrets["projectSecret"].startswith("ps_")
    assert "another project here already has its id" in second.error_message
    assert "a person must look at it" in second.error_message
    assert not second.retryable
    # Made at the vendor by its own word: never concluded absent, so never sent again, even
    # when the vendor lists nothing that could be it.
    listed = sandbox.vendors["photon"].projects
    for remote_id in [r for r in listed if r != first.remote_id]:
        del listed[remote_id]
    Project.objects.filter(pk=second.pk).update(attempted_at=timezone.now() - timedelta(hours=1))
    services.projects_reconcile_unknown()
    services.account_sync(account=account)
    second.refresh_from_db()
    assert second.status == ProjectStatus.UNKNOWN
    assert len(sandbox.calls("photon", method="POST")) == 2


def test_a_verify_answer_with_control_characters_keeps_a_clean_identity(r4_account, owner, sandbox):
    sandbox.inject(
        "mutate",
        vendor="r4",
        method="GET",
        path_contains="/me",
        field="tenant.name",
        value=f"Acme{CONTROLS} Ltd",
    )

    services.account_verify(account=r4_account, user=owner)

    account = VendorAccount.objects.get(pk=r4_account.pk)
    assert account.identity == "Acme Ltd"
    event = AuditEvent.objects.get(action="account.verified")
    assert event.summary == "Credentials verified (Acme Ltd)."


def test_a_sign_in_whose_vendor_names_the_user_with_control_characters_connects(
    team, owner, sandbox, photon
):
    login = start_due(team, owner, sandbox)
    photon.approve(login.user_code, "ada")
    sandbox.inject(
        "mutate",
        vendor="photon",
        method="GET",
        path_contains="get-session",
        field="user.email",
        value=f"ada{CONTROLS}@example.test",
    )

    services.device_login_poll(login_id=login.pk)

    login.refresh_from_db()
    account = VendorAccount.objects.get(team=team, vendor="photon")
    assert account.identity == "ada@example.test"
    assert login.status == "approved" and login.message == "Connected as ada@example.test."


def test_a_sign_in_ended_by_the_vendor_in_words_with_control_characters_says_so(
    team, owner, sandbox, photon
):
    login = start_due(team, owner, sandbox)
    # (Photon's refusal is read by a schema that takes no half surrogate pair: none here.)
    photon.scripted_token_answers = [f"odd{CONTROLS.replace(chr(0xD800), '')}error"]

    services.device_login_poll(login_id=login.pk)

    login = DeviceLogin.objects.get(pk=login.pk)
    assert login.status == "failed"
    assert login.message == "Photon ended the sign-in: scripted odderror."
    assert not VendorAccount.objects.exists()
