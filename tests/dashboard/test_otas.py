"""OTAS in the dashboard: connect by login or token, SSRF refusals, invalid token, create."""

import logging
import uuid

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import AccountStatus, Project, ProjectStatus, VendorAccount
from providers.sandbox.otas import DEMO_EMAIL, DEMO_PASSWORD, mint_token
from tests.dashboard.forms import HX, post_connect, post_new_project
from tests.factories import connect_account


def connect(client, team, base_url, **typed):
    return post_connect(client, "otas", team, base_url, label="OTAS self-hosted", **typed)


@pytest.fixture
def otas_account(team, owner, sandbox):
    credentials = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    return connect_account(team, owner, sandbox, "otas", credentials, label="OTAS")


def test_connect_by_login_keeps_only_the_token(client, team, owner, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(owner)
    connect(client, team, sandbox.base_url("otas"), email=DEMO_EMAIL, password=DEMO_PASSWORD)
    account = VendorAccount.objects.get()
    assert set(account.credentials) == {"user_token"} and account.identity == DEMO_EMAIL
    assert DEMO_PASSWORD not in caplog.text and account.credentials["user_token"] not in caplog.text


def test_connect_with_a_pasted_token(client, team, owner, sandbox):
    client.force_login(owner)
    token = mint_token(DEMO_EMAIL)
    connect(client, team, sandbox.base_url("otas"), user_token=token)
    account = VendorAccount.objects.get()
    assert account.credentials == {"user_token": token}
    assert (
        token
        not in client.get(reverse("dashboard:account_detail", args=[account.pk])).content.decode()
    )


@pytest.mark.parametrize(
    "base_url",
    [
        "http://10.0.0.5:8000",
        "http://169.254.169.254",
        "http://[::1]:8000",
        "http://localhost:8000",
        "http://127.0.0.1:8000",
    ],
)
def test_private_base_urls_are_refused_on_the_field_with_no_request(
    client, team, owner, sandbox, settings, base_url
):
    settings.ALLOWED_VENDOR_HOSTS = []
    settings.DEBUG = True
    client.force_login(owner)
    html = connect(
        client, team, base_url, email=DEMO_EMAIL, password=DEMO_PASSWORD
    ).content.decode()
    assert "private or reserved address" in html
    assert VendorAccount.objects.count() == 0 and sandbox.calls() == []


def test_create_with_a_domain_through_the_form(client, member, otas_account, sandbox):
    client.force_login(member)
    form = client.get(
        reverse("dashboard:project_new"), {"account": otas_account.pk}, **HX
    ).content.decode()
    assert (
        'name="project_domain"' in form
        and 'type="url"' in form
        and 'data-counter-max="200"' in form
        and "maxlength" not in form
    )
    response = post_new_project(
        client,
        otas_account,
        htmx=True,
        project_name="My Agent App",
        project_description="Recommendation agent",
        project_domain="https://myapp.example.com",
    )
    project = Project.objects.get()
    assert response["HX-Redirect"] == reverse("dashboard:project_detail", args=[project.reference])
    assert project.name == "My Agent App" and project.status == ProjectStatus.CREATED
    assert project.vendor_response["domain"] == "https://myapp.example.com"


@pytest.mark.parametrize(
    "domain", ["myapp.example.com", "javascript:alert(1)", "https://" + "a" * 200 + ".com"]
)
def test_a_bad_domain_is_a_field_error_and_nothing_is_sent(
    client, member, otas_account, sandbox, domain
):
    client.force_login(member)
    calls = len(sandbox.calls("otas"))
    html = post_new_project(
        client, otas_account, htmx=True, project_name="App", project_domain=domain
    ).content.decode()
    feedback = html.split('id="feedback-project_domain"')[1].split("</div>")[0]
    assert 'class="error"' in feedback
    assert Project.objects.count() == 0 and len(sandbox.calls("otas")) == calls


def test_an_invalid_token_flags_the_account(client, member, otas_account, sandbox):
    otas_account.credentials = {"user_token": mint_token(DEMO_EMAIL, ttl=-1)}  # expired
    otas_account.save()
    project = services.project_create(
        account=otas_account,
        user=member,
        data={"project_name": "App"},
        idempotency_key=uuid.uuid4(),
    )
    assert project.status == ProjectStatus.FAILED and project.error_code == "invalid_token"
    assert VendorAccount.objects.get().status == AccountStatus.NEEDS_RECONNECT


def test_errors_list_is_shown_on_its_field(client, member, otas_account, sandbox):
    sandbox.inject("error_400", vendor="otas", method="POST")
    client.force_login(member)
    html = post_new_project(client, otas_account, htmx=True, project_name="App")
    feedback = html.content.decode().split('id="feedback-project_name"')[1].split("</div>")[0]
    assert "This field is invalid" in feedback
