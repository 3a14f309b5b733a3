"""Pages by cursor: the project list through the list page's own keyset code, the
activity feed by (time, id). A cursor is signed; a bad one is a 422, never a 500."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core import signing
from django.db.models import Q, QuerySet
from django.http import HttpRequest, JsonResponse
from ninja import Field, Schema

from dashboard import listing
from dashboard.api.problems import ApiProblem
from dashboard.listing import keyset
from dashboard.listing.projects import SORTS, ProjectQuery
from dashboard.models import AuditEvent, ProjectStatus, VendorAccount
from dashboard.services.api_tokens import ApiIdentity
from providers.registry import PROVIDERS

API_LIST_FIELDS = (
    "id",
    "reference",
    "name",
    "vendor",
    "account_id",
    "status",
    "remote_id",
    "origin",
    "missing_at_vendor",
    "created_at",
)
MAX_PAGE = 200

VendorSlug = Literal[tuple(PROVIDERS)]  # type: ignore[valid-type]
StatusName = Literal[tuple(ProjectStatus.values)]  # type: ignore[valid-type]
SortName = Literal[tuple(SORTS)]  # type: ignore[valid-type]


class Cursor(Schema):
    limit: int = Field(default=listing.PAGE_SIZE, ge=1, le=MAX_PAGE)
    # The alphabet of django.core.signing, so a cursor's URL stays within what gunicorn reads
    # (a request line of 4094 bytes) even with `q` and `account` at their longest.
    after: str | None = Field(
        default=None, max_length=2000, pattern=r"^[A-Za-z0-9_.:-]+$", description="`next`'s cursor"
    )


class ProjectFilters(Cursor):
    vendor: VendorSlug | None = None
    status: StatusName | None = None
    account: str | None = Field(default=None, max_length=40)
    q: str | None = Field(default=None, max_length=100)
    sort: SortName = "-created"


def page_of_projects(identity: ApiIdentity, filters: ProjectFilters) -> keyset.Page:
    accounts = VendorAccount.objects.filter(team_id=identity.team_id)
    wanted = {k: v for k, v in filters.dict().items() if v is not None}
    cleaned = listing.clean_filters(wanted, accounts=accounts)
    if filters.account is not None and "account" not in cleaned:
        raise ApiProblem("not-found", "No account with this id in your team.")
    query = ProjectQuery([identity.team_id], cleaned, page_size=filters.limit)
    if filters.after and keyset.read_token(filters.after, query.sort) is None:
        raise _bad_cursor()
    return listing.list_page(query, position=filters.after, counts=None, fields=API_LIST_FIELDS)


def _bad_cursor() -> ApiProblem:
    return ApiProblem(
        "invalid-input",
        "This cursor is not one the API gave out for this sort.",
        errors={"after": ["Use the `next` link of the previous page."]},
    )


ACTIVITY_SALT = "api.activity"


def page_of_events(identity: ApiIdentity, cursor: Cursor) -> tuple[list[AuditEvent], str]:
    events = AuditEvent.objects.filter(team_id=identity.team_id).select_related("actor")
    return page_by_recency(events, cursor, salt=ACTIVITY_SALT)


def page_by_recency(rows: QuerySet, cursor: Cursor, *, salt: str) -> tuple[list, str]:
    """Newest first by (created_at, id): a page of `rows`, and the cursor of the next page
    ("" on the last). The cursor is signed with `salt`, so one list's cursor fails another."""
    if cursor.after:
        try:
            at, pk = signing.loads(cursor.after, salt=salt)
            at = datetime.fromisoformat(at)
            pk = int(pk)
        except (signing.BadSignature, ValueError, TypeError):
            raise _bad_cursor() from None
        rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    page = list(rows.order_by("-created_at", "-id")[: cursor.limit + 1])
    more = len(page) > cursor.limit
    page = page[: cursor.limit]
    after = ""
    if more:
        last = page[-1]
        after = signing.dumps([last.created_at.isoformat(), last.pk], salt=salt)
    return page, after


def next_link(request: HttpRequest, after: str) -> str | None:
    """The same request with `after` moved on, as an absolute URL."""
    if not after:
        return None
    query = request.GET.copy()
    query["after"] = after
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def paged_response(request: HttpRequest, schema: type[Schema], body: dict, after: str):
    """`body` with its `next` link (also a Link header), as `schema` writes it."""
    next_url = next_link(request, after)
    response = JsonResponse(
        schema.model_validate({**body, "next": next_url}).model_dump(mode="json")
    )
    if next_url:
        response["Link"] = f'<{next_url}>; rel="next"'
    return response
