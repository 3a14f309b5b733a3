"""Requests with an Idempotency-Key: the first answer is stored and replayed, the same key
with another body is refused, and input the API refuses is not remembered."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Header

from dashboard.api.problems import ApiProblem
from dashboard.services.api_requests import (
    KeyInFlight,
    KeyReusedWithAnotherBody,
    Replay,
    idempotent_request_answer,
    idempotent_request_begin,
    idempotent_request_forget,
    key_reference,
    request_fingerprint,
)

IDEMPOTENCY_KEY = r"^[\x20-\x7e]{1,255}$"


def idempotency_key_header(*, required: bool, description: str = "1-255 printable ASCII"):
    return Header(
        ... if required else None,
        alias="Idempotency-Key",
        pattern=IDEMPOTENCY_KEY,
        description=description,
    )


def answer_once(
    request: HttpRequest, *, key: str, body: Any, act: Callable[[uuid.UUID], Replay]
) -> HttpResponse:
    """`act`'s answer, stored under the key, or the answer stored before for the same body.

    `act` gets a reference derived from the key and the body: what it makes should carry
    it, so that a request that died before its answer was stored finds its work again."""
    identity = request.auth
    fingerprint = request_fingerprint(request.method, request.path, body)
    try:
        taken = idempotent_request_begin(
            team_id=identity.team_id, user_id=identity.user_id, key=key, fingerprint=fingerprint
        )
    except KeyReusedWithAnotherBody as exc:
        raise ApiProblem("idempotency-key-reused", exc.message) from None
    except KeyInFlight as exc:
        raise ApiProblem("idempotency-key-in-flight", exc.message) from None
    if isinstance(taken, Replay):
        return replayed(taken)
    reference = key_reference(
        team_id=identity.team_id, user_id=identity.user_id, key=key, fingerprint=fingerprint
    )
    try:
        answer = act(reference)
    except BaseException:  # a refusal (or a crash) is not remembered
        idempotent_request_forget(taken)
        raise
    idempotent_request_answer(
        taken, status=answer.status, body=answer.body, location=answer.location
    )
    return replayed(answer)


def replayed(answer: Replay) -> HttpResponse:
    response = JsonResponse(answer.body, status=answer.status)
    if answer.location:
        response["Location"] = answer.location
    return response
