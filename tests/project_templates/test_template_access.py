"""Every template URL for an admin, a member, a viewer and an outsider (an admin of another
team), plain and as htmx, each on fresh data: changing a template is for the team's
admins, using one for its members; another team's template is a 404 that names nothing of
it, and a refused request changes nothing and calls no vendor."""

import pytest
from django.urls import reverse

from dashboard.models import AuditEvent, Batch, ProjectTemplate

ROLES = ("owner", "member", "viewer", "outsider")
ADMIN_PAGE = {"owner": 200, "member": 404, "viewer": 404, "outsider": 404}
ADMIN_POST = {"owner": 302, "member": 404, "viewer": 404, "outsider": 404}
USE_PAGE = {"owner": 200, "member": 200, "viewer": 404, "outsider": 404}
USE_POST = {"owner": 302, "member": 302, "viewer": 404, "outsider": 404}
EVERYONE = {"owner": 200, "member": 200, "viewer": 200, "outsider": 200}


def _views(template, account):
    edit = template.get_absolute_url()
    delete = reverse("dashboard:template_delete", args=[template.pk])
    new = reverse("dashboard:template_new")
    batch = reverse("dashboard:template_batch_new")
    project = reverse("dashboard:project_new")
    saved = {"name": "Renamed", "account": account.pk, "name_pattern": "{env}"}
    values = {"template": template.pk, "name": "B", "value_app": "a", "value_env": "b"}
    return {
        "list": ("get", reverse("dashboard:template_list"), {}, EVERYONE),
        "new with the team's account": ("get", new, {"account": account.pk}, ADMIN_PAGE),
        "new, saved": ("post", new, {**saved, "name": "Another"}, ADMIN_POST),
        "edit": ("get", edit, {}, ADMIN_PAGE),
        "edit, saved": ("post", edit, saved, ADMIN_POST),
        "edit, fields swapped": ("get", edit, {"account": account.pk}, ADMIN_PAGE),
        "delete": ("get", delete, {}, ADMIN_PAGE),
        "delete, confirmed": ("post", delete, {}, ADMIN_POST),
        "batch from it": ("get", batch, {"template": template.pk}, USE_PAGE),
        "batch from it, made": ("post", batch, values, USE_POST),
        "project from it": ("get", project, {"template": template.pk}, USE_PAGE),
    }


VIEWS = (
    "list", "new with the team's account", "new, saved", "edit", "edit, saved",
    "edit, fields swapped", "delete", "delete, confirmed", "batch from it",
    "batch from it, made", "project from it",
)  # fmt: skip


def _state():
    templates = list(ProjectTemplate.objects.order_by("pk").values_list("pk", "name", "defaults"))
    return templates, AuditEvent.objects.count(), Batch.objects.count()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ROLES)
def test_every_template_url_answers_by_role(
    client, request, template, r4_account, outsider_account, role, view, htmx, sandbox
):
    client.force_login(request.getfixturevalue(role))
    method, url, data, expected = _views(template, r4_account)[view]
    before = _state()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = getattr(client, method)(url, data, **headers)
    assert response.status_code == expected[role], f"{role} {view}: {response.status_code}"
    body = response.content.decode()
    if role == "outsider":
        assert "Checkout" not in body and "Made from a template" not in body
    if response.status_code == 404:
        assert _state() == before
    assert sandbox.calls() == []


@pytest.mark.parametrize(
    "path",
    [
        "/templates/999999/",
        "/templates/0/",
        "/templates/99999999999999999999/",
        "/templates/%D9%A1/",  # an Arabic-Indic digit one
        "/templates/abc/",
        "/templates/999999/delete/",
    ],
)
def test_guessed_or_malformed_template_urls_are_404(client, owner, template, path):
    client.force_login(owner)
    assert client.get(path).status_code == 404


def test_a_viewer_or_member_of_one_team_and_admin_of_another_changes_only_the_other(
    client, member, template, other_team, outsider_account
):
    from dashboard.models import Membership, Role

    Membership.objects.create(user=member, team=other_team, role=Role.ADMIN)
    client.force_login(member)
    assert client.get(template.get_absolute_url()).status_code == 404
    page = client.get(reverse("dashboard:template_new")).content.decode()
    assert "Elsewhere R4" in page and "R4 account" not in page
