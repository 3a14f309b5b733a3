"""Connecting an account by device sign-in. A worker polls the vendor; the page only reads."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard import services
from dashboard.forms import AccountBasicsForm, AccountConnectForm, apply_errors
from dashboard.models import (
    DeviceLogin,
    DeviceLoginStatus,
    Role,
    VendorAccount,
    admin_teams,
    team_ids_for,
)
from dashboard.services.device_login import EXPIRED_MESSAGE
from dashboard.validation.ids import parse_id
from dashboard.views.htmx import wants_fragment
from providers.registry import PROVIDERS


@require_POST
def device_login_start(request: HttpRequest, vendor: str) -> HttpResponse:
    provider = PROVIDERS.get(vendor)
    teams = admin_teams(request.user)
    if provider is None or not provider.supports_device_login or not teams.exists():
        raise Http404
    account = None
    if request.POST.get("account"):
        account_id = parse_id(request.POST["account"])
        if account_id is None:
            raise Http404
        account = get_object_or_404(
            VendorAccount.objects.for_user(request.user, role=Role.ADMIN),
            pk=account_id,
            vendor=vendor,
        )
    form = AccountBasicsForm(request.POST, provider=provider, teams=teams, prefix="device")
    if form.is_valid():
        try:
            login = services.device_login_start(
                team=account.team if account else form.cleaned_data["team"],
                user=request.user,
                vendor=vendor,
                label=account.label if account else form.cleaned_data["label"],
                base_url=form.cleaned_data["base_url"],
                account=account,
            )
        except services.ServiceError as exc:
            apply_errors(form, exc.field_errors, exc.message)
        else:
            return redirect("dashboard:device_login_status", reference=login.reference)
    return render(
        request,
        "dashboard/accounts/connect.html",
        {
            "provider": provider,
            "device_form": form,
            "form": AccountConnectForm(provider=provider, teams=teams),
        },
    )


@require_GET
@vary_on_headers("HX-Request")
def device_login_status(request: HttpRequest, reference) -> HttpResponse:
    # Only the admin who started a sign-in can watch it.
    login = get_object_or_404(
        DeviceLogin.objects.filter(
            created_by=request.user, team_id__in=team_ids_for(request.user, role=Role.ADMIN)
        ),
        reference=reference,
    )
    # Read only: the worker asks the vendor and records the answer, page open or not.
    remaining = max(0, int((login.expires_at - timezone.now()).total_seconds()))
    status, message = login.status, login.message
    if status == DeviceLoginStatus.PENDING and not remaining:  # the worker ends it soon
        status, message = DeviceLoginStatus.EXPIRED, EXPIRED_MESSAGE
    context = {
        "login": login,
        "provider": PROVIDERS[login.vendor],
        "remaining": remaining,
        "status": status,
        "status_label": DeviceLoginStatus(status).label,
        "message": message,
    }
    template = "dashboard/accounts/device_login.html"
    response = render(
        request, f"{template}#status" if wants_fragment(request) else template, context
    )
    response["Cache-Control"] = "no-store"
    return response
