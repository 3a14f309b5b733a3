"""A create the worker found refused: its page offers the form again, as sent, with the
vendor's words at the fields (the queue answers after the form has moved on)."""

import uuid

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import Project, ProjectStatus
from tests.factories import connect_devkit4ai

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def refused(team, owner, member, sandbox):
    account = connect_devkit4ai(team, owner, sandbox)
    sandbox.inject("error_400", vendor="devkit4ai", path_contains="projects", method="POST")
    project = services.project_create(
        account=account,
        user=member,
        data={"name": "Staging - Refused"},
        idempotency_key=uuid.uuid4(),
    )
    assert project.status == ProjectStatus.FAILED and project.error_fields
    return project


def fix_url(project):
    return (
        f"{reverse('dashboard:project_new')}?account={project.account_id}&fix={project.reference}"
    )


def test_the_refused_projects_page_links_to_the_form_to_fix_it(client, member, refused):
    client.force_login(member)
    html = client.get(
        reverse("dashboard:project_detail", args=[refused.reference])
    ).content.decode()
    assert html.count("Edit and submit again") == 1
    assert html.count("fix=" + str(refused.reference)) == 1


def test_the_form_to_fix_holds_what_was_sent_and_the_vendors_words_at_the_field(
    client, member, refused, sandbox
):
    client.force_login(member)
    html = client.get(fix_url(refused)).content.decode()
    assert 'value="Staging - Refused"' in html
    feedback = html.split('id="feedback-name"')[1].split("</div>")[0]
    assert "Project name is invalid" in feedback
    assert str(refused.idempotency_key) not in html  # a new key: the resubmit is a new create
    key = html.split('name="idempotency_key" value="')[1].split('"')[0]
    response = client.post(
        reverse("dashboard:project_new"),
        {"account": refused.account_id, "idempotency_key": key, "name": "Staging - Fixed"},
        **HX,
    )
    assert "HX-Redirect" in response
    assert Project.objects.get(name="Staging - Fixed").status == ProjectStatus.CREATED


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_only_members_of_the_team_may_open_it(client, request, refused, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(fix_url(refused)).status_code == 404


def test_a_malformed_or_unknown_reference_is_a_404(client, member, refused):
    client.force_login(member)
    base = f"{reverse('dashboard:project_new')}?account={refused.account_id}&fix="
    assert client.get(base + "not-a-uuid").status_code == 404
    assert client.get(base + str(uuid.uuid4())).status_code == 404
