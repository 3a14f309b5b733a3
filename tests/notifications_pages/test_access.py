"""Every notification URL for an admin, a member, a viewer and an outsider (an admin of
another team), plain and as htmx, each on fresh data: only the team's admins manage its
destinations and read their logs; everyone else gets a 404 that names nothing, and a
refused request changes nothing."""

import pytest
from django.urls import reverse

from dashboard.models import AuditEvent, Delivery, DeliveryStatus, Destination
from tests.notifications_pages.made import HOOK_URL, HX, delivery_of, destination_made

pytestmark = pytest.mark.django_db

ROLES = ("owner", "member", "viewer", "outsider")
ADMIN_GET = {"owner": 200, "member": 404, "viewer": 404, "outsider": 404}
ADMIN_POST = {"owner": 302, "member": 404, "viewer": 404, "outsider": 404}
ADMIN_HX = {"owner": 200, "member": 404, "viewer": 404, "outsider": 404}


def _views(team, destination, delivery):
    """(name, method, url, data, expected plain, expected htmx)."""
    at_team = [team.pk]
    at = [destination.pk]
    edit = {"url": HOOK_URL, "description": "Changed by someone", "all_events": "on"}
    new = {"kind": "webhook", **edit}
    views = {
        "list": ("get", "destination_list", at_team, None, ADMIN_GET, ADMIN_GET),
        "new form": ("get", "destination_new", at_team, None, ADMIN_GET, ADMIN_GET),
        "create": ("post", "destination_new", at_team, new, ADMIN_GET, ADMIN_GET),
        "edit form": ("get", "destination_edit", at, None, ADMIN_GET, ADMIN_GET),
        "edit": ("post", "destination_edit", at, edit, ADMIN_POST, ADMIN_POST),
        "switch": ("post", "destination_switch", at, {"enabled": "0"}, ADMIN_POST, ADMIN_HX),
        "delete form": ("get", "destination_delete", at, None, ADMIN_GET, ADMIN_GET),
        "delete": ("post", "destination_delete", at, {}, ADMIN_POST, ADMIN_POST),
        "rotate form": ("get", "destination_rotate", at, None, ADMIN_GET, ADMIN_GET),
        "rotate": ("post", "destination_rotate", at, {}, ADMIN_GET, ADMIN_GET),
        "test": ("post", "destination_test", at, {}, ADMIN_POST, ADMIN_HX),
        "log": ("get", "delivery_log", at, None, ADMIN_GET, ADMIN_GET),
        "resend": ("post", "delivery_resend", [delivery.pk], {}, ADMIN_POST, ADMIN_HX),
    }
    return {
        name: (method, reverse(f"dashboard:{view}", args=args), data, plain, htmx)
        for name, (method, view, args, data, plain, htmx) in views.items()
    }


NAMES = (
    "list", "new form", "create", "edit form", "edit", "switch", "delete form", "delete",
    "rotate form", "rotate", "test", "log", "resend",
)  # fmt: skip


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_each_view_answers_each_role(request, client, team, owner, name, role, htmx):
    for fixture in ROLES:
        request.getfixturevalue(fixture)
    destination, _ = destination_made(team, owner, description="Rocket pager")
    delivery = delivery_of(destination, status=DeliveryStatus.FAILED)
    method, url, data, plain, as_htmx = _views(team, destination, delivery)[name]
    expected = (as_htmx if htmx else plain)[role]
    before = (
        list(Destination.objects.values()),
        list(Delivery.objects.values()),
        AuditEvent.objects.count(),
    )
    client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(url, data or {}, **(HX if htmx else {}))
    assert response.status_code == expected, (name, role, htmx)
    if expected == 404:
        assert b"Rocket pager" not in response.content and b"Rocket" not in response.content
        after = (
            list(Destination.objects.values()),
            list(Delivery.objects.values()),
            AuditEvent.objects.count(),
        )
        assert after == before


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client, team, webhook):
    for url in (
        reverse("dashboard:destination_list", args=[team.pk]),
        reverse("dashboard:delivery_log", args=[webhook.pk]),
        reverse("dashboard:notification_preferences"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
