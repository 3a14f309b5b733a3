"""A new batch from a project template: values for each placeholder of its name pattern,
other accounts of its vendor if wanted, and a name. The template is expanded into rows
(services.template_expand), which become a draft batch previewed like any other; the
browser then goes to that preview. Nothing is sent, and no vendor is asked."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from dashboard import services
from dashboard.models import (
    AccountStatus,
    BatchSource,
    ProjectTemplate,
    Role,
    VendorAccount,
    team_ids_for,
)
from dashboard.services.project_templates import expandable_pattern
from dashboard.template_forms import TemplateBatchForm
from dashboard.validation.ids import parse_id
from dashboard.views.batches import check_batch_name, reads_an_oversized_post
from dashboard.views.htmx import wants_fragment

TEMPLATE = "dashboard/project_templates/batch_new.html"


def _member_templates(request: HttpRequest):
    if not team_ids_for(request.user, role=Role.MEMBER).exists():
        raise Http404
    templates = ProjectTemplate.objects.for_user(request.user, role=Role.MEMBER)
    return templates.select_related("account", "team")


def _too_much(request: HttpRequest) -> HttpResponse:
    """Values too many to read: the page again, saying so (which template is unread)."""
    context = {
        "templates": _member_templates(request),
        "template": None,
        "form": None,
        "refusal": "That is too much text to send at once. Give fewer values: one batch "
        f"holds at most {settings.BATCH_MAX_ROWS:,} rows.",
    }
    return render(request, TEMPLATE, context)


@reads_an_oversized_post(_too_much)
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def template_batch_new(request: HttpRequest) -> HttpResponse:
    templates = _member_templates(request)
    given = request.POST.get("template") if request.method == "POST" else None
    if given is None:
        given = request.GET.get("template", "")
    template = None
    if given:
        number = parse_id(given)
        if number is None:
            raise Http404
        template = get_object_or_404(templates, pk=number)
    context = {"templates": templates, "template": template, "form": None, "refusal": ""}
    if template is None:
        return render(request, TEMPLATE, context)
    try:
        placeholders = expandable_pattern(template).placeholders
    except services.ServiceError as exc:  # no pattern (or one that no longer parses)
        context["refusal"] = exc.message
        return render(request, TEMPLATE, context)
    extra = list(_extra_accounts(template))
    data = request.POST if request.method == "POST" else None
    form = TemplateBatchForm(
        data, initial={"name": template.name}, placeholders=placeholders, extra=extra
    )
    context["form"] = form
    if request.method == "GET":
        fragment = f"{TEMPLATE}#batch_form" if wants_fragment(request) else TEMPLATE
        return render(request, fragment, context)
    if not form.is_valid():
        return render(request, TEMPLATE, context)
    chosen = set(form.cleaned_data["extra_accounts"])
    try:
        rows = services.template_expand(
            template=template,
            values=form.values(),
            extra_accounts=[account for account in extra if str(account.pk) in chosen],
        )
    except services.ServiceError as exc:
        _refused(form, exc)
        check_batch_name(form)  # every field that needs work says so at once
        return render(request, TEMPLATE, context)
    try:
        batch = services.batch_create(
            team=template.team,
            user=request.user,
            name=form.cleaned_data["name"],
            source=BatchSource.TEMPLATE,
            rows=rows,
        )
    except services.ServiceError as exc:
        _refused(form, exc)
        return render(request, TEMPLATE, context)
    return redirect(batch.get_absolute_url())


def _refused(form: TemplateBatchForm, exc: services.ServiceError) -> None:
    for key, message in exc.field_errors.items():
        form.add_error(form.field_for_error(key), message)
    if exc.message and not exc.field_errors:
        form.add_error(None, exc.message)


def _extra_accounts(template: ProjectTemplate):
    """The other connected accounts of the template's team at its vendor."""
    return (
        VendorAccount.objects.filter(
            team_id=template.team_id, vendor=template.account.vendor, status=AccountStatus.ACTIVE
        )
        .exclude(pk=template.account_id)
        .order_by("label", "pk")
    )
