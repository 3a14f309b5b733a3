"""Bad input on the destination forms: the service's words next to their field, the form
again (200, never a 500), and nothing stored or changed."""

import pytest
from django.urls import reverse

from dashboard.models import Destination, DestinationKind, EventType
from tests.notifications_pages.made import HOOK_URL, SECRET, between

pytestmark = pytest.mark.django_db

REFUSED_URLS = {
    "empty": "",
    "blank": "   ",
    "too long": "https://127.0.0.1:9/" + "a" * 600,
    "control character": "https://127.0.0.1:9/hook\x07",
    "NUL": "https://127.0.0.1:9/ho\x00ok",
    "newline": "https://127.0.0.1:9/hook\nX-Injected: 1",
    "plain http": "http://198.51.100.7/hook",
    "not a URL": "hooks at our place",
    "javascript": "javascript:alert(1)",
    "credentials": "https://user:pass@127.0.0.1:9/hook",
    "private 10/8": "https://10.0.0.5/hook",
    "cloud metadata": "https://169.254.169.254/latest/meta-data/",
    "carrier-grade NAT": "https://100.64.0.1/hook",
    "private 192.168": "https://192.168.1.10/hook",
    "IPv6 loopback": "https://[::1]/hook",
    "port out of range": "https://127.0.0.1:99999/hook",
}


def _post_new(client, team, **fields):
    data = {"kind": DestinationKind.WEBHOOK, "url": HOOK_URL, "all_events": "on", **fields}
    return client.post(reverse("dashboard:destination_new", args=[team.pk]), data)


def _error_at(html: str, field: str) -> str:
    region = between(html, f'id="feedback-{field}"')
    assert 'class="error"' in region, (field, region)
    return region


@pytest.mark.parametrize("url", REFUSED_URLS.values(), ids=REFUSED_URLS.keys())
def test_a_refused_url_is_said_at_the_url_field_and_nothing_is_made(client, owner, team, url):
    client.force_login(owner)
    response = _post_new(client, team, url=url)
    assert response.status_code == 200
    html = response.content.decode()
    _error_at(html, "url")
    assert not Destination.objects.exists() and not SECRET.search(html)


def test_loopback_is_refused_unless_the_allow_list_has_it(client, owner, team, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    client.force_login(owner)
    html = _post_new(client, team).content.decode()
    _error_at(html, "url")
    assert not Destination.objects.exists()


@pytest.mark.parametrize(
    "description", ["x" * 201, "bell\x07", "nul\x00here", "tab\tand\x1b[31mred"], ids=repr
)
def test_a_refused_description_is_said_at_its_field(client, owner, team, description):
    client.force_login(owner)
    html = _post_new(client, team, description=description).content.decode()
    _error_at(html, "description")
    assert not Destination.objects.exists()


def test_every_field_that_needs_work_says_so_at_once(client, owner, team):
    client.force_login(owner)
    html = _post_new(client, team, url="https://10.0.0.5/", description="\x00").content.decode()
    _error_at(html, "url")
    _error_at(html, "description")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"all_events": "", "event_types": []}, "event_types"),
        ({"all_events": "", "event_types": ["project.exploded"]}, "event_types"),
        ({"all_events": "", "event_types": [EventType.WEBHOOK_TEST]}, "event_types"),
        ({"kind": "email"}, "kind"),
        ({"kind": "\x00"}, "kind"),
    ],
    ids=["none chosen", "unknown type", "the test event", "unknown kind", "NUL kind"],
)
def test_a_refused_choice_is_said_at_its_field(client, owner, team, fields, field):
    client.force_login(owner)
    html = _post_new(client, team, **fields).content.decode()
    _error_at(html, field)
    assert not Destination.objects.exists()


def test_a_refused_url_is_said_with_a_missing_choice(client, owner, team):
    client.force_login(owner)
    fields = {"url": "https://100.64.0.1/", "description": "\x07", "all_events": ""}
    html = _post_new(client, team, **fields).content.decode()
    for field in ("url", "description", "event_types"):
        _error_at(html, field)
    assert not Destination.objects.exists()


def test_a_refused_edit_changes_nothing(client, owner, webhook):
    client.force_login(owner)
    url = reverse("dashboard:destination_edit", args=[webhook.pk])
    response = client.post(
        url, {"url": "https://169.254.169.254/", "description": "x" * 5000, "all_events": "on"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    _error_at(html, "url")
    _error_at(html, "description")
    stored = Destination.objects.get(pk=webhook.pk)
    assert (stored.url, stored.description, stored.enabled) == (HOOK_URL, "Incident bot", True)
    assert not SECRET.search(html)


def test_a_huge_or_odd_id_is_a_404(client, owner):
    client.force_login(owner)
    for pk in ("9" * 30, "0", "\u0661\u0662", "-1"):
        for page in ("edit", "deliveries", "delete", "rotate"):
            assert client.get(f"/destinations/{pk}/{page}/").status_code == 404, (pk, page)
        assert client.get(f"/teams/{pk}/destinations/").status_code == 404, pk
