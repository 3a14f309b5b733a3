"""What changes a batch from its page: a row fixed in place or removed (htmx answers put
the row back with the counts and the send buttons, and any other row on the page whose
verdict changed; without JavaScript a redirect to the same page), send, cancel, retry."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods, require_POST

from dashboard import services
from dashboard.batch_forms import BatchRowForm, dropped_columns, row_initial, submitted_fields
from dashboard.listing.batch_display import row_shown, rows_shown
from dashboard.listing.batches import batch_rows, batch_rows_before
from dashboard.models import Batch, BatchRow, BatchStatus, Role, VendorAccount
from dashboard.services.batches import row_counts
from dashboard.validation.ids import parse_id
from dashboard.views.batches import (
    TEMPLATE,
    back_to_batch,
    page_state,
    state_context,
    team_batch,
)
from dashboard.views.htmx import wants_fragment
from providers.registry import get_provider

SENT_ALREADY = "This batch has been sent; its rows can no longer be changed."


def _draft_row(request: HttpRequest, reference, number: int) -> tuple[Batch, BatchRow]:
    batch = team_batch(request, reference, role=Role.MEMBER)
    row = get_object_or_404(batch.rows.select_related("account", "project"), number=number)
    row.batch = batch
    return batch, row


@require_http_methods(["GET", "POST"])
def batch_row_edit(request: HttpRequest, reference, number: int) -> HttpResponse:
    """GET: the row's form (in place with htmx, else a page of its own); `cancel` puts the
    row back as it was. POST: save it; `_switch` only shows another account's fields."""
    batch, row = _draft_row(request, reference, number)
    params = request.POST if request.method == "POST" else request.GET
    state = page_state(params)
    if batch.status != BatchStatus.DRAFT:
        messages.error(request, SENT_ALREADY)
        return back_to_batch(request, batch, state)
    if request.method == "GET" and params.get("cancel"):
        return render(request, f"{TEMPLATE}#row", _row_context(batch, row, state))
    accounts = list(VendorAccount.objects.filter(team_id=batch.team_id).order_by("label", "pk"))
    account = _chosen_account(params, accounts, default=row.account)
    provider = get_provider(account.vendor) if account else None
    if request.method == "GET":
        form = BatchRowForm(initial=row_initial(row, account), accounts=accounts, provider=provider)
        return _form_answer(request, batch, row, form, state)
    form = BatchRowForm(request.POST, accounts=accounts, provider=provider)
    if account is None:
        form.is_valid()  # the account field says what is wrong with the choice
        return _form_answer(request, batch, row, form, state)
    if params.get("_switch") or params.get("vendor") != account.vendor:
        # The form showed another vendor's fields (or none): show this account's, unsaved.
        typed = submitted_fields(form, request.POST)
        form = BatchRowForm(
            initial={**typed, "account": str(account.pk)}, accounts=accounts, provider=provider
        )
        return _form_answer(request, batch, row, form, state)
    before = _verdicts_on_page(batch, state)
    try:
        row = services.batch_row_update(
            row=row,
            user=request.user,
            account=str(account.pk),
            fields=submitted_fields(form, request.POST),
        )
    except services.ServiceError as exc:
        if not exc.field_errors:
            messages.error(request, exc.message)
            return back_to_batch(request, batch, state)
        for name, message in exc.field_errors.items():
            form.add_error(name if name in form.fields else None, message)
        return _form_answer(request, batch, row, form, state)
    if not request.htmx:
        messages.success(request, f"Row {row.number} saved.")
        return back_to_batch(request, batch, state)
    row = BatchRow.objects.select_related("account", "project").get(pk=row.pk)
    row.batch = batch
    return _changes_answer(request, batch, state, before, saved=row)


def _chosen_account(params: QueryDict, accounts, *, default) -> VendorAccount | None:
    if "account" not in params:
        return default
    chosen = parse_id(params.get("account"))
    return next((a for a in accounts if a.pk == chosen), None)


def _form_answer(request, batch, row, form: BatchRowForm, state) -> HttpResponse:
    context = {
        **_row_context(batch, row, state),
        "form": form,
        "dropped": dropped_columns(row, form.provider),
        "inline": wants_fragment(request),
        "oob": request.method == "POST",  # a POST answer swaps by id (hx-swap="none")
    }
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#row_edit_answer", context)
    return render(request, "dashboard/batches/row_edit.html", context)


def _row_context(batch: Batch, row: BatchRow, state) -> dict:
    return {
        "batch": batch,
        "row": row,
        "shown": row_shown(row),
        "can_act": True,
        **state_context(state),
    }


@require_POST
def batch_row_remove(request: HttpRequest, reference, number: int) -> HttpResponse:
    batch, row = _draft_row(request, reference, number)
    state = page_state(request.POST)
    before = _verdicts_on_page(batch, state)
    try:
        services.batch_row_remove(row=row, user=request.user)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
        return back_to_batch(request, batch, state)
    if not request.htmx:
        messages.success(request, f"Row {number} removed.")
        return back_to_batch(request, batch, state)
    return _changes_answer(request, batch, state, before, removed=number)


def _verdicts_on_page(batch: Batch, state: dict[str, str]) -> dict[int, tuple]:
    """The rows on the page the form was sent from, with their verdicts, to tell after a
    change which of them it changed (duplicates and plan limits span rows)."""
    show = state.get("show", "")
    if "before" in state:
        rows, _ = batch_rows_before(batch, show=show, before=int(state["before"]))
    else:
        rows, _ = batch_rows(batch, show=show, after=int(state.get("after", 0)))
    return {row.number: (row.errors, row.advice) for row in rows}


def _changes_answer(
    request, batch: Batch, state, before: dict[int, tuple], *, saved=None, removed=None
) -> HttpResponse:
    """Everything by id (the request swaps nothing itself): the saved row or the removed
    one's deletion, the other rows on the page whose verdict changed, the counts and the
    send buttons."""
    others = batch.rows.select_related("account", "project").filter(number__in=list(before))
    if saved is not None:
        others = others.exclude(number=saved.number)
    changed = []
    for row in others.order_by("number"):
        if (row.errors, row.advice) != before[row.number]:
            row.batch = batch
            changed.append(row)
    context = {
        "batch": batch,
        "can_act": True,
        **state_context(state),
        "saved": row_shown(saved) if saved is not None else None,
        "removed": removed,
        "changed": rows_shown(changed),
        "counts": row_counts(batch),
        "oob": True,
    }
    return render(request, f"{TEMPLATE}#changes", context)


@require_POST
def batch_send(request: HttpRequest, reference) -> HttpResponse:
    batch = team_batch(request, reference, role=Role.MEMBER)
    skip_invalid = request.POST.get("skip_invalid") == "1"
    try:
        sent = services.batch_send(batch=batch, user=request.user, skip_invalid=skip_invalid)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if sent.sent_at and sent.sent_at != batch.sent_at:
            messages.success(request, "Sent: every valid row is on its way to its vendor.")
    return back_to_batch(request, batch, {})


@require_POST
def batch_cancel(request: HttpRequest, reference) -> HttpResponse:
    return _on_the_rest(
        request,
        reference,
        services.batch_cancel_rest,
        done="{n} row{s} not yet sent cancelled.",
        none="No row was waiting to be sent or awaiting approval; nothing was cancelled.",
    )


@require_POST
def batch_retry(request: HttpRequest, reference) -> HttpResponse:
    return _on_the_rest(
        request,
        reference,
        services.batch_retry_failed,
        done="{n} failed row{s} sent again.",
        none="No failed row can be sent again.",
    )


def _on_the_rest(request: HttpRequest, reference, service, *, done: str, none: str):
    """A button of a sent batch: the service says how many rows it moved."""
    batch = team_batch(request, reference, role=Role.MEMBER)
    try:
        moved = service(batch=batch, user=request.user)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if moved:
            messages.success(request, done.format(n=moved, s=pluralize(moved)))
        else:
            messages.info(request, none)
    return back_to_batch(request, batch, {})
