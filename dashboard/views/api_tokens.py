"""API tokens: each person's own, and every token of the teams they administer."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from dashboard import services
from dashboard.api_token_form import ApiTokenForm
from dashboard.forms import apply_errors
from dashboard.models import Team, admin_teams, team_ids_for
from dashboard.views.htmx import wants_fragment

PAGE = "dashboard/api_tokens/list.html"


@sensitive_variables("new_token")
@never_cache  # the page may hold a new token's plaintext: never kept by any cache
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def api_token_list(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.filter(pk__in=team_ids_for(request.user))
    may_choose_never = admin_teams(request.user).exists()
    form = ApiTokenForm(request.POST or None, teams=teams, may_choose_never=may_choose_never)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            new_token = services.api_token_create(
                by=request.user,
                team=form.cleaned_data["team"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                expires_days=form.expires_days(),
            )
        except services.ServiceError as exc:
            apply_errors(form, exc.field_errors, exc.message)
        else:
            # Shown on this answer only: no redirect carries it, no session keeps it.
            form = ApiTokenForm(teams=teams, may_choose_never=may_choose_never)
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": services.api_tokens_visible(user=request.user),
        "has_teams": teams.exists(),
    }
    return render(request, f"{PAGE}#tokens" if wants_fragment(request) else PAGE, context)


@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(services.api_tokens_visible(user=request.user), pk=pk)
    if request.method == "POST":
        try:
            revoked = services.api_token_revoke(by=request.user, token=token)
        except services.ServiceError as exc:
            messages.error(request, exc.message)
        else:
            done = "revoked" if revoked else "was already revoked"
            messages.success(request, f"API token “{token.name}” {done}. It no longer works.")
        return redirect("dashboard:api_token_list")
    return render(request, "dashboard/api_tokens/revoke.html", {"token": token})
