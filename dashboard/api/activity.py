"""The team's audit feed, newest first, by cursor."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from dashboard.api.outputs import event_out
from dashboard.api.paging import Cursor, page_of_events, paged_response
from dashboard.api.problems import documented
from dashboard.api.schemas import ActivityPage

router = Router(tags=["activity"])


@router.get(
    "/activity",
    response={200: ActivityPage, **documented(401, 422, 429)},
    summary="The team's audit feed, newest first",
)
def list_activity(request: HttpRequest, cursor: Query[Cursor]):
    events, after = page_of_events(request.auth, cursor)
    return paged_response(request, ActivityPage, {"items": [event_out(e) for e in events]}, after)
