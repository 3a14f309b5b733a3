"""CSV export of the filtered list: streamed when small, built in the background when large."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from dashboard import listing, services
from dashboard.models import ExportStatus, ProjectExport, VendorAccount
from dashboard.views.htmx import wants_fragment


@require_GET
def project_export(request: HttpRequest) -> HttpResponse:
    accounts = VendorAccount.objects.for_user(request.user)
    filters = listing.clean_filters(request.GET, accounts=accounts)
    query = listing.project_query(user=request.user, filters=filters)
    size = services.export_size(query, listing.list_counts(query))
    if size > settings.EXPORT_STREAM_MAX_ROWS:
        export = services.export_start(user=request.user, filters=filters)
        return redirect("dashboard:export_detail", reference=export.reference)
    response = StreamingHttpResponse(services.stream_csv(query), content_type="text/csv")
    return _as_attachment(response)


@require_GET
@vary_on_headers("HX-Request")
def export_detail(request: HttpRequest, reference) -> HttpResponse:
    export = _their_export(request, reference)
    template = "dashboard/projects/export.html"
    context = {"export": export, "waiting": export.status in _WAITING}
    return render(request, f"{template}#status" if wants_fragment(request) else template, context)


@require_GET
def export_download(request: HttpRequest, reference) -> HttpResponse:
    export = _their_export(request, reference)
    if export.status != ExportStatus.READY:
        raise Http404
    response = StreamingHttpResponse(services.export_file(export), content_type="text/csv")
    return _as_attachment(response, when=export.created_at)


_WAITING = (ExportStatus.QUEUED, ExportStatus.BUILDING)


def _their_export(request: HttpRequest, reference) -> ProjectExport:
    """The user's own export; a written one only while they are in each of its teams."""
    export = get_object_or_404(ProjectExport, reference=reference, requested_by=request.user)
    if export.status == ExportStatus.READY and not services.export_still_theirs(
        export=export, user=request.user
    ):
        raise Http404
    return export


def _as_attachment(response: StreamingHttpResponse, when=None) -> StreamingHttpResponse:
    response["Content-Type"] = "text/csv; charset=utf-8"
    stamp = (when or timezone.now()).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="projects-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"  # team data: no shared or disk cache
    return response
