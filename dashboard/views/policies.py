"""An account's policy page: the team's naming rule, required fields and defaults. Every
member of the team reads it (they create under it); only its admins change it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from dashboard import services
from dashboard.models import Role, VendorAccount, role_in
from dashboard.policy_forms import PolicyForm, field_for_error, policy_initial
from dashboard.views.htmx import wants_fragment
from dashboard.views.project_templates import defaults_shown
from providers.registry import get_provider

TEMPLATE = "dashboard/accounts/policy.html"


@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def account_policy(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(
        VendorAccount.objects.for_user(request.user).select_related("team", "policy"), pk=pk
    )
    is_admin = role_in(request.user, account.team_id) == Role.ADMIN
    if request.method == "POST" and not is_admin:
        raise Http404
    provider = get_provider(account.vendor)
    policy = getattr(account, "policy", None)
    data = request.POST if request.method == "POST" else None
    form = PolicyForm(data, provider=provider, initial=policy_initial(policy))
    context = {
        "account": account,
        "provider": provider,
        "policy": policy,
        "is_admin": is_admin,
        "form": form,
        "required_labels": _labels(provider, policy.required_fields if policy else []),
        "defaults": defaults_shown(policy.defaults if policy else {}, account.vendor),
    }
    if data is not None and form.is_valid() and _saved(request, account, form):
        messages.success(request, f"Policy of “{account.label}” saved.")
        url = account.policy.get_absolute_url()
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#policy_form", context)
    return render(request, TEMPLATE, context)


def _saved(request: HttpRequest, account: VendorAccount, form: PolicyForm) -> bool:
    try:
        services.policy_save(
            account=account,
            user=request.user,
            name_pattern=form.cleaned_data["name_pattern"],
            name_pattern_description=form.cleaned_data["name_pattern_description"],
            name_pattern_severity=form.cleaned_data["name_pattern_severity"],
            required_fields=form.cleaned_data["required_fields"],
            defaults=form.defaults(),
        )
    except services.ServiceError as exc:
        for key, message in exc.field_errors.items():
            where = field_for_error(form, key)
            if where is None or not form.has_error(where):
                form.add_error(where, message)
        if exc.message and not exc.field_errors:
            form.add_error(None, exc.message)
        return False
    return True


def _labels(provider, names) -> list[str]:
    labels = {spec.name: spec.label for spec in provider.project_fields}
    return [labels.get(name, name) for name in names or []]
