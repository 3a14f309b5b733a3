"""The batch pages: the list, a new batch from CSV, a batch's page (its preview while a
draft, its progress once sent) with its fragments, and the example and results CSVs.
Fixing rows and the buttons that change a batch are in batch_actions."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from dashboard import services
from dashboard.batch_forms import BatchNewForm
from dashboard.listing import batches as batch_listing
from dashboard.listing.batch_display import rows_shown
from dashboard.models import (
    Batch,
    BatchSource,
    BatchStatus,
    Role,
    Team,
    VendorAccount,
    role_in,
    roles_at_least,
    team_ids_for,
)
from dashboard.services.batch_csv import CSV_MAX_BYTES, example_csv, results_csv, rows_from_csv
from dashboard.services.batches import batch_name_cleaned, row_counts
from dashboard.validation.ids import parse_id
from dashboard.views.htmx import wants_fragment
from providers.registry import PROVIDERS

BATCHES_PER_PAGE = 25
# The progress fragment asks again after POLL_FIRST_MS, and twice as late each time nothing
# settled since, up to POLL_MOST_MS; it stops asking once every row has settled.
POLL_FIRST_MS = 1000
POLL_MOST_MS = 10_000
TEMPLATE = "dashboard/batches/detail.html"


def team_batch(request: HttpRequest, reference, *, role: str = Role.VIEWER) -> Batch:
    """The batch, if one of the user's teams has it and the user holds `role` there: a 404
    otherwise, the same for another team's batch as for a role too low."""
    batches = Batch.objects.for_user(request.user, role=role)
    return get_object_or_404(batches.select_related("created_by", "sent_by"), reference=reference)


@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = Batch.objects.for_user(request.user).select_related("created_by", "team")
    page = Paginator(batches, BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    counts = batch_listing.batches_counts([batch.pk for batch in page])
    for batch in page:
        batch.counts = counts[batch.pk]
    context = {"page": page, "can_create": _member_teams(request).exists()}
    return render(request, "dashboard/batches/list.html", context)


def _member_teams(request: HttpRequest):
    return Team.objects.filter(pk__in=team_ids_for(request.user, role=Role.MEMBER)).order_by("name")


def reads_an_oversized_post(refuse):
    """A POST over DATA_UPLOAD_MAX_MEMORY_SIZE is answered by `refuse(request)` (its page,
    with the refusal at its field), not with a 400: the form is read here first (CSRF is
    checked after, as the middleware would). `refuse` answers a 404 to whoever may not
    post there."""

    def decorate(view):
        protected = csrf_protect(view)

        @wraps(view)
        def reading(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                try:
                    request.POST  # noqa: B018 (read now, to catch the refusal)
                except RequestDataTooBig:
                    return refuse(request)
            return protected(request, *args, **kwargs)

        return csrf_exempt(reading)

    return decorate


def _oversized_paste(request: HttpRequest) -> HttpResponse:
    if not _member_teams(request).exists():
        raise Http404
    return _new_page(request, _unread_form(request), too_big=True)


@reads_an_oversized_post(_oversized_paste)
@require_http_methods(["GET", "POST"])
def batch_new(request: HttpRequest) -> HttpResponse:
    if not _member_teams(request).exists():
        raise Http404
    if request.method != "POST":
        return _new_page(request, _new_form(request, data=None))
    form = _new_form(request, data=request.POST, files=request.FILES)
    if not form.is_valid():
        return _new_page(request, form)
    raw, source_field = _csv_given(form)
    if raw is None:
        return _new_page(request, form)
    try:
        rows = rows_from_csv(raw, team=form.cleaned_data["team"])
    except services.ServiceError as exc:
        form.add_error(source_field, exc.message)
        check_batch_name(form)
        return _new_page(request, form)
    try:
        batch = services.batch_create(
            team=form.cleaned_data["team"],
            user=request.user,
            name=form.cleaned_data["name"],
            source=BatchSource.CSV,
            rows=rows,
        )
    except services.ServiceError as exc:
        for name, message in exc.field_errors.items():
            form.add_error(name if name in form.fields else source_field, message)
        if exc.message and not exc.field_errors:
            form.add_error(source_field, exc.message)
        return _new_page(request, form)
    return redirect(batch.get_absolute_url())


def _new_form(request: HttpRequest, *, data, files=None) -> BatchNewForm:
    return BatchNewForm(data, files, teams=_member_teams(request))


def _unread_form(request: HttpRequest) -> BatchNewForm:
    """The form again after one too large to read: empty, bound (so errors can be added)."""
    data = QueryDict(mutable=True)
    first = _member_teams(request).first()
    data["team"] = str(first.pk) if first else ""
    form = _new_form(request, data=data)
    form.is_valid()
    return form


def _csv_given(form: BatchNewForm) -> tuple[bytes | str | None, str]:
    """The CSV (its bytes, read no further than the size limit, or the pasted text) and the
    field it came in; None, with the error at a field, when it is missing or doubled."""
    upload, pasted = form.cleaned_data["csv_file"], form.cleaned_data["csv_text"]
    if upload and pasted.strip():
        form.add_error("csv_file", "Upload a file or paste the CSV, not both.")
        return None, "csv_file"
    if upload:
        return upload.read(CSV_MAX_BYTES + 1), "csv_file"
    if pasted.strip():
        return pasted, "csv_text"
    form.add_error("csv_text", "Upload a CSV file or paste its text here.")
    check_batch_name(form)
    return None, "csv_text"


def check_batch_name(form: forms.Form) -> None:
    """The name's error too, with the CSV's: every field that needs work says so at once."""
    try:
        batch_name_cleaned(form.cleaned_data.get("name"))
    except services.ServiceError as exc:
        for name, message in exc.field_errors.items():
            form.add_error(name, message)


def _new_page(request: HttpRequest, form: BatchNewForm, *, too_big: bool = False) -> HttpResponse:
    if too_big:
        form.add_error(
            "csv_text",
            "That is too much text to paste. Save it as a .csv file and upload it instead "
            f"(up to {CSV_MAX_BYTES // (1024 * 1024)} MB).",
        )
    vendors = (
        VendorAccount.objects.for_user(request.user, role=Role.MEMBER)
        .values_list("vendor", flat=True)
        .distinct()
        .order_by("vendor")
    )
    context = {
        "form": form,
        "several_teams": form.fields["team"].queryset.count() > 1,
        "examples": [PROVIDERS[slug] for slug in vendors if slug in PROVIDERS],
    }
    return render(request, "dashboard/batches/new.html", context)


@require_GET
def batch_example(request: HttpRequest, vendor: str) -> HttpResponse:
    """A CSV to start from, for a vendor the user's teams have an account at."""
    accounts = list(
        VendorAccount.objects.for_user(request.user, role=Role.MEMBER)
        .filter(vendor=vendor)
        .order_by("pk")
    )
    if vendor not in PROVIDERS or not accounts:
        raise Http404
    response = HttpResponse(example_csv(vendor, accounts))
    return _as_attachment(response, f"batch-example-{PROVIDERS[vendor].slug}.csv")


def _as_attachment(response: HttpResponse, filename: str) -> HttpResponse:
    # `filename` is ASCII letters, digits and dashes (a slug): nothing to quote or escape.
    response["Content-Type"] = "text/csv; charset=utf-8"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def batch_detail(request: HttpRequest, reference) -> HttpResponse:
    batch = team_batch(request, reference)
    return render(request, TEMPLATE, detail_context(request, batch, request.GET))


def detail_context(request: HttpRequest, batch: Batch, params: QueryDict) -> dict:
    """What the batch's page shows: the draft's counts or the sent batch's progress (one
    aggregate query either way), and one page of rows."""
    can_act = role_in(request.user, batch.team_id) in roles_at_least(Role.MEMBER)
    context = {"batch": batch, "can_act": can_act, **rows_context(batch, params)}
    if batch.status == BatchStatus.DRAFT:
        context["counts"] = row_counts(batch)
    else:
        context["progress"] = batch_listing.batch_progress(batch)
        context["poll"] = POLL_FIRST_MS
    return context


def page_state(params: QueryDict) -> dict[str, str]:
    """Which rows the page shows (filter, position), as given: carried by the forms on the
    page, so an answer can put the same page back."""
    show = params.get("show", "")
    state = {"show": show if show in batch_listing.ROW_FILTERS else ""}
    for name in ("after", "before"):
        number = parse_id(params.get(name))
        state[name] = str(number) if number else ""
    return {name: value for name, value in state.items() if value}


def rows_context(batch: Batch, params: QueryDict) -> dict:
    state = page_state(params)
    show = state.get("show", "")
    before = int(state["before"]) if "before" in state else None
    after = int(state.get("after", 0))
    if before is not None:
        rows, previous = batch_listing.batch_rows_before(batch, show=show, before=before)
        following = rows[-1].number if rows else None
    else:
        rows, following = batch_listing.batch_rows(batch, show=show, after=after)
        previous = (rows[0].number if rows else after + 1) if after else None
    filters = (
        (("", "All rows"), ("invalid", "Invalid only"))
        if batch.status == BatchStatus.DRAFT
        else (("", "All rows"), ("failed", "Failed"), ("unknown", "Outcome unknown"))
    )
    return {
        "rows": rows_shown(rows),
        "show": show,
        "filters": filters,
        "next_after": following,
        "previous_before": previous,
        **state_context(state),
    }


def state_context(state: dict[str, str]) -> dict:
    """The page's state for the forms (hidden inputs) and the links (a query) on it."""
    return {"page_state": state, "page_query": f"?{urlencode(state)}" if state else ""}


def detail_url(batch: Batch, state: dict[str, str]) -> str:
    query = urlencode(state)
    return batch.get_absolute_url() + (f"?{query}" if query else "")


@require_GET
def batch_rows(request: HttpRequest, reference) -> HttpResponse:
    """The rows table alone (a filter, a page, a refresh while sending)."""
    batch = team_batch(request, reference)
    if not wants_fragment(request):
        return redirect(detail_url(batch, page_state(request.GET)))
    context = {
        "batch": batch,
        "can_act": role_in(request.user, batch.team_id) in roles_at_least(Role.MEMBER),
        **rows_context(batch, request.GET),
    }
    return render(request, f"{TEMPLATE}#rows", context)


@require_GET
def batch_progress(request: HttpRequest, reference) -> HttpResponse:
    """The progress fragment, which carries when it asks next (see POLL_FIRST_MS)."""
    batch = team_batch(request, reference)
    if not wants_fragment(request):
        return redirect(batch.get_absolute_url())
    if batch.status == BatchStatus.DRAFT:
        return HttpResponse(status=286)  # htmx: stop polling
    progress = batch_listing.batch_progress(batch)
    seen = _count(request.GET.get("seen"))
    wait = _count(request.GET.get("wait")) or POLL_FIRST_MS
    context = {
        "batch": batch,
        "progress": progress,
        "poll": next_poll_ms(settled=progress.settled, seen=seen, wait=wait),
        "can_act": role_in(request.user, batch.team_id) in roles_at_least(Role.MEMBER),
        "announce": progress.done,  # said once: the fragment stops asking when done
    }
    response = render(request, f"{TEMPLATE}#progress", context)
    if seen is not None and (progress.settled != seen or progress.done):
        response["HX-Trigger"] = "batchChanged"  # the rows table shows the new states
    return response


def next_poll_ms(*, settled: int, seen: int | None, wait: int) -> int:
    if seen is None or settled != seen:
        return POLL_FIRST_MS
    return min(max(wait, POLL_FIRST_MS) * 2, POLL_MOST_MS)


def _count(value) -> int | None:
    if value == "0":
        return 0
    return parse_id(value)


@require_GET
def batch_results(request: HttpRequest, reference) -> HttpResponse:
    batch = team_batch(request, reference)
    site = request.build_absolute_uri("/").rstrip("/")
    response = StreamingHttpResponse(results_csv(batch, site=site))
    name = slugify(batch.name)[:40].strip("-_") or "batch"
    return _as_attachment(response, f"{name}-results.csv")


def back_to_batch(request: HttpRequest, batch: Batch, state: dict[str, str]) -> HttpResponse:
    """To the batch's page, whole: a redirect, or for htmx a client redirect (a fragment
    request that followed a redirect would get the whole page)."""
    url = detail_url(batch, state)
    if request.htmx:
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response
    return redirect(url)
