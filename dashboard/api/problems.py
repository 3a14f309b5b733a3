"""Every API error as RFC 9457 problem details (application/problem+json).

`type` is a reference into the API's docs page, where each kind is explained; `errors`
carries each field's messages where the problem is about fields.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from dashboard import services
from dashboard.services.errors import VendorCallFailed

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
DOCS = "/api/v1/docs"

# Each kind of problem, by the `type` it carries: (status, title). The docs page lists them.
KINDS = {
    "bad-request": (400, "The request could not be read"),
    "unauthenticated": (401, "A valid API token is needed"),
    "forbidden": (403, "Your role does not allow this"),
    "not-found": (404, "Not found"),
    "idempotency-key-in-flight": (409, "The first request with this key is still running"),
    "not-now": (409, "Not possible in the current state"),
    "invalid-input": (422, "The input was refused"),
    "idempotency-key-reused": (422, "The key was used with a different request"),
    "refused": (422, "Refused"),
    "too-large": (413, "The request body is too large"),
    "rate-limited": (429, "Too many requests"),
    "server-error": (500, "Something went wrong on our side"),
    "vendor-failed": (502, "The vendor could not be asked, or refused"),
}


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] | None = None


class ApiProblem(Exception):
    def __init__(
        self,
        kind: str,
        detail: str,
        *,
        errors: Mapping[str, Sequence[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.errors = {name: list(messages) for name, messages in (errors or {}).items()}
        self.headers = dict(headers or {})


def problem_response(problem: ApiProblem) -> HttpResponse:
    status, title = KINDS[problem.kind]
    body: dict = {"type": f"{DOCS}#{problem.kind}", "title": title, "status": status}
    body["detail"] = problem.detail or title
    if problem.errors:
        body["errors"] = problem.errors
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in problem.headers.items():
        response[name] = value
    return response


def refused(exc: services.ServiceError) -> ApiProblem:
    """A service's refusal: with field errors it is invalid input, else a plain refusal."""
    if exc.field_errors:
        errors = {name: [message] for name, message in exc.field_errors.items()}
        return ApiProblem(
            "invalid-input", exc.message or "Some fields were refused.", errors=errors
        )
    return ApiProblem("refused", exc.message)


def _validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    """pydantic's locations (["body", "payload", "fields", "name"]) as the field a client
    sent: the parameter name, or the body's path after its argument name."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        where = [str(part) for part in error.get("loc", ())]
        if where and where[0] == "body":
            where = where[2:]  # "body", the argument's own name
        elif where:
            where = where[1:]  # "query", "path", "header"
        name = ".".join(where) or "body"
        errors.setdefault(name, []).append(str(error.get("msg", "Invalid value.")))
    return errors


def _on_api_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(exc)


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem_response(
        ApiProblem("invalid-input", "Some values were refused.", errors=_validation_errors(exc))
    )


def _on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    sent = bool(request.headers.get("Authorization"))
    challenge = 'Bearer realm="api"' + (', error="invalid_token"' if sent else "")
    detail = (
        "The API token is unknown, revoked or expired, or its user no longer belongs to its team."
        if sent
        else "Send an API token as “Authorization: Bearer <token>”."
    )
    return problem_response(
        ApiProblem("unauthenticated", detail, headers={"WWW-Authenticate": challenge})
    )


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    kind = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found"}.get(
        exc.status_code, "bad-request"
    )
    if kind == "unauthenticated":
        return _on_authentication_error(request, AuthenticationError())
    return problem_response(ApiProblem(kind, _readable(exc)))


def _readable(exc: HttpError) -> str:
    message = str(exc)
    if "parse" in message.lower():
        return "The body is not valid JSON."
    return message or HTTPStatus(exc.status_code).phrase


def _on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(ApiProblem("not-found", "Nothing with this id in your team."))


def _on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(ApiProblem("forbidden", str(exc) or KINDS["forbidden"][1]))


def _on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem_response(
        ApiProblem("too-large", f"A request body is at most {limit:,} bytes; send less at once.")
    )


def _on_service_error(request: HttpRequest, exc: services.ServiceError) -> HttpResponse:
    return problem_response(refused(exc))


def _on_vendor_call_failed(request: HttpRequest, exc: VendorCallFailed) -> HttpResponse:
    return problem_response(ApiProblem("vendor-failed", exc.message))


def _on_anything_else(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return problem_response(
        ApiProblem("server-error", "The error was logged. Try again, or tell an admin.")
    )


def add_problem_handlers(api) -> None:
    api.add_exception_handler(Exception, _on_anything_else)
    api.add_exception_handler(ApiProblem, _on_api_problem)
    api.add_exception_handler(ValidationError, _on_validation_error)
    api.add_exception_handler(HttpError, _on_http_error)
    api.add_exception_handler(AuthenticationError, _on_authentication_error)
    api.add_exception_handler(Http404, _on_not_found)
    api.add_exception_handler(PermissionDenied, _on_permission_denied)
    api.add_exception_handler(RequestDataTooBig, _on_too_large)
    api.add_exception_handler(services.ServiceError, _on_service_error)
    api.add_exception_handler(VendorCallFailed, _on_vendor_call_failed)


def documented(*statuses: int) -> dict[int, type[Problem]]:
    """The error answers an operation lists in the OpenAPI document."""
    return dict.fromkeys(statuses, Problem)
