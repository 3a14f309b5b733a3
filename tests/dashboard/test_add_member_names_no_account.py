"""Adding someone by email answers "added" or "no such person", and names no account."""

import re
from html import unescape

from django.urls import reverse

from dashboard.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory


def answer(client, team, typed: str, role: str = "member") -> str:
    """The messages on the page the add leads to: what the answer tells the admin."""
    page = client.post(
        reverse("dashboard:team_member_add", args=[team.pk]),
        {"username": typed, "role": role},
        follow=True,
    ).content.decode()
    found = re.search(r'<ul class="messages">(.*?)</ul>', page, re.S)
    return unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def test_an_add_by_email_answers_added_without_the_username(client, team, owner):
    UserFactory(username="quiet-cyrus", email="cy@example.com", first_name="Cyrus")
    client.force_login(owner)

    said = answer(client, team, "cy@example.com")

    assert said == "Added to Rocket. Anyone already in it keeps their role."
    assert "quiet-cyrus" not in said and "Cyrus" not in said
    assert Membership.objects.filter(team=team, user__username="quiet-cyrus").exists()


def test_someone_already_in_gets_the_same_answer_and_keeps_their_role(client, team, owner):
    inside = UserFactory(username="inside-ida", email="ida@example.com")
    MembershipFactory(team=team, user=inside, role=Role.VIEWER)
    newcomer = UserFactory(username="new-ned", email="ned@example.com")
    client.force_login(owner)

    already = answer(client, team, "ida@example.com", role="admin")
    added = answer(client, team, "ned@example.com", role="admin")

    assert already == added
    assert "inside-ida" not in already
    assert Membership.objects.get(team=team, user=inside).role == Role.VIEWER
    assert Membership.objects.get(team=team, user=newcomer).role == Role.ADMIN


def test_an_unknown_or_shared_email_answers_no_such_person(client, team, owner):
    UserFactory(username="twin-a", email="twins@example.com")
    UserFactory(username="twin-b", email="twins@example.com")
    client.force_login(owner)

    for typed in ("nobody@example.com", "twins@example.com", "nobody"):
        assert answer(client, team, typed) == "No such person. Check the username or email."
    assert Membership.objects.filter(team=team).count() == 1
