"""The API tokens page: a token shown once, errors by their fields, revoke with a confirm."""

import re

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import ApiToken, AuditAction, AuditEvent, Role
from tests.dashboard.api_tokens import bearer, new_token

HX = {"HTTP_HX_REQUEST": "true"}
PAGE = reverse("dashboard:api_token_list")
TOKEN = re.compile(rb"vdash_[A-Za-z0-9_-]{43}")


def _create(client, team, *, htmx=False, **fields):
    data = {"name": "Preview CI", "team": team.pk, "role": Role.MEMBER, "expires": "90", **fields}
    return client.post(PAGE, data, **(HX if htmx else {}))


def test_the_user_menu_leads_to_the_page(client, member):
    client.force_login(member)
    page = client.get(reverse("dashboard:project_list")).content.decode()
    assert f'href="{PAGE}"' in page


def test_a_new_token_is_shown_once_and_never_cached(client, member, team):
    client.force_login(member)
    response = _create(client, team)
    assert response.status_code == 200  # no redirect carries it
    assert "no-store" in response["Cache-Control"]
    shown = TOKEN.findall(response.content)
    assert len(shown) == 1
    identity = services.api_identity_from_authorization(bearer(shown[0].decode()))
    assert identity.user == member and identity.token.name == "Preview CI"
    assert b'data-copy="new-api-token"' in response.content
    again = client.get(PAGE)
    assert "no-store" in again["Cache-Control"]
    assert not TOKEN.search(again.content) and b"Preview CI" in again.content
    assert all(shown[0].decode() not in str(v) for v in client.session.values())


def test_the_htmx_answer_is_the_region_once(client, member, team):
    client.force_login(member)
    response = _create(client, team, htmx=True)
    html = response.content.decode()
    assert "<html" not in html and "topbar" not in html
    assert html.count('id="api-tokens"') == 1
    assert html.count('id="new-api-token"') == 1
    assert len(TOKEN.findall(response.content)) == 1
    assert html.count("<form") == 1 and html.count('name="name"') == 1
    assert html.count("<table") == 1 and html.count(">Revoke<") == 1
    assert 'value="Preview CI"' not in html  # a blank form again, for the next token
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_errors_show_next_to_their_fields_and_nothing_is_made(client, member, team):
    client.force_login(member)
    html = _create(client, team, name="", role=Role.ADMIN, expires="never").content.decode()
    for field in ("name", "role", "expires"):
        row = html.split(f'id="feedback-{field}"', 1)[1].split("</div>", 1)[0]
        assert 'class="error"' in row, field
    assert "Give the token a name" in html and "at most your own" in html
    assert not ApiToken.objects.exists() and not TOKEN.search(html.encode())


def test_never_is_offered_only_to_team_admins(client, member, owner, team):
    client.force_login(member)
    assert b'value="never" disabled' in client.get(PAGE).content
    client.force_login(owner)
    page = client.get(PAGE).content
    assert b'value="never"' in page and b'value="never" disabled' not in page
    assert _create(client, team, expires="never").status_code == 200
    assert ApiToken.objects.get().expires_at is None


def test_a_team_the_user_is_not_in_is_refused(client, outsider, team):
    client.force_login(outsider)
    html = _create(client, team).content.decode()
    assert 'class="error"' in html and not ApiToken.objects.exists()


def test_revoke_asks_first_then_revokes(client, member, team):
    token, plaintext = new_token(member, team)
    client.force_login(member)
    url = reverse("dashboard:api_token_revoke", args=[token.pk])
    page = client.get(PAGE).content.decode()
    assert f'href="{url}"' in page
    confirm = client.get(url)
    assert confirm.status_code == 200 and b"stops working at once" in confirm.content
    assert ApiToken.objects.get().revoked_at is None
    response = client.post(url, follow=True)
    assert b"revoked" in response.content
    assert services.api_identity_from_authorization(bearer(plaintext)) is None
    client.post(url)
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1


@pytest.mark.parametrize(
    "who, status", [("owner", 302), ("member", 302), ("viewer", 404), ("outsider", 404)]
)
def test_who_may_revoke_a_members_token(client, request, team, member, who, status):
    token, _ = new_token(member, team)
    client.force_login(request.getfixturevalue(who))
    url = reverse("dashboard:api_token_revoke", args=[token.pk])
    assert client.get(url).status_code == (200 if status == 302 else 404)
    assert client.post(url).status_code == status
    assert (ApiToken.objects.get().revoked_at is not None) == (status == 302)


def test_team_admins_see_every_token_of_their_team_others_only_their_own(
    client, owner, member, viewer, team
):
    new_token(member, team, name="Member's deploys")
    new_token(viewer, team, role=Role.VIEWER, name="Viewer's reports")
    client.force_login(owner)
    page = client.get(PAGE).content
    assert b"Member&#x27;s deploys" in page and b"Viewer&#x27;s reports" in page
    client.force_login(viewer)
    page = client.get(PAGE).content
    assert b"Viewer&#x27;s reports" in page and b"Member&#x27;s deploys" not in page


def test_the_field_template_comment_is_not_shown(client, owner, team):
    client.force_login(owner)
    for url in (reverse("dashboard:account_connect", args=["r4"]), PAGE):
        html = client.get(url).content.decode()
        assert "Every vendor field" not in html and "{#" not in html, url
