"""Dev Kit for AI in the dashboard: no stored password, token refresh, tiers, guidance."""

import logging
import threading
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from dashboard import services
from dashboard.models import AccountStatus, AuditEvent, Project, ProjectStatus, VendorAccount
from providers.sandbox.devkit4ai import DEMO_DEVELOPER_KEY, DEMO_EMAIL, DEMO_PASSWORD
from tests.conftest import database_bytes
from tests.dashboard.forms import HX, post_new_project
from tests.factories import ProjectFactory, connect_devkit4ai


def connect_form(team, sandbox, **typed):
    return {
        "team": team.pk,
        "label": "DevKit",
        "base_url": sandbox.base_url("devkit4ai"),
        "email": DEMO_EMAIL,
        "password": DEMO_PASSWORD,
        "developer_key": DEMO_DEVELOPER_KEY,
        **typed,
    }


@pytest.fixture
def devkit_account(team, owner, sandbox):
    return connect_devkit4ai(team, owner, sandbox)


def create(account, user, name="Staging - Mobile App", key=None):
    return services.project_create(
        account=account, user=user, data={"name": name}, idempotency_key=key or uuid.uuid4()
    )


@pytest.mark.django_db(transaction=True)
def test_connect_stores_tokens_encrypted_and_never_the_password(
    client, team, owner, sandbox, caplog
):
    caplog.set_level(logging.DEBUG)
    client.force_login(owner)
    response = client.post(
        reverse("dashboard:account_connect", args=["devkit4ai"]), connect_form(team, sandbox)
    )
    account = VendorAccount.objects.get()
    assert response["Location"] == reverse("dashboard:account_detail", args=[account.pk])
    assert "password" not in account.credentials and account.credentials["access_token"]
    assert (
        account.plan == "free_starter" and account.credential_hint == f"{DEMO_EMAIL} · key ••••cdef"
    )
    page = client.get(response["Location"]).content.decode()
    assert "Free Starter" in page and DEMO_DEVELOPER_KEY not in page
    assert DEMO_PASSWORD not in caplog.text and DEMO_DEVELOPER_KEY not in caplog.text
    raw = database_bytes()
    assert b"DevKit" in raw
    assert DEMO_PASSWORD.encode() not in raw and DEMO_DEVELOPER_KEY.encode() not in raw
    assert account.credentials["access_token"].encode() not in raw


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ({"password": "wrong-password"}, "email or password is wrong"),
        ({"email": "inactive@sandbox.devkit.test"}, "not activated"),
        ({"developer_key": "bad key"}, "one word, without spaces"),
        ({"developer_key": "dk_short"}, "refused the developer key"),  # its length is its business
        ({"developer_key": "dk_wellformed_but_wrong"}, "refused the developer key"),
    ],
)
def test_connect_failures_each_say_what_is_wrong_and_save_nothing(
    client, team, owner, sandbox, typed, words
):
    client.force_login(owner)
    html = client.post(
        reverse("dashboard:account_connect", args=["devkit4ai"]),
        connect_form(team, sandbox, **typed),
    )
    assert words in html.content.decode()
    assert VendorAccount.objects.count() == 0
    assert DEMO_PASSWORD not in html.content.decode()


def test_rotated_tokens_are_stored_again(devkit_account, member, sandbox):
    devkit_account.credentials = {**devkit_account.credentials, "access_expires_at": "1"}
    devkit_account.save()
    old_refresh = devkit_account.credentials["refresh_token"]
    project = create(devkit_account, member)
    assert project.status == ProjectStatus.CREATED
    stored = VendorAccount.objects.get().credentials
    assert stored["refresh_token"] != old_refresh and int(stored["access_expires_at"]) > 1


def test_a_refused_refresh_flags_the_account_and_stops_further_calls(
    devkit_account, member, sandbox
):
    stand_in = sandbox.vendors["devkit4ai"]
    stand_in.revoked_refresh.add(devkit_account.credentials["refresh_token"])
    devkit_account.credentials = {**devkit_account.credentials, "access_expires_at": "1"}
    devkit_account.save()
    project = create(devkit_account, member)
    assert project.status == ProjectStatus.FAILED and "sign in again" in project.error_message
    account = VendorAccount.objects.get()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    calls = len(sandbox.calls("devkit4ai"))
    with pytest.raises(services.ServiceError, match="reconnect"):
        create(account, member, name="Staging - Second")
    assert len(sandbox.calls("devkit4ai")) == calls


def test_at_the_tier_limit_the_create_is_refused_before_the_vendor(devkit_account, member, sandbox):
    ProjectFactory.create_batch(5, account=devkit_account, status=ProjectStatus.CREATED)
    ProjectFactory(account=devkit_account, status=ProjectStatus.FAILED)  # failed ones don't count
    with pytest.raises(services.ServiceError) as caught:
        create(devkit_account, member)
    assert (
        "Free Starter" in caught.value.message
        and "allows 5 active projects" in caught.value.message
    )
    assert sandbox.calls("devkit4ai", method="POST", path="/api/v1/projects/") == []
    assert Project.objects.count() == 6


def test_an_admin_changing_the_plan_raises_the_limit(
    client, devkit_account, owner, member, sandbox
):
    ProjectFactory.create_batch(5, account=devkit_account, status=ProjectStatus.CREATED)
    client.force_login(member)
    assert (
        client.post(
            reverse("dashboard:account_plan", args=[devkit_account.pk]), {"plan": "cloud_starter"}
        ).status_code
        == 404
    )
    client.force_login(owner)
    client.post(
        reverse("dashboard:account_plan", args=[devkit_account.pk]), {"plan": "cloud_starter"}
    )
    assert VendorAccount.objects.get().plan == "cloud_starter"
    assert AuditEvent.objects.filter(action="account.plan_changed").exists()
    client.post(reverse("dashboard:account_plan", args=[devkit_account.pk]), {"plan": "platinum"})
    assert VendorAccount.objects.get().plan == "cloud_starter"
    assert create(VendorAccount.objects.get(), member).status == ProjectStatus.CREATED


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_at_four_of_five_let_exactly_one_through(
    devkit_account, member, sandbox
):
    ProjectFactory.create_batch(4, account=devkit_account, status=ProjectStatus.CREATED)
    barrier = threading.Barrier(4)
    outcomes = []

    def submit(i):
        barrier.wait()
        try:
            create(
                VendorAccount.objects.get(pk=devkit_account.pk), member, name=f"Staging - Race {i}"
            )
            outcomes.append("created")
        except services.ServiceError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "refused", "refused", "refused"]
    assert Project.objects.filter(status=ProjectStatus.CREATED).count() == 5
    assert len(sandbox.calls("devkit4ai", method="POST", path="/api/v1/projects/")) == 1


def test_the_vendors_own_tier_refusal_is_shown(client, devkit_account, member, sandbox):
    stand_in = sandbox.vendors["devkit4ai"]
    owner_id = next(iter(stand_in.users.values()))["id"]
    for i in range(5):  # projects made elsewhere: the vendor knows, we don't
        stand_in.projects[str(i)] = {"id": str(i), "owner_id": owner_id, "is_active": True}
    client.force_login(member)
    html = post_new_project(
        client, devkit_account, htmx=True, name="Staging - Mobile App"
    ).content.decode()
    assert "reached its subscription tier" in html
    assert Project.objects.get().status == ProjectStatus.FAILED


def test_a_422_lands_on_the_field_loc_names(client, devkit_account, member, sandbox):
    sandbox.inject("error_400", vendor="devkit4ai", path_contains="projects", method="POST")
    client.force_login(member)
    html = post_new_project(
        client, devkit_account, htmx=True, name="Staging - Mobile App"
    ).content.decode()
    assert "Project name is invalid" in html.split('id="feedback-name"')[1].split("</div>")[0]


def test_guidance_shows_live_as_advice_and_never_blocks(client, devkit_account, member, sandbox):
    create(devkit_account, member, name="Staging - Mobile App")
    client.force_login(member)
    url = reverse("dashboard:project_validate")
    data = {"account": devkit_account.pk, "idempotency_key": str(uuid.uuid4()), "_field": "name"}
    html = client.post(url, {**data, "name": "Test"}, **HX).content.decode()
    assert 'class="advice"' in html and "generic" in html and 'class="error"' not in html
    html = client.post(url, {**data, "name": "staging - mobile app"}, **HX).content.decode()
    assert "already has this name" in html
    html = client.post(url, {**data, "name": "Ok"}, **HX).content.decode()
    assert "at least 3 characters" in html  # a limit is an error, advice is not
    response = client.post(reverse("dashboard:project_new"), {**data, "name": "Test"}, **HX)
    assert "HX-Redirect" in response  # advice did not stop the submit
