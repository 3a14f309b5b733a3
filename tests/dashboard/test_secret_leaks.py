"""A secret must never reach the database file, a page, a log line or the admin."""

import logging
import uuid

import pytest
from django.urls import reverse

from dashboard.models import Project, VendorAccount
from providers.sandbox.r4 import mint_key
from tests.conftest import database_bytes
from tests.dashboard.forms import post_connect, post_new_project

KEY = mint_key("leak0001")
SECRET_PART = KEY.split(".", 1)[1]
PROJECT_SECRET = "ps_live_DoNotShowThisAnywhere_42"


@pytest.fixture
def admin_user(owner):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    return owner


def _walk_the_product(client, team, sandbox):
    """Connect, create, browse and administer; returns every HTML page seen."""
    pages = []
    response = post_connect(
        client, "r4", team, sandbox.base_url("r4"), label="Leaky?", follow=True, api_key=KEY
    )
    pages.append(response.content)
    account = VendorAccount.objects.get()
    response = post_new_project(client, account, follow=True, name="Staging - Leak check")
    pages.append(response.content)
    project = Project.objects.get()
    # A vendor-issued secret (Photon's projectSecret, later) is stored the same way.
    project.secrets = {"projectSecret": PROJECT_SECRET}
    project.save()
    for url in (
        reverse("dashboard:project_list"),
        reverse("dashboard:project_detail", args=[project.reference]),
        reverse("dashboard:account_list"),
        reverse("dashboard:account_detail", args=[account.pk]),
        reverse("dashboard:account_replace", args=[account.pk]),
        reverse("admin:dashboard_vendoraccount_changelist"),
        reverse("admin:dashboard_vendoraccount_change", args=[account.pk]),
        reverse("admin:dashboard_vendoraccount_replace_credentials", args=[account.pk]),
        reverse("admin:dashboard_project_changelist"),
        reverse("admin:dashboard_project_change", args=[project.pk]),
        reverse("admin:dashboard_auditevent_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.content)
    # A failed key replacement re-renders the form: the typed key must not come back.
    response = client.post(
        reverse("dashboard:account_replace", args=[account.pk]),
        {"base_url": account.base_url, "api_key": KEY[:-1] + "X"},
    )
    pages.append(response.content)
    return pages, account, project


@pytest.mark.django_db(transaction=True)
def test_no_secret_in_pages_logs_or_the_sqlite_file(client, team, admin_user, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(admin_user)
    pages, _account, project = _walk_the_product(client, team, sandbox)
    assert project.status == "created"

    for html in pages:
        assert SECRET_PART.encode() not in html
        assert PROJECT_SECRET.encode() not in html
    assert (
        b"rk_leak0001.\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2" in pages[0]
    )  # the hint is shown

    assert SECRET_PART not in caplog.text and PROJECT_SECRET not in caplog.text

    raw = database_bytes()
    assert b"Staging - Leak check" in raw  # the search would find plaintext
    assert SECRET_PART.encode() not in raw
    assert PROJECT_SECRET.encode() not in raw
    # ...and the values are still there, encrypted.
    assert VendorAccount.objects.get().credentials["api_key"] == KEY
    assert Project.objects.get().secrets["projectSecret"] == PROJECT_SECRET


def test_no_secret_in_task_arguments(r4_account, member, sandbox, monkeypatch):
    from dashboard import services, tasks

    seen = []
    real = tasks.submit_project.enqueue

    def spy(*args, **kwargs):
        seen.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(type(tasks.submit_project), "enqueue", lambda self, *a, **k: spy(*a, **k))
    services.project_create(
        account=r4_account, user=member, data={"name": "Staging - T"}, idempotency_key=uuid.uuid4()
    )
    assert seen == [((Project.objects.get().pk,), {})]


def test_admin_credentials_field_is_write_only_and_blank_keeps_them(
    client, admin_user, r4_account, sandbox
):
    client.force_login(admin_user)
    change = reverse("admin:dashboard_vendoraccount_change", args=[r4_account.pk])
    assert client.post(change, {"label": "Renamed"}).status_code == 302
    account = VendorAccount.objects.get()
    assert (
        account.label == "Renamed"
        and account.credentials["api_key"] == r4_account.credentials["api_key"]
    )

    url = reverse("admin:dashboard_vendoraccount_replace_credentials", args=[r4_account.pk])
    page = client.get(url).content.decode()
    assert 'name="api_key"' in page and 'type="password"' in page
    assert r4_account.credentials["api_key"] not in page
    data = {"base_url": r4_account.base_url}
    new_key = mint_key("admin001")
    client.post(url, {**data, "api_key": new_key})
    assert VendorAccount.objects.get().credentials["api_key"] == new_key
    bad = client.post(url, {**data, "api_key": "rk_bad SHOWN_IF_ECHOED"}).content
    assert b"SHOWN_IF_ECHOED" not in bad and b"look like an R4 API key" in bad
    refused = client.post(url, {**data, "api_key": "rk_bad.SHOWN_IF_ECHOED"}).content
    assert b"SHOWN_IF_ECHOED" not in refused and b"R4 rejected" in refused


def test_the_audit_trail_is_read_only_in_admin(client, admin_user, r4_account, sandbox):
    from dashboard import services
    from dashboard.models import AuditEvent

    services.account_verify(account=r4_account, user=admin_user)
    event = AuditEvent.objects.get()
    client.force_login(admin_user)
    page = client.get(reverse("admin:dashboard_auditevent_change", args=[event.pk])).content
    assert b'name="summary"' not in page
    assert (
        client.post(
            reverse("admin:dashboard_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_photon_token_and_project_secret_never_leak(client, team, admin_user, sandbox, caplog):
    from providers.sandbox.photon import mint_token

    caplog.set_level(logging.DEBUG)
    client.force_login(admin_user)
    token = mint_token("leaky")
    post_connect(
        client, "photon", team, sandbox.base_url("photon"), label="Photon", access_token=token
    )
    account = VendorAccount.objects.get()
    response = post_new_project(
        client, account, follow=True, name="Staging - Photon leak check", spectrum="on"
    )
    project = Project.objects.get()
    secret = project.secrets["projectSecret"]
    pages = [response.content] + [
        client.get(url).content
        for url in (
            reverse("dashboard:project_list"),
            reverse("dashboard:project_detail", args=[project.reference]),
            reverse("dashboard:account_detail", args=[account.pk]),
            reverse("admin:dashboard_project_change", args=[project.pk]),
            reverse("admin:dashboard_vendoraccount_change", args=[account.pk]),
            reverse("admin:dashboard_auditevent_changelist"),
        )
    ]
    for html in pages:
        assert token.encode() not in html and secret.encode() not in html
    assert token not in caplog.text and secret not in caplog.text
    raw = database_bytes()
    assert b"Staging - Photon leak check" in raw
    assert token.encode() not in raw and secret.encode() not in raw


@pytest.mark.django_db(transaction=True)
def test_an_api_token_is_shown_once_and_kept_nowhere(client, team, admin_user, caplog):
    import re

    from dashboard import services
    from dashboard.models import ApiToken

    caplog.set_level(logging.DEBUG)
    client.force_login(admin_user)
    created = client.post(
        reverse("dashboard:api_token_list"),
        {"name": "Leak check CI", "team": team.pk, "role": "member", "expires": "30"},
    )
    (token,) = re.findall(r"vdash_[A-Za-z0-9_-]{43}", created.content.decode())
    assert services.api_identity_from_authorization(f"Bearer {token}").user == admin_user
    row = ApiToken.objects.get()
    pages = [
        client.get(url).content
        for url in (
            reverse("dashboard:api_token_list"),
            reverse("dashboard:api_token_revoke", args=[row.pk]),
            reverse("dashboard:activity"),
            reverse("admin:dashboard_apitoken_changelist"),
            reverse("admin:dashboard_apitoken_change", args=[row.pk]),
            reverse("admin:dashboard_auditevent_changelist"),
        )
    ]
    for html in pages:
        assert token.encode() not in html
    assert row.hint.encode() in pages[0]  # the hint is shown
    assert token not in caplog.text
    raw = database_bytes()
    assert b"Leak check CI" in raw  # the search would find plaintext
    assert token.encode() not in raw and token[6:].encode() not in raw
