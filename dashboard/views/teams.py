"""The user's teams: who is in them with which role; team admins manage membership."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from dashboard import services
from dashboard.models import (
    Membership,
    Role,
    Team,
    admin_teams,
    team_ids_for,
)


@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.filter(pk__in=team_ids_for(request.user)).prefetch_related(
        "memberships__user"
    )
    administered = set(admin_teams(request.user).values_list("pk", flat=True))
    return render(
        request,
        "dashboard/teams/list.html",
        {"teams": teams, "administered": administered, "roles": Role.choices},
    )


def _administered_team(request: HttpRequest, pk: int) -> Team:
    return get_object_or_404(admin_teams(request.user), pk=pk)


def _member(team: Team, member: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "team"), team=team, pk=member
    )


def _done(request: HttpRequest, call, *, success: str = "") -> HttpResponse:
    try:
        call()
    except services.ServiceError as exc:
        messages.error(request, " ".join(exc.field_errors.values()) or exc.message)
    else:
        if success:
            messages.success(request, success)
    return redirect("dashboard:team_list")


@require_POST
def team_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    team = _administered_team(request, pk)
    return _done(
        request,
        lambda: services.team_member_add(
            team=team,
            actor=request.user,
            username=request.POST.get("username", ""),
            role=request.POST.get("role", ""),
        ),
        # One answer whoever was found: it names no account.
        success=f"Added to {team.name}. Anyone already in it keeps their role.",
    )


@require_POST
def team_member_role(request: HttpRequest, pk: int, member: int) -> HttpResponse:
    membership = _member(_administered_team(request, pk), member)
    return _done(
        request,
        lambda: services.team_member_set_role(
            membership=membership, actor=request.user, role=request.POST.get("role", "")
        ),
    )


@require_POST
def team_member_remove(request: HttpRequest, pk: int, member: int) -> HttpResponse:
    membership = _member(_administered_team(request, pk), member)
    return _done(
        request, lambda: services.team_member_remove(membership=membership, actor=request.user)
    )
