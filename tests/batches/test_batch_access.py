"""Every batch URL for an admin, a member, a viewer and an outsider (an admin of another
team), plain and as htmx, each on fresh data: another team's batch is a 404, never its
name; a viewer sees a batch, and what needs a member answers a viewer 404 (as every other
member-only action does); a refused request changes nothing and calls no vendor."""

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import BatchRow, BatchSource, Project
from dashboard.services import RowInput
from tests.batches.sent import sent_batch

ROLES = ("owner", "member", "viewer", "outsider")
READ = {"owner": 200, "member": 200, "viewer": 200, "outsider": 404}
WRITE = {"owner": 200, "member": 200, "viewer": 404, "outsider": 404}
WRITE_POST = {"owner": 302, "member": 302, "viewer": 404, "outsider": 404}
# An htmx request that the view answers with a client redirect (HX-Redirect) or a fragment.
HX_200 = {"owner": 200, "member": 200, "viewer": 404, "outsider": 404}
FRAGMENT = {"owner": 302, "member": 302, "viewer": 302, "outsider": 404}  # plain GET: to the page


@pytest.fixture
def world(team, owner, member, viewer, outsider, r4_account, sandbox):
    draft = services.batch_create(
        team=team,
        user=member,
        name="Rocket launch batch",
        source=BatchSource.CSV,
        rows=[
            RowInput(account=str(r4_account.pk), fields={"name": "alpha"}),
            RowInput(account=str(r4_account.pk), fields={"name": "beta"}),
        ],
    )
    sent = sent_batch(r4_account, member, ["waiting", "retryable"], name="Rocket sent batch")
    return {"draft": draft, "sent": sent, "account": r4_account}


def _views(world):
    """(name, method, url, data, expected plain, expected htmx)."""
    draft, sent, account = world["draft"], world["sent"], world["account"]

    def url(name, batch, *args):
        return reverse(f"dashboard:{name}", args=[batch.reference, *args])

    fix = {"account": account.pk, "vendor": "r4", "name": "gamma"}
    return {
        "detail": ("get", url("batch_detail", draft), None, READ, READ),
        "sent detail": ("get", url("batch_detail", sent), None, READ, READ),
        "rows": ("get", url("batch_rows", draft), None, FRAGMENT, READ),
        "progress": ("get", url("batch_progress", sent), None, FRAGMENT, READ),
        "results": ("get", url("batch_results", sent), None, READ, READ),
        "example": ("get", reverse("dashboard:batch_example", args=["r4"]), None, WRITE, WRITE),
        "row form": ("get", url("batch_row_edit", draft, 1), None, WRITE, WRITE),
        "row fix": ("post", url("batch_row_edit", draft, 1), fix, WRITE_POST, HX_200),
        "row remove": ("post", url("batch_row_remove", draft, 2), {}, WRITE_POST, HX_200),
        "send": ("post", url("batch_send", draft), {}, WRITE_POST, HX_200),
        "cancel": ("post", url("batch_cancel", sent), {}, WRITE_POST, HX_200),
        "retry": ("post", url("batch_retry", sent), {}, WRITE_POST, HX_200),
    }


VIEW_NAMES = (
    "detail", "sent detail", "rows", "progress", "results", "example", "row form", "row fix",
    "row remove", "send", "cancel", "retry",
)  # fmt: skip


def _state():
    rows = list(BatchRow.objects.order_by("pk").values_list("pk", "data", "errors"))
    projects = list(Project.objects.order_by("pk").values_list("pk", "status", "error_code"))
    return rows, projects


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_every_batch_url_answers_by_role(client, world, role, view, htmx, request, sandbox):
    client.force_login(request.getfixturevalue(role))
    method, url, data, plain, fragment = _views(world)[view]
    before = _state()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = getattr(client, method)(url, data or {}, **headers)
    expected = (fragment if htmx else plain)[role]
    assert response.status_code == expected, f"{role} {view}: {response.status_code}"
    if expected == 404:
        body = response.content
        assert b"Rocket" not in body and b"alpha" not in body
        assert _state() == before
        assert sandbox.calls() == []
    if htmx and view in ("send", "cancel", "retry") and expected == 200:
        assert "HX-Redirect" in response


def test_an_outsiders_lists_and_pages_show_nothing_of_the_team(client, world, outsider):
    client.force_login(outsider)
    listing = client.get(reverse("dashboard:batch_list"))
    assert listing.status_code == 200 and b"Rocket" not in listing.content
    new = client.get(reverse("dashboard:batch_new"))  # their own team's form
    assert b"Rocket" not in new.content
    assert str(world["account"].pk).encode() + b"," not in new.content


@pytest.mark.parametrize(
    "path",
    [
        "/batches/00000000-0000-0000-0000-000000000000/",
        "/batches/not-a-uuid/",
        "/batches/00000000-0000-0000-0000-000000000000/rows/1/",
        "/batches/{draft}/rows/99/",
        "/batches/{draft}/rows/99999999999999999999/",
        "/batches/{draft}/rows/0/",
        "/batches/{draft}/rows/%D9%A1/",  # an Arabic-Indic digit one
        "/batches/examples/nope.csv",
    ],
)
def test_guessed_or_malformed_batch_urls_are_404(client, world, owner, path):
    client.force_login(owner)
    assert client.get(path.format(draft=world["draft"].reference)).status_code == 404
