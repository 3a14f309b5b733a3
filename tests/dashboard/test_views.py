"""Views as a user sees them: full pages, htmx fragments, redirects."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.models import AccountStatus, Project, ProjectStatus, VendorAccount
from providers.sandbox.r4 import mint_key
from tests.dashboard.forms import post_connect
from tests.factories import ProjectFactory

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_member(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner)
    return client


def form_data(account, **fields):
    data = {
        "account": account.pk,
        "idempotency_key": str(uuid.uuid4()),
        "name": "Staging - Billing",
        "externalId": "",
        "description": "",
    }
    data.update(fields)
    return data


def test_anonymous_users_go_to_the_login_page(client, db):
    response = client.get(reverse("dashboard:project_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    page = client.get(reverse("login"))
    assert b"Log in" in page.content and b"htmx-2.min.js" in page.content
    assert b"unpkg" not in page.content and b"cdn" not in page.content.lower()
    assert "script-src 'self' 'nonce-" in page["Content-Security-Policy"]


def test_login_lands_on_the_project_list(client, member):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("login"), {"username": "member", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard:project_list")
    assert b"<h1>Projects</h1>" in response.content


def test_choosing_an_account_swaps_in_its_vendor_form(as_member, r4_account):
    response = as_member.get(reverse("dashboard:project_new"), {"account": r4_account.pk}, **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="vendor-form">')
    assert "<html" not in html
    assert 'name="name"' in html and 'data-counter-max="255"' in html and "required" in html
    assert 'name="externalId"' in html and 'data-counter-max="1000"' in html
    assert "maxlength" not in html  # a long paste is never cut: the check says it is too long
    assert 'name="idempotency_key"' in html
    assert "0 / 255" in html  # the live counter


def test_the_full_page_works_without_javascript(as_member, r4_account):
    response = as_member.get(reverse("dashboard:project_new"), {"account": r4_account.pk})
    html = response.content.decode()
    assert "<html" in html and "<noscript>" in html and 'action="/projects/new/"' in html


def test_live_validation_shows_the_error_for_the_field_being_typed(as_member, r4_account, sandbox):
    data = form_data(r4_account, name="x" * 256, _field="name")
    response = as_member.post(reverse("dashboard:project_validate"), data, **HX)
    html = response.content.decode()
    # Only the message is sent: the live region it goes into stays in the page.
    assert 'id="feedback-name"' not in html and 'class="error" data-invalid' in html
    assert "the most this vendor accepts is 255" in html
    assert "256 / 255" in html
    assert sandbox.calls("r4") == [] and Project.objects.count() == 0


def test_live_validation_of_a_good_value_says_so(as_member, r4_account):
    response = as_member.post(
        reverse("dashboard:project_validate"), form_data(r4_account, _field="description"), **HX
    )
    assert b"Looks good." in response.content


def test_live_validation_of_an_unknown_field_is_404(as_member, r4_account):
    response = as_member.post(
        reverse("dashboard:project_validate"), form_data(r4_account, _field="secret"), **HX
    )
    assert response.status_code == 404


def test_htmx_create_redirects_the_client_to_the_project(as_member, r4_account, sandbox):
    response = as_member.post(reverse("dashboard:project_new"), form_data(r4_account), **HX)
    project = Project.objects.get()
    assert response["HX-Redirect"] == reverse("dashboard:project_detail", args=[project.reference])
    page = as_member.get(response["HX-Redirect"]).content.decode()
    assert "Created at R4 with id" in page and project.remote_id in page
    assert "every 2s" not in page


def test_plain_post_create_redirects(as_member, r4_account, sandbox):
    response = as_member.post(reverse("dashboard:project_new"), form_data(r4_account))
    assert response.status_code == 302
    assert Project.objects.get().status == ProjectStatus.CREATED


def test_a_double_submit_through_the_view_makes_one_vendor_call(as_member, r4_account, sandbox):
    data = form_data(r4_account)
    first = as_member.post(reverse("dashboard:project_new"), data, **HX)
    second = as_member.post(reverse("dashboard:project_new"), data, **HX)
    assert first["HX-Redirect"] == second["HX-Redirect"]
    assert len(sandbox.calls("r4", method="POST")) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Name is required."),
        ({"name": "   "}, "Name is required."),
        ({"name": "a\x00b"}, "control characters"),
        ({"description": "d" * 1001}, "most this vendor accepts is 1000"),
    ],
)
def test_bad_input_re_renders_the_form_with_the_error_and_calls_nobody(
    as_member, r4_account, sandbox, fields, message
):
    response = as_member.post(
        reverse("dashboard:project_new"), form_data(r4_account, **fields), **HX
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Project.objects.count() == 0 and sandbox.calls("r4") == []


def test_a_vendor_refusal_is_shown_on_the_form_with_a_fresh_key(as_member, r4_account, sandbox):
    sandbox.inject("error_400", vendor="r4")
    data = form_data(r4_account)
    response = as_member.post(reverse("dashboard:project_new"), data, **HX)
    html = response.content.decode()
    assert "R4 refused the project" in html and "verify your input" in html
    assert Project.objects.get().status == ProjectStatus.FAILED
    assert data["idempotency_key"] not in html  # the next try is a new attempt
    assert 'value="Staging - Billing"' in html  # what the user typed is kept


def test_outcome_unknown_goes_to_the_detail_page_and_says_so(as_member, r4_account, sandbox):
    sandbox.inject("drop", vendor="r4")
    response = as_member.post(reverse("dashboard:project_new"), form_data(r4_account), **HX)
    page = as_member.get(response["HX-Redirect"]).content.decode()
    assert "Outcome unknown" in page and "will not be re-sent automatically" in page


def test_a_pending_project_polls_until_final(as_member, r4_account):
    project = ProjectFactory(account=r4_account, status=ProjectStatus.PENDING)
    url = reverse("dashboard:project_detail", args=[project.reference])
    page = as_member.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page
    project.status, project.remote_id = ProjectStatus.CREATED, "a" * 24
    project.save()
    fragment = as_member.get(url, **HX).content.decode()
    assert fragment.lstrip().startswith('<section id="project-status"')
    assert "every 2s" not in fragment and "a" * 24 in fragment


def test_the_list_refreshes_itself_while_a_project_on_it_is_pending(as_member, r4_account):
    project = ProjectFactory(account=r4_account, status=ProjectStatus.PENDING)
    ProjectFactory(account=r4_account, status=ProjectStatus.CREATED)
    url = reverse("dashboard:project_list")
    assert as_member.get(url).content.decode().count('hx-trigger="every 3s"') == 1
    fragment = as_member.get(url, {"vendor": "r4"}, **HX).content.decode()
    assert fragment.count('hx-trigger="every 3s"') == 1
    assert 'hx-get="?vendor=r4"' in fragment  # it polls the same filtered view
    project.status = ProjectStatus.CREATED
    project.save()
    assert "every 3s" not in as_member.get(url, **HX).content.decode()


def test_a_history_restore_gets_the_full_page(as_member, r4_account):
    response = as_member.get(
        reverse("dashboard:project_list"), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX
    )
    assert b"<html" in response.content


def test_list_filters_search_sort_and_paginate(as_member, r4_account):
    ProjectFactory(account=r4_account, name="Alpha", status=ProjectStatus.CREATED)
    ProjectFactory(account=r4_account, name="Beta", status=ProjectStatus.FAILED)
    for i in range(30):
        ProjectFactory(account=r4_account, name=f"Bulk {i}", status=ProjectStatus.CREATED)
    url = reverse("dashboard:project_list")
    html = as_member.get(url, {"status": "failed"}, **HX).content.decode()
    assert html.lstrip().startswith('<div id="project-table"')
    assert "Beta" in html and "Alpha" not in html
    html = as_member.get(url, {"q": "alp"}, **HX).content.decode()
    assert "Alpha" in html and "Beta" not in html
    html = as_member.get(url, {"sort": "name"}, **HX).content.decode()
    assert html.index("Alpha") < html.index("Beta")
    html = as_member.get(url).content.decode()
    assert "Page 1 of 2 (32 projects)" in html and "after=" in html
    html = as_member.get(
        url, {"vendor": "nope", "status": "<script>", "account": "x", "after": "999", "sort": "id;"}
    ).content.decode()
    assert "Page 1 of 2" in html  # nonsense filters are ignored, never a 500


def test_viewers_can_read_but_not_create(client, viewer, r4_account):
    client.force_login(viewer)
    assert client.get(reverse("dashboard:project_list")).status_code == 200
    assert (
        client.get(reverse("dashboard:project_new"), {"account": r4_account.pk}).status_code == 404
    )
    assert client.post(reverse("dashboard:project_new"), form_data(r4_account)).status_code == 404
    assert Project.objects.count() == 0


def test_connect_an_account_through_the_form(as_owner, team, sandbox):
    key = mint_key("view0001")
    response = post_connect(as_owner, "r4", team, sandbox.base_url("r4"), api_key=key)
    account = VendorAccount.objects.get()
    assert response["Location"] == reverse("dashboard:account_detail", args=[account.pk])
    page = as_owner.get(response["Location"]).content.decode()
    assert "rk_view0001.••••" in page and key.split(".")[1] not in page


@pytest.mark.parametrize(
    ("api_key", "message"),
    [
        ("", "API key is required."),
        ("rk_short", "look like an R4 API key"),
        (mint_key("view0002", "forged"), "R4 rejected the API key"),
    ],
)
def test_connect_errors_sit_on_the_key_field_and_save_nothing(
    as_owner, team, sandbox, api_key, message
):
    response = post_connect(as_owner, "r4", team, sandbox.base_url("r4"), api_key=api_key)
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert VendorAccount.objects.count() == 0
    if api_key:
        assert api_key not in html  # a typed key is never echoed back


@pytest.mark.parametrize("base_url", ["ftp://x", "not a url", "http://u:p@127.0.0.1/"])
def test_connect_refuses_bad_base_urls_without_calling(as_owner, team, sandbox, base_url):
    response = post_connect(as_owner, "r4", team, base_url, api_key=mint_key("view0003"))
    assert response.status_code == 200 and VendorAccount.objects.count() == 0
    assert sandbox.calls("r4") == []


def test_replace_verify_and_disconnect(as_owner, r4_account, sandbox):
    url = reverse("dashboard:account_replace", args=[r4_account.pk])
    as_owner.post(url, {"base_url": r4_account.base_url, "api_key": mint_key("repl0001")})
    assert VendorAccount.objects.get().credential_hint == "rk_repl0001.••••"
    as_owner.post(reverse("dashboard:account_verify", args=[r4_account.pk]))
    as_owner.post(reverse("dashboard:account_disconnect", args=[r4_account.pk]))
    account = VendorAccount.objects.get()
    assert account.status == AccountStatus.DISCONNECTED
    page = as_owner.get(reverse("dashboard:account_detail", args=[account.pk])).content.decode()
    assert "Disconnected" in page and "account.disconnected" not in page


@pytest.mark.parametrize(
    ("status", "changes", "action"),
    [
        (ProjectStatus.CREATED, {"remote_id": "a" * 24}, "Refresh from vendor"),
        (ProjectStatus.UNKNOWN, {}, "Check at vendor"),
        (ProjectStatus.FAILED, {"error_kind": "unavailable"}, "Retry (same request)"),
    ],
)
def test_the_project_page_shows_each_action_and_row_once(
    as_member, r4_account, status, changes, action
):
    project = ProjectFactory(account=r4_account, status=status, **changes)
    html = as_member.get(
        reverse("dashboard:project_detail", args=[project.reference])
    ).content.decode()
    assert html.count(action) == 1
    assert html.count("<dt>Origin</dt>") == 1 and html.count('id="project-status"') == 1


@pytest.mark.parametrize(
    ("vendor", "title"),
    [
        ("r4", "Connect with an API key"),
        ("photon", "Or paste an access token"),
        ("devkit4ai", "Sign in with your Dev Kit for AI account"),
        ("otas", "Sign in with your OTAS account, or paste a user token"),
    ],
)
def test_each_connect_page_speaks_of_its_own_sign_in_method(as_owner, vendor, title):
    html = as_owner.get(reverse("dashboard:account_connect", args=[vendor])).content.decode()
    assert html.count(title) == 1
    if vendor in ("devkit4ai", "otas"):
        assert "API key" not in html


def test_a_refused_connect_form_never_shows_anything_of_the_typed_secret(as_owner, team, sandbox):
    html = as_owner.post(
        reverse("dashboard:account_connect", args=["r4"]),
        {"team": team.pk, "label": "R4", "base_url": sandbox.base_url("r4"), "api_key": "rk_x.y"},
    ).content.decode()
    assert "R4 rejected the API key" in html
    assert 'data-counter-for="id_api_key"' not in html and "rk_x.y" not in html


@pytest.mark.parametrize("label", ["", " ", "a\x00b", "tab\there", "x" * 101])
def test_a_bad_account_label_is_refused_even_with_a_good_key(as_owner, team, sandbox, label):
    response = post_connect(
        as_owner, "r4", team, sandbox.base_url("r4"), label=label, api_key=mint_key("team0001")
    )
    assert response.status_code == 200 and "1 to 100 characters" in response.content.decode()
    assert VendorAccount.objects.count() == 0


def test_a_pending_project_shows_its_steps_in_a_stable_live_region(as_member, r4_account):
    project = ProjectFactory(
        account=r4_account, status=ProjectStatus.PENDING, queued_at=timezone.now()
    )
    url = reverse("dashboard:project_detail", args=[project.reference])
    page = as_member.get(url).content.decode()
    assert "Waiting for a worker to send it" in page
    assert page.count('<div aria-live="polite">') == 1
    project.attempted_at = timezone.now()
    project.save()
    fragment = as_member.get(url, **HX).content.decode()
    assert "Sent to R4" in fragment and "Waiting for R4 to answer" in fragment
    assert "aria-live" not in fragment  # the region stays; only its content is new
