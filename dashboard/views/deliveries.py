"""A destination's delivery log: each event sent to it, newest first, with every attempt
(its time, status code, duration and the first 1 kB of the answer); "Resend" and "Send a
test event". Team admins only, as the destinations pages (views/destinations.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard.models import Delivery, DeliveryAttempt, Destination, Role
from dashboard.services import destinations as destination_services
from dashboard.services.errors import ServiceError
from dashboard.validation.ids import parse_id
from dashboard.views.destinations import admin_destination
from dashboard.views.htmx import wants_fragment

LOG = "dashboard/notifications/deliveries.html"
DELIVERIES_PER_PAGE = 20


def _deliveries(destination: Destination):
    """The destination's deliveries, of its own team's events only."""
    return (
        Delivery.objects.filter(destination=destination, event__team_id=destination.team_id)
        .select_related("event")
        .prefetch_related(
            Prefetch("tries", queryset=DeliveryAttempt.objects.order_by("-started_at", "-id"))
        )
        .order_by("-created_at", "-id")
    )


def _log_context(destination: Destination, page_number, **extra) -> dict:
    page = Paginator(_deliveries(destination), DELIVERIES_PER_PAGE).get_page(page_number)
    return {"destination": destination, "team": destination.team, "page": page, **extra}


@vary_on_headers("HX-Request")
@require_GET
def delivery_log(request: HttpRequest, pk: int) -> HttpResponse:
    destination = admin_destination(request, pk)
    context = _log_context(destination, parse_id(request.GET.get("page")) or 1)
    return render(request, f"{LOG}#log" if wants_fragment(request) else LOG, context)


def _log_url(destination: Destination, page: int | None = None) -> str:
    url = reverse("dashboard:delivery_log", args=[destination.pk])
    return f"{url}?{urlencode({'page': page})}" if page and page > 1 else url


@vary_on_headers("HX-Request")
@require_POST
def destination_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send `webhook.test`; the log (page one, where the new delivery is) shows it."""
    destination = admin_destination(request, pk)
    try:
        destination_services.destination_send_test(destination=destination, user=request.user)
    except ServiceError as exc:
        done, error = "", exc.message
    else:
        done, error = "A test event is on its way; its attempts show below.", ""
    if wants_fragment(request):
        context = _log_context(destination, 1, notice=done, error=error)
        return render(request, f"{LOG}#log", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(_log_url(destination))


@vary_on_headers("HX-Request")
@require_POST
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    deliveries = Delivery.objects.for_user(request.user, role=Role.ADMIN)
    delivery = get_object_or_404(deliveries.select_related("destination__team", "event"), pk=pk)
    destination = delivery.destination
    error = ""
    try:
        destination_services.delivery_resend(delivery=delivery, user=request.user)
    except ServiceError as exc:
        error = exc.message
    if wants_fragment(request):
        delivery = _deliveries(destination).get(pk=delivery.pk)
        context = {"destination": destination, "delivery": delivery, "resend_error": error}
        if not error:
            context["resend_notice"] = "Sent again; the new attempt shows here once it is made."
        return render(request, f"{LOG}#delivery", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Event {delivery.event.webhook_id} put back in line.")
    return redirect(_log_url(destination, parse_id(request.POST.get("page"))))
