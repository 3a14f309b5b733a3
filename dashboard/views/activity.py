"""The activity page: the audit trail of the user's teams."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard import listing
from dashboard.models import Membership, team_ids_for
from dashboard.validation.ids import parse_id
from providers.registry import PROVIDERS


@require_GET
def activity(request: HttpRequest) -> HttpResponse:
    """The team's audit trail as a feed, filterable by kind, person and vendor."""
    kind = request.GET.get("kind", "")
    person = parse_id(request.GET.get("person"))
    vendor = request.GET.get("vendor", "")
    events = listing.activity(user=request.user, kind=kind, person=person, vendor=vendor)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # the events linked are the ones shown
    listing.link_batches(page.object_list)
    people = (
        Membership.objects.filter(team_id__in=team_ids_for(request.user))
        .select_related("user")
        .order_by("user__username")
        .distinct()
    )
    context = {
        "page": page,
        "kinds": listing.ACTIVITY_KINDS,
        "people": {m.user_id: m.user.get_username() for m in people},
        "vendors": {slug: p.name for slug, p in PROVIDERS.items()},
        "chosen": {"kind": kind, "person": person, "vendor": vendor},
    }
    return render(request, "dashboard/teams/activity.html", context)
