"""The team's project templates: the list (everyone in the team), and new, edit and delete
(the team's admins). The form shows the chosen account's vendor fields as defaults; an
htmx swap changes them with the account, a plain submit does the same without JS."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from dashboard import services
from dashboard.models import AccountStatus, ProjectTemplate, Role, VendorAccount, team_ids_for
from dashboard.template_forms import ProjectTemplateForm, template_initial
from dashboard.validation.ids import parse_id
from dashboard.views.htmx import wants_fragment
from providers.registry import get_provider

TEMPLATE = "dashboard/project_templates/form.html"


@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    templates = ProjectTemplate.objects.for_user(request.user).select_related("account", "team")
    admin_of = set(team_ids_for(request.user, role=Role.ADMIN).values_list("team_id", flat=True))
    member_of = set(team_ids_for(request.user, role=Role.MEMBER).values_list("team_id", flat=True))
    rows = [
        {
            "template": template,
            "is_admin": template.team_id in admin_of,
            "can_use": template.team_id in member_of,
            "defaults": _defaults_shown(template),
        }
        for template in templates
    ]
    teams = {template.team_id for template in templates}
    context = {"rows": rows, "can_create": bool(admin_of), "several_teams": len(teams) > 1}
    return render(request, "dashboard/project_templates/list.html", context)


def _defaults_shown(template: ProjectTemplate) -> list[tuple[str, str]]:
    return defaults_shown(template.defaults, template.account.vendor)


def defaults_shown(defaults, vendor: str) -> list[tuple[str, str]]:
    """Defaults (a template's, a policy's) as (label, value) by the vendor's field labels."""
    defaults = defaults if isinstance(defaults, dict) else {}
    specs = get_provider(vendor).project_fields
    labels = {spec.name: spec.label for spec in specs}
    shown = []
    for name, value in defaults.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value) or "none"
        shown.append((labels.get(name, str(name)), str(value)))
    return shown


def _admin_accounts(request: HttpRequest, *, team_id: int | None = None):
    """The connected accounts of the teams the user is an admin of (or of one of them)."""
    accounts = VendorAccount.objects.for_user(request.user, role=Role.ADMIN).filter(
        status=AccountStatus.ACTIVE
    )
    if team_id is not None:
        accounts = accounts.filter(team_id=team_id)
    return accounts.select_related("team").order_by("team__name", "vendor", "label")


@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def template_new(request: HttpRequest) -> HttpResponse:
    if not team_ids_for(request.user, role=Role.ADMIN).exists():
        raise Http404
    accounts = list(_admin_accounts(request))
    return _template_form(request, template=None, accounts=accounts)


@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = _admin_template(request, pk)
    accounts = list(_admin_accounts(request, team_id=template.team_id))
    if template.account not in accounts:  # kept, even disconnected: it is the template's
        accounts.insert(0, template.account)
    return _template_form(request, template=template, accounts=accounts)


def _admin_template(request: HttpRequest, pk: int) -> ProjectTemplate:
    templates = ProjectTemplate.objects.for_user(request.user, role=Role.ADMIN)
    return get_object_or_404(templates.select_related("account", "team"), pk=pk)


def _template_form(
    request: HttpRequest, *, template: ProjectTemplate | None, accounts: list[VendorAccount]
) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    chosen = _chosen_account(request, accounts, template)
    provider = get_provider(chosen.vendor) if chosen else None
    several = len({account.team_id for account in accounts}) > 1
    options = {"accounts": accounts, "provider": provider, "teams": several}
    initial = template_initial(template, vendor=chosen.vendor) if template and chosen else {}
    if chosen:
        initial["account"] = str(chosen.pk)
    form = ProjectTemplateForm(data, initial=initial, **options)
    form.fields["account"].widget.attrs.update(
        {  # the chosen account's fields, swapped in; without JS, "Show this account's fields"
            "hx-get": request.path,
            "hx-trigger": "change",
            "hx-target": "#template-fields",
            "hx-swap": "outerHTML",
        }
    )
    context = {"form": form, "template": template, "account": chosen}
    if request.method == "GET" and wants_fragment(request):
        return render(request, f"{TEMPLATE}#vendor_fields", context)
    if data is None or "show_fields" in data or not form.is_valid():
        return render(request, TEMPLATE, context)
    try:
        saved = services.template_save(
            team=chosen.team if template is None else template.team,
            user=request.user,
            template=template,
            account=chosen,
            name=form.cleaned_data["name"],
            name_pattern=form.cleaned_data["name_pattern"],
            defaults=form.defaults(),
        )
    except services.ServiceError as exc:
        for name, message in exc.field_errors.items():
            if name not in form.fields or not form.has_error(name):  # the spec said it
                form.add_error(name if name in form.fields else None, message)
        if exc.message and not exc.field_errors:
            form.add_error(None, exc.message)
        return render(request, TEMPLATE, context)
    verb = "saved" if template is None else "updated"
    messages.success(request, f"Template “{saved.name}” {verb}.")
    return redirect("dashboard:template_list")


def _chosen_account(
    request: HttpRequest, accounts: list[VendorAccount], template: ProjectTemplate | None
) -> VendorAccount | None:
    """The account asked for (posted, or in the query), one of those offered: a 404 for
    any other. Without one: the template's, or the only one offered."""
    given = request.POST.get("account") if request.method == "POST" else None
    if given is None:
        given = request.GET.get("account")
    if given:
        number = parse_id(given)
        found = [account for account in accounts if account.pk == number]
        if not found:
            raise Http404
        return found[0]
    if template is not None:
        return template.account
    return accounts[0] if len(accounts) == 1 else None


@require_http_methods(["GET", "POST"])
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = _admin_template(request, pk)
    if request.method == "POST":
        services.template_delete(template=template, user=request.user)
        messages.success(request, f"Template “{template.name}” deleted.")
        return redirect("dashboard:template_list")
    return render(request, "dashboard/project_templates/delete.html", {"template": template})
