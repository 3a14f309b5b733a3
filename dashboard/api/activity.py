"""The team's audit feed, newest first, by cursor."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router

from dashboard.api.outputs import event_out
from dashboard.api.paging import Cursor, next_link, page_of_events
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
    next_url = next_link(request, after)
    body = {"items": [event_out(event) for event in events], "next": next_url}
    response = JsonResponse(ActivityPage.model_validate(body).model_dump(mode="json"))
    if next_url:
        response["Link"] = f'<{next_url}>; rel="next"'
    return response
