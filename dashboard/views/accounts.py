"""Connecting, checking, replacing and disconnecting vendor accounts (team admins)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from dashboard import services
from dashboard.forms import (
    AccountBasicsForm,
    AccountConnectForm,
    AccountReplaceForm,
    apply_errors,
    replace_credentials,
)
from dashboard.models import AuditEvent, Role, VendorAccount, admin_teams
from providers.registry import PROVIDERS


def account_list(request: HttpRequest) -> HttpResponse:
    accounts = VendorAccount.objects.for_user(request.user).select_related("team")
    teams = admin_teams(request.user)
    return render(
        request,
        "dashboard/accounts/list.html",
        {
            "accounts": accounts,
            "providers": PROVIDERS.values(),
            "can_connect": teams.exists(),
        },
    )


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def account_connect(request: HttpRequest, vendor: str) -> HttpResponse:
    provider = PROVIDERS.get(vendor)
    teams = admin_teams(request.user)
    if provider is None or not teams.exists():
        raise Http404
    form = AccountConnectForm(request.POST or None, provider=provider, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_connect(
                team=form.cleaned_data["team"],
                user=request.user,
                vendor=vendor,
                label=form.cleaned_data["label"],
                base_url=form.cleaned_data["base_url"],
                credentials_input=form.cleaned_data,
            )
        except services.ServiceError as exc:
            apply_errors(form, exc.field_errors, exc.message)
        else:
            messages.success(request, f"{provider.name} account “{account.label}” connected.")
            return redirect("dashboard:account_detail", pk=account.pk)
    return render(
        request,
        "dashboard/accounts/connect.html",
        {
            "form": form,
            "provider": provider,
            "device_form": AccountBasicsForm(provider=provider, teams=teams, prefix="device"),
        },
    )


def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(
        VendorAccount.objects.for_user(request.user).select_related("team"), pk=pk
    )
    is_admin = VendorAccount.objects.for_user(request.user, role=Role.ADMIN).filter(pk=pk).exists()
    events = AuditEvent.objects.filter(
        team=account.team, target_type="VendorAccount", target_id=str(account.pk)
    ).select_related("actor")[:50]
    return render(
        request,
        "dashboard/accounts/detail.html",
        {
            "account": account,
            "provider": PROVIDERS[account.vendor],
            "is_admin": is_admin,
            "events": events,
            "plan_label": PROVIDERS[account.vendor].plan_label(account.plan),
            "project_count": account.projects.count(),
        },
    )


def _admin_account(request: HttpRequest, pk: int) -> VendorAccount:
    return get_object_or_404(VendorAccount.objects.for_user(request.user, role=Role.ADMIN), pk=pk)


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def account_replace(request: HttpRequest, pk: int) -> HttpResponse:
    account = _admin_account(request, pk)
    provider = PROVIDERS[account.vendor]
    form = AccountReplaceForm(
        request.POST or None, provider=provider, initial={"base_url": account.base_url}
    )
    if request.method == "POST" and replace_credentials(form, account=account, user=request.user):
        messages.success(request, "New credentials verified and saved.")
        return redirect("dashboard:account_detail", pk=account.pk)
    return render(
        request,
        "dashboard/accounts/replace.html",
        {"form": form, "account": account, "provider": provider},
    )


@require_POST
def account_verify(request: HttpRequest, pk: int) -> HttpResponse:
    account = _admin_account(request, pk)
    try:
        services.account_verify(account=account, user=request.user)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The vendor accepted the stored credentials.")
    return redirect("dashboard:account_detail", pk=account.pk)


@require_POST
def account_plan(request: HttpRequest, pk: int) -> HttpResponse:
    account = _admin_account(request, pk)
    if not PROVIDERS[account.vendor].plans:
        raise Http404
    try:
        services.account_set_plan(
            account=account, user=request.user, plan=request.POST.get("plan", "")
        )
    except services.ServiceError as exc:
        messages.error(request, " ".join(exc.field_errors.values()) or exc.message)
    else:
        messages.success(request, "Plan saved. Project limits follow it from now on.")
    return redirect("dashboard:account_detail", pk=account.pk)


@require_http_methods(["GET", "POST"])
def account_disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    account = _admin_account(request, pk)
    if request.method == "POST":
        services.account_disconnect(account=account, user=request.user)
        messages.success(request, f"“{account.label}” disconnected. Its projects stay in the list.")
        return redirect("dashboard:account_detail", pk=account.pk)
    return render(request, "dashboard/accounts/disconnect.html", {"account": account})
