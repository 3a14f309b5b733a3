"""Batches through the API: a create previews every row and sends nothing, a key replays
the first answer, a send makes each valid row's project once (the tests' immediate queue
sends them inside the request), cancel and retry count the rows they moved."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import services
from dashboard.models import Batch, BatchSource, IdempotentRequest, Project
from dashboard.services.api_requests import key_reference, request_fingerprint
from tests.factories import R4AccountFactory

pytestmark = pytest.mark.django_db(transaction=True)


def row(account, name, **fields):
    return {"account": str(account.pk), "fields": {"name": name, **fields}}


def body(account, *names, name="checkout environments"):
    return {"name": name, "rows": [row(account, n) for n in names]}


def vendor_creates(sandbox) -> int:
    return len(sandbox.calls("r4", method="POST"))


def made(api, payload, key="pipeline-7"):
    answer = api.post("/api/v1/batches", payload, key=key)
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_a_create_previews_every_row_and_calls_no_vendor(
    member_api, r4_account, other_team, outsider, sandbox
):
    theirs = R4AccountFactory(team=other_team, created_by=outsider, label="Their secret label")
    payload = {
        "name": "checkout environments",
        "rows": [
            row(r4_account, "checkout-dev"),
            row(r4_account, "checkout-prod"),
            row(r4_account, "checkout-prod"),
            row(theirs, "checkout-staging"),
            row(r4_account, "checkout-qa", colour="red"),
        ],
    }
    answer = member_api.post("/api/v1/batches", payload, key="pipeline-7")

    assert answer.status_code == 201, answer.content
    created = answer.json()
    assert answer["Location"] == created["url"] == f"/api/v1/batches/{created['reference']}"
    assert (created["status"], created["source"], created["progress"]) == ("draft", "api", None)
    assert created["counts"] == {"total": 5, "valid": 1, "invalid": 4}
    by_number = {r["number"]: r for r in created["rows"]}
    assert sorted(by_number) == [2, 3, 4, 5]
    assert "Row 3 has the same name" in by_number[2]["errors"]["name"][0]
    assert "No account of this team" in by_number[4]["errors"]["account"][0]
    assert by_number[4]["account"] is None
    assert "Not a field" in by_number[5]["errors"]["colour"][0]
    assert "Their secret label" not in answer.content.decode()
    assert sandbox.calls() == [] and Project.objects.count() == 0
    assert Batch.objects.get().source == BatchSource.API


def test_the_same_key_and_body_replay_the_first_answer(member_api, r4_account, sandbox):
    first = member_api.post("/api/v1/batches", body(r4_account, "a-dev", "a-prod"), key="k-1")
    # The same request, with the account as a number and spaced otherwise, is the same.
    rows = [{"fields": {"name": n}, "account": r4_account.pk} for n in ("a-dev", "a-prod")]
    again_body = {"rows": rows, "name": "checkout environments"}
    again = member_api.post("/api/v1/batches", raw=json.dumps(again_body, indent=3), key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert Batch.objects.count() == 1 and sandbox.calls() == []


def test_the_same_key_with_another_body_is_refused(member_api, r4_account, sandbox):
    made(member_api, body(r4_account, "a-dev"), key="k-1")
    other = member_api.post("/api/v1/batches", body(r4_account, "b-dev"), key="k-1")
    assert other.status_code == 422
    assert other.json()["type"].endswith("#idempotency-key-reused")
    assert Batch.objects.count() == 1


def test_a_create_without_a_key_is_refused(member_api, r4_account):
    answer = member_api.post("/api/v1/batches", body(r4_account, "a-dev"))
    assert answer.status_code == 422 and "Idempotency-Key" in answer.json()["errors"]
    assert Batch.objects.count() == 0


def test_a_create_whose_answer_was_lost_finds_its_batch(
    member_api, member, team, r4_account, sandbox, settings
):
    """The first request made its batch, then died before storing its answer: asked again
    once its claim is stale, the key finds that batch and makes no second one."""
    payload = body(r4_account, "a-dev")
    fingerprint = request_fingerprint("POST", "/api/v1/batches", payload)
    long_ago = timezone.now() - timedelta(seconds=settings.API_IDEMPOTENCY_CLAIM_SECONDS + 1)
    IdempotentRequest.objects.create(
        team=team, user=member, key="k-1", fingerprint=fingerprint,
        created_at=long_ago, claimed_at=long_ago,
    )  # fmt: skip
    reference = key_reference(
        team_id=team.pk, user_id=member.pk, key="k-1", fingerprint=fingerprint
    )
    died = services.batch_create(
        team=team, user=member, name=payload["name"], source=BatchSource.API,
        rows=[services.RowInput(account=str(r4_account.pk), fields={"name": "a-dev"})],
        reference=reference,
    )  # fmt: skip
    answer = member_api.post("/api/v1/batches", payload, key="k-1")
    assert answer.status_code == 201
    assert answer.json()["reference"] == str(died.reference)
    assert Batch.objects.count() == 1


def test_a_send_creates_each_rows_project_once(member_api, r4_account, sandbox):
    batch = made(member_api, body(r4_account, "a-dev", "a-staging", "a-prod"))
    send = f"/api/v1/batches/{batch['reference']}/send"

    sent = member_api.post(send, {})
    again = member_api.post(send, {"skip_invalid": True})

    assert sent.status_code == again.status_code == 200, sent.content
    assert sent.json()["status"] == "done" and again.json() == sent.json()
    progress = sent.json()["progress"]
    assert (progress["created"], progress["percent"], progress["done"]) == (3, 100, True)
    assert Project.objects.filter(status="created").count() == 3
    assert vendor_creates(sandbox) == 3
    detail = member_api.get(batch["url"]).json()
    assert [(r["number"], r["state"], r["name"]) for r in detail["rows"]] == [
        (1, "created", "a-dev"), (2, "created", "a-staging"), (3, "created", "a-prod"),
    ]  # fmt: skip
    references = {str(p.reference) for p in Project.objects.all()}
    assert {r["project"] for r in detail["rows"]} == references
    assert detail["sent_at"] and detail["finished_at"]


def test_a_send_with_a_key_replays_and_refuses_another_body(member_api, r4_account, sandbox):
    batch = made(member_api, body(r4_account, "a-dev"))
    send = f"/api/v1/batches/{batch['reference']}/send"
    first = member_api.post(send, {}, key="send-1")
    replay = member_api.post(send, {}, key="send-1")
    other = member_api.post(send, {"skip_invalid": True}, key="send-1")
    assert first.status_code == replay.status_code == 200 and replay.json() == first.json()
    assert other.status_code == 422 and other.json()["type"].endswith("#idempotency-key-reused")
    assert vendor_creates(sandbox) == 1


def test_invalid_rows_block_the_send_and_are_listed_unless_skipped(member_api, r4_account, sandbox):
    payload = body(r4_account, "good-dev", "x" * 300, "good-prod")
    payload["rows"].append({"account": str(r4_account.pk), "fields": {}})
    batch = made(member_api, payload)
    send = f"/api/v1/batches/{batch['reference']}/send"

    blocked = member_api.post(send, {})

    assert blocked.status_code == 422, blocked.content
    assert blocked["Content-Type"] == "application/problem+json"
    assert "2 of 4 rows have errors" in blocked.json()["detail"]
    assert set(blocked.json()["errors"]) == {"row 2: name", "row 4: name"}
    assert Project.objects.count() == 0 and sandbox.calls() == []

    skipped = member_api.post(send, {"skip_invalid": True})
    assert skipped.status_code == 200
    assert sorted(Project.objects.values_list("name", flat=True)) == ["good-dev", "good-prod"]
    invalid = member_api.get(batch["url"], show="invalid").json()["rows"]
    assert [(r["number"], r["state"], r["project"]) for r in invalid] == [
        (2, "skipped", None), (4, "skipped", None),
    ]  # fmt: skip
    assert "name" in invalid[0]["errors"] and invalid[0]["error"]


def test_cancel_counts_the_rows_it_stopped_and_none_is_sent(member_api, r4_account, sandbox):
    sandbox.inject("rate_limit", vendor="r4", times=1)  # the account pauses: the rest wait
    batch = made(member_api, body(r4_account, "a-dev", "a-staging", "a-prod"))
    sent = member_api.post(f"/api/v1/batches/{batch['reference']}/send", {}).json()
    assert sent["progress"]["waiting"] == 3

    cancelled = member_api.post(f"/api/v1/batches/{batch['reference']}/cancel")
    again = member_api.post(f"/api/v1/batches/{batch['reference']}/cancel")

    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["cancelled"] == 3 and again.json()["cancelled"] == 0
    progress = cancelled.json()["batch"]["progress"]
    assert (progress["cancelled"], progress["done"]) == (3, True)
    assert cancelled.json()["batch"]["status"] == "done"
    assert vendor_creates(sandbox) == 1  # the one answered 429, before the cancel
    services.projects_sweep(now=timezone.now() + timedelta(seconds=300))
    assert vendor_creates(sandbox) == 1
    states = {r["state"] for r in member_api.get(batch["url"]).json()["rows"]}
    assert states == {"cancelled"}


def test_retry_sends_the_failed_rows_again_with_their_keys(member_api, r4_account, sandbox):
    sandbox.inject("error_500", vendor="r4", method="POST", times=1)
    batch = made(member_api, body(r4_account, "a-dev", "a-prod"))
    member_api.post(f"/api/v1/batches/{batch['reference']}/send", {})
    failed = member_api.get(batch["url"], show="failed").json()["rows"]
    assert [r["number"] for r in failed] == [1] and failed[0]["error"]

    retried = member_api.post(f"/api/v1/batches/{batch['reference']}/retry")

    assert retried.status_code == 200, retried.content
    assert retried.json()["retried"] == 1
    assert retried.json()["batch"]["progress"]["created"] == 2
    first = Project.objects.get(name="a-dev")  # the same row, so the same key
    assert first.status == "created" and str(first.reference) == failed[0]["project"]
    assert first.idempotency_key == Batch.objects.get().row_key(1)
    assert vendor_creates(sandbox) == 3 and Project.objects.count() == 2
    assert member_api.post(f"/api/v1/batches/{batch['reference']}/retry").json()["retried"] == 0


@pytest.mark.parametrize("action", ["cancel", "retry"])
def test_cancel_and_retry_wait_for_the_send(member_api, r4_account, sandbox, action):
    batch = made(member_api, body(r4_account, "a-dev"))
    answer = member_api.post(f"/api/v1/batches/{batch['reference']}/{action}")
    assert answer.status_code == 409 and answer.json()["type"].endswith("#not-now")
    assert Project.objects.count() == 0


def test_the_rows_come_a_page_at_a_time(member_api, r4_account, sandbox, monkeypatch):
    monkeypatch.setattr("dashboard.listing.batches.ROWS_PER_PAGE", 2)
    batch = made(member_api, body(r4_account, "a", "b", "c", "d", "e"))
    first = member_api.get(batch["url"])
    assert [r["number"] for r in first.json()["rows"]] == [1, 2]
    assert first.json()["next"].endswith("?after=2") and 'rel="next"' in first["Link"]
    second = member_api.client.get(first.json()["next"], headers=member_api.headers).json()
    third = member_api.get(batch["url"], after="4").json()
    assert [r["number"] for r in second["rows"]] == [3, 4]
    assert [r["number"] for r in third["rows"]] == [5] and third["next"] is None
    assert {r["state"] for r in first.json()["rows"]} == {"ready"}


def test_the_list_is_newest_first_by_cursor(member_api, admin_api, r4_account, sandbox):
    older = made(member_api, body(r4_account, "a", name="older"), key="k-1")
    newer = made(admin_api, body(r4_account, "b", name="newer"), key="k-2")
    page = member_api.get("/api/v1/batches", limit="1").json()
    assert [b["reference"] for b in page["items"]] == [newer["reference"]]
    rest = member_api.client.get(page["next"], headers=member_api.headers).json()
    assert [b["reference"] for b in rest["items"]] == [older["reference"]]
    assert rest["next"] is None
    # One list's cursor is not another's.
    after = page["next"].split("after=")[1]
    assert member_api.get("/api/v1/activity", after=after).status_code == 422


def test_another_teams_batch_is_not_found_anywhere(member_api, outsider_api, r4_account, sandbox):
    batch = made(member_api, body(r4_account, "a-dev"))
    base = f"/api/v1/batches/{batch['reference']}"
    assert outsider_api.get(base).status_code == 404
    for action in ("send", "cancel", "retry"):
        answer = outsider_api.post(f"{base}/{action}", {"skip_invalid": True})
        assert answer.status_code == 404, action
        assert answer["Content-Type"] == "application/problem+json"
    assert outsider_api.get("/api/v1/batches").json()["items"] == []
    assert Batch.objects.get().status == "draft" and sandbox.calls() == []


def test_a_viewer_reads_but_cannot_write(member_api, viewer_api, r4_account, sandbox):
    batch = made(member_api, body(r4_account, "a-dev"))
    base = f"/api/v1/batches/{batch['reference']}"
    assert viewer_api.get(base).status_code == 200
    assert viewer_api.get("/api/v1/batches").status_code == 200
    assert viewer_api.post("/api/v1/batches", body(r4_account, "b"), key="v").status_code == 403
    for action in ("send", "cancel", "retry"):
        assert viewer_api.post(f"{base}/{action}", {}).status_code == 403, action
    assert Batch.objects.count() == 1 and Project.objects.count() == 0
    assert IdempotentRequest.objects.count() == 1 and sandbox.calls() == []
