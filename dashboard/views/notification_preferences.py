"""A person's email notifications: for each of their teams, which events they get by email,
and whether as one daily digest instead. Every role chooses for itself; nobody else's
choices are shown or changed here."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from dashboard.forms import apply_errors
from dashboard.models import Team, admin_teams, team_ids_for
from dashboard.notification_forms import PreferenceForm
from dashboard.services import notification_preferences as preference_services
from dashboard.services.errors import ServiceError
from dashboard.validation.ids import parse_id
from dashboard.views.htmx import wants_fragment

PAGE = "dashboard/notifications/preferences.html"


def _form(user, team: Team, data=None) -> PreferenceForm:
    preference = preference_services.preference_for(user=user, team=team)
    initial = {"event_types": list(preference.event_types), "digest": preference.digest}
    form = PreferenceForm(data, initial=initial, prefix=f"team-{team.pk}")
    form.is_default = preference.is_default  # nothing chosen yet: the role's default
    return form


@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.filter(pk__in=team_ids_for(request.user)).order_by("name", "pk")
    administered = set(admin_teams(request.user).values_list("pk", flat=True))
    if request.method == "POST":
        team = next((t for t in teams if t.pk == parse_id(request.POST.get("team"))), None)
        if team is None:
            raise Http404
        form = _form(request.user, team, request.POST)
        saved = form.is_valid() and _save(request, team, form)
        if wants_fragment(request):
            context = {"team": team, "form": form, "saved": saved, "administered": administered}
            return render(request, f"{PAGE}#team_preferences", context)
        if saved:
            messages.success(request, f"Email notifications for {team.name} saved.")
            return redirect("dashboard:notification_preferences")
        sections = [(t, form if t.pk == team.pk else _form(request.user, t)) for t in teams]
    else:
        sections = [(team, _form(request.user, team)) for team in teams]
    return render(request, PAGE, {"sections": sections, "administered": administered})


def _save(request: HttpRequest, team: Team, form: PreferenceForm) -> bool:
    try:
        preference_services.preference_save(
            user=request.user,
            team=team,
            event_types=form.cleaned_data["event_types"],
            digest=form.cleaned_data["digest"],
        )
    except ServiceError as exc:
        apply_errors(form, exc.field_errors, exc.message)
        return False
    return True
