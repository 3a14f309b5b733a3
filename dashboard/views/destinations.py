"""A team's notification destinations (signed webhooks and Slack): its admins add, edit,
switch on and off, test, rotate the signing secret of, and delete them.

Only the team's admins see these pages. A member or viewer gets the same 404 as someone of
another team: a destination's URL may carry its receiver's own token (a Slack URL is one),
and its log shows what the receiver answered. The delivery log is in views/deliveries.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard.forms import apply_errors
from dashboard.listing.destination_display import destination_name
from dashboard.models import Destination, DestinationKind, Role, Team, admin_teams
from dashboard.notification_forms import DestinationForm
from dashboard.services import destinations as destination_services
from dashboard.services.errors import ServiceError
from dashboard.views.htmx import wants_fragment

LIST = "dashboard/notifications/destinations.html"
FORM = "dashboard/notifications/destination_form.html"
SECRET = "dashboard/notifications/secret.html"
CONFIRM = "dashboard/notifications/confirm.html"


def admin_team(request: HttpRequest, pk: int) -> Team:
    return get_object_or_404(admin_teams(request.user), pk=pk)


def admin_destination(request: HttpRequest, pk: int) -> Destination:
    """The destination, if the user is an admin of its team: a 404 otherwise, the same for
    another team's destination as for a role too low."""
    destinations = Destination.objects.for_user(request.user, role=Role.ADMIN)
    return get_object_or_404(destinations.select_related("team"), pk=pk)


def _to_list(destination: Destination) -> HttpResponse:
    return redirect("dashboard:destination_list", pk=destination.team_id)


@require_GET
def destination_list(request: HttpRequest, pk: int) -> HttpResponse:
    team = admin_team(request, pk)
    destinations = Destination.objects.filter(team=team).order_by("created_at", "id")
    return render(request, LIST, {"team": team, "destinations": destinations})


@sensitive_variables("secret")
@sensitive_post_parameters("url")  # a Slack URL is a credential: kept out of error reports
@never_cache  # the answer to a create holds the new signing secret: never kept by any cache
@require_http_methods(["GET", "POST"])
def destination_new(request: HttpRequest, pk: int) -> HttpResponse:
    team = admin_team(request, pk)
    form = DestinationForm(request.POST or None)
    if request.method == "POST" and _checked(form):
        try:
            destination, secret = destination_services.destination_create(
                team=team,
                user=request.user,
                kind=form.cleaned_data["kind"],
                **form.service_fields(),
            )
        except ServiceError as exc:
            apply_errors(form, exc.field_errors, exc.message)
        else:
            if secret is None:
                messages.success(request, f"Destination “{destination_name(destination)}” added.")
                return _to_list(destination)
            # Shown on this answer only: no redirect carries it, no session keeps it.
            context = {"destination": destination, "secret": secret, "rotated": False}
            return render(request, SECRET, context)
    return render(request, FORM, {"team": team, "form": form, "destination": None})


@sensitive_post_parameters("url")
@require_http_methods(["GET", "POST"])
def destination_edit(request: HttpRequest, pk: int) -> HttpResponse:
    destination = admin_destination(request, pk)
    form = DestinationForm(request.POST or None, destination=destination)
    if request.method == "POST" and _checked(form):
        try:
            destination_services.destination_update(
                destination=destination, user=request.user, **form.service_fields()
            )
        except ServiceError as exc:
            apply_errors(form, exc.field_errors, exc.message)
        else:
            messages.success(request, f"Destination “{destination_name(destination)}” saved.")
            return _to_list(destination)
    context = {"team": destination.team, "form": form, "destination": destination}
    return render(request, FORM, context)


def _checked(form: DestinationForm) -> bool:
    """Whether the form is valid; if not, the service's verdict on the URL and the
    description is added too, so every field that needs work says so at once."""
    if form.is_valid():
        return True
    checks = {
        "url": lambda: destination_services.clean_url(form.url_given()),
        "description": lambda: destination_services.clean_description(
            form.cleaned_data.get("description", "")
        ),
    }
    for name, check in checks.items():
        if name not in form.errors:
            try:
                check()
            except ServiceError as exc:
                apply_errors(form, exc.field_errors)
    return False


@vary_on_headers("HX-Request")
@require_POST
def destination_switch(request: HttpRequest, pk: int) -> HttpResponse:
    """The on/off switch: the state asked for (not a toggle, so a double click is harmless)."""
    destination = admin_destination(request, pk)
    enabled = request.POST.get("enabled") == "1"
    error = ""
    try:
        destination_services.destination_update(
            destination=destination,
            user=request.user,
            url=destination.url,
            description=destination.description,
            event_types=destination.event_types,
            enabled=enabled,
        )
    except ServiceError as exc:
        error = " ".join(exc.field_errors.values()) or exc.message
    if wants_fragment(request):
        destination.refresh_from_db()
        context = {"team": destination.team, "destination": destination, "error": error}
        return render(request, f"{LIST}#destination", context)
    if error:
        messages.error(request, error)
    else:
        state = "on" if enabled else "off"
        messages.success(
            request, f"Destination “{destination_name(destination)}” switched {state}."
        )
    return _to_list(destination)


@require_http_methods(["GET", "POST"])
def destination_delete(request: HttpRequest, pk: int) -> HttpResponse:
    destination = admin_destination(request, pk)
    if request.method == "POST":
        try:
            destination_services.destination_delete(destination=destination, user=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Destination “{destination_name(destination)}” deleted.")
        return redirect("dashboard:destination_list", pk=destination.team_id)
    return render(request, CONFIRM, {"destination": destination, "action": "delete"})


@sensitive_variables("secret")
@never_cache  # the answer holds the new signing secret
@require_http_methods(["GET", "POST"])
def destination_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    destination = admin_destination(request, pk)
    if destination.kind != DestinationKind.WEBHOOK:
        raise Http404  # a Slack destination has no signing secret
    if request.method == "POST":
        try:
            secret = destination_services.destination_rotate_secret(
                destination=destination, user=request.user
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
            return _to_list(destination)
        return render(
            request, SECRET, {"destination": destination, "secret": secret, "rotated": True}
        )
    return render(request, CONFIRM, {"destination": destination, "action": "rotate"})
