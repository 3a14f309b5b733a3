"""create_api_token prints a token once; the admin shows tokens read-only and revokes them."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from dashboard import services
from dashboard.models import ApiToken, AuditAction, AuditEvent, Role
from tests.dashboard.api_tokens import bearer, new_token
from tests.factories import UserFactory


def _run(**options) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", stdout=out, stderr=err, **options)
    assert err.getvalue() == ""
    return out.getvalue()


def test_the_command_prints_a_working_token_and_nothing_else(member, team):
    out = _run(user="member", team="Rocket", role="member", name="Pipeline", expires_days="30")
    plaintext = out.strip()
    assert re.fullmatch(r"vdash_[A-Za-z0-9_-]{43}", plaintext)
    identity = services.api_identity_from_authorization(bearer(plaintext))
    assert (identity.user, identity.team, identity.role) == (member, team, Role.MEMBER)
    assert ApiToken.objects.get().name == "Pipeline"
    assert _run(user="member", team=str(team.pk), role="viewer").strip() != plaintext
    assert ApiToken.objects.order_by("pk").last().name.startswith("Command line, ")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"user": "nobody", "team": "Rocket", "role": "member"}, "No active user named 'nobody'"),
        ({"user": "member", "team": "Nowhere", "role": "member"}, "No team named 'Nowhere'"),
        ({"user": "outsider", "team": "Rocket", "role": "viewer"}, "outsider is not in Rocket"),
        ({"user": "member", "team": "Rocket", "role": "admin"}, "at most your own"),
        ({"user": "member", "team": "Rocket", "role": "member", "expires_days": "never"}, "admins"),
        ({"user": "member", "team": "Rocket", "role": "member", "expires_days": "400"}, "1 to 365"),
        ({"user": "member", "team": "Rocket", "role": "member", "expires_days": "-3"}, "1 to 365"),
        ({"user": "member", "team": "Rocket", "role": "member", "name": "a\x00"}, "name"),
    ],
)
def test_the_command_refuses_with_a_clear_error(member, outsider, team, options, message):
    with pytest.raises(CommandError, match=message):
        _run(**options)
    assert not ApiToken.objects.exists()


def test_the_command_refuses_an_inactive_user(member, team):
    member.is_active = False
    member.save()
    with pytest.raises(CommandError, match="No active user"):
        _run(user="member", team="Rocket", role="viewer")


@pytest.fixture
def staff(db):
    """An operator in no team: the admin's revoke rests on the admin permission."""
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


def test_the_admin_shows_the_hint_read_only_and_revokes_through_the_service(
    client, staff, member, team
):
    token, plaintext = new_token(member, team, name="Nightly")
    client.force_login(staff)
    changelist = reverse("admin:dashboard_apitoken_changelist")
    page = client.get(changelist).content.decode()
    assert token.hint in page and "Nightly" in page and token.token_hash not in page
    change = client.get(reverse("admin:dashboard_apitoken_change", args=[token.pk]))
    assert 'name="name"' not in change.content.decode()
    assert token.token_hash not in change.content.decode()
    response = client.post(
        changelist, {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert b"1 revoked" in response.content
    assert services.api_identity_from_authorization(bearer(plaintext)) is None
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_REVOKED)
    assert event.actor == staff
    client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1
