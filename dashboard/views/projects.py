"""Creating projects (with live validation) and tracking them."""

import uuid
from datetime import timedelta

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from dashboard import listing, services
from dashboard.forms import ProjectForm, apply_errors, raw_values, start_from_policy
from dashboard.listing.comparison import sent_and_answered
from dashboard.models import (
    AccountStatus,
    AuditEvent,
    Membership,
    ProjectStatus,
    ProjectTemplate,
    Role,
    VendorAccount,
    role_in,
    roles_at_least,
)
from dashboard.models import Project as ProjectModel
from dashboard.template_forms import start_from_template
from dashboard.validation.ids import parse_id
from dashboard.views.htmx import wants_fragment
from providers.registry import PROVIDERS, get_provider


@require_GET
@vary_on_headers("HX-Request")
def project_list(request: HttpRequest) -> HttpResponse:
    accounts = VendorAccount.objects.for_user(request.user).only("pk", "label").order_by("label")
    filters = listing.clean_filters(request.GET, accounts=accounts)
    query = listing.project_query(user=request.user, filters=filters)
    counts = listing.list_counts(query)
    position = request.GET.get("after") or request.GET.get("before")
    page = listing.list_page(query, position=position, counts=counts)
    status_labels = dict(ProjectStatus.choices)
    vendor_labels = {slug: p.name for slug, p in PROVIDERS.items()}
    _add_display(page, status_labels=status_labels, vendor_labels=vendor_labels)
    # While a create on this page is pending the table refreshes itself until it settles.
    has_pending = any(project["status"] == ProjectStatus.PENDING for project in page)
    context = {
        "counts": counts,
        "count_limit": counts.get("limit"),  # inexact counts: the number they exceed
        "status_labels": status_labels,
        "vendor_labels": vendor_labels,
        "page": page,
        "has_pending": has_pending,
        "filters": filters,
        "filtered": any(key != "sort" for key in filters),
        "accounts": accounts,
        "sort_next": listing.next_sorts(filters["sort"]),
        "vendors": PROVIDERS.values(),
        "statuses": ProjectStatus.choices,
        "creators": _team_mates(request.user),
        "can_create": VendorAccount.objects.for_user(request.user, role=Role.MEMBER).exists(),
    }
    template = "dashboard/projects/list.html"
    return render(request, f"{template}#table" if wants_fragment(request) else template, context)


def _add_display(rows, *, status_labels: dict, vendor_labels: dict) -> None:
    """Each row's link (from one reverse() for the page) and labels: a reverse or a
    template filter per row was most of what rendering the list cost."""
    stub = str(uuid.UUID(int=0))
    pattern = reverse("dashboard:project_detail", args=[stub])
    for row in rows:
        row["url"] = pattern.replace(stub, str(row["reference"]))
        row["status_label"] = status_labels.get(row["status"], row["status"])
        row["vendor_label"] = vendor_labels.get(row["vendor"], row["vendor"])


def _team_mates(user):
    from django.contrib.auth import get_user_model

    teams = Membership.objects.filter(user=user).values("team")
    return (
        get_user_model().objects.filter(memberships__team__in=teams).distinct().order_by("username")
    )


def _id_or_404(value) -> int:
    number = parse_id(value)
    if number is None:
        raise Http404
    return number


def _creatable_accounts(request: HttpRequest):
    return (
        VendorAccount.objects.for_user(request.user, role=Role.MEMBER)
        .filter(status=AccountStatus.ACTIVE)
        .select_related("team", "policy", "approval_rule")
    )


@vary_on_headers("HX-Request")
def project_new(request: HttpRequest) -> HttpResponse:
    """GET: pick an account, get its vendor's form. POST: create the project."""
    accounts = _creatable_accounts(request)
    template = _template_asked(request)
    account_id = request.POST.get("account") or request.GET.get("account") or ""
    account = None
    if template is not None:
        account = accounts.filter(pk=template.account_id).first()  # None: not usable now
    elif account_id:
        account = get_object_or_404(accounts, pk=_id_or_404(account_id))
    elif accounts.count() == 1:
        account = accounts.first()
    if request.method == "POST":
        if account is None:
            raise Http404
        return _project_submit(request, account)
    form, refused = None, None
    if account is not None and request.GET.get("fix"):
        form, refused = _form_to_fix(request, account, request.GET["fix"])
    elif account is not None:
        form = ProjectForm(provider=get_provider(account.vendor))
        start_from_policy(form, account)
        if template is not None:
            start_from_template(form, template, get_provider(account.vendor))
    context = {
        "accounts": accounts,
        "account": account,
        "form": form,
        "refused": refused,
        "template": template,
    }
    if wants_fragment(request):
        return render(request, "dashboard/projects/new.html#vendor_form", context)
    return render(request, "dashboard/projects/new.html", context)


def _template_asked(request: HttpRequest) -> ProjectTemplate | None:
    """The template `?template=` names, of a team where the user may create: a 404 for any
    other (another team's, a viewer's, a malformed id)."""
    if request.method != "GET" or "template" not in request.GET:
        return None
    templates = ProjectTemplate.objects.for_user(request.user, role=Role.MEMBER)
    return get_object_or_404(
        templates.select_related("account"), pk=_id_or_404(request.GET["template"])
    )


def _project_submit(request: HttpRequest, account: VendorAccount) -> HttpResponse:
    provider = get_provider(account.vendor)
    form = ProjectForm(request.POST, provider=provider)
    project = None
    if form.is_valid():
        try:
            project = services.project_create(
                account=account,
                user=request.user,
                data=form.cleaned_data,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except services.ServiceError as exc:
            apply_errors(form, exc.field_errors, exc.message)
    elif "idempotency_key" in form.errors:
        form.add_error(None, "This form has expired. Reload the page and submit again.")
    if project is not None and not _refused(project):
        url = reverse("dashboard:project_detail", args=[project.reference])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if project is not None:
        # The vendor said no: show its words at the fields, with a fresh key for the next try.
        data = request.POST.copy()
        data["idempotency_key"] = str(uuid.uuid4())
        form = ProjectForm(data, provider=provider)
        form.is_valid()
        apply_errors(form, project.error_fields, _refusal_message(project))
    context = {
        "accounts": _creatable_accounts(request),
        "account": account,
        "form": form,
        "refused": project,
    }
    template = "dashboard/projects/new.html"
    return render(
        request, f"{template}#vendor_form" if wants_fragment(request) else template, context
    )


def _form_to_fix(request: HttpRequest, account: VendorAccount, reference: str):
    """The form of a create the vendor refused (its worker answered after the page moved on),
    filled in as sent, with the vendor's words at the fields and a fresh idempotency key."""
    try:
        reference = uuid.UUID(reference)
    except ValueError:
        raise Http404 from None
    refused = get_object_or_404(
        ProjectModel.objects.for_user(request.user, role=Role.MEMBER),
        reference=reference,
        account=account,
        status=ProjectStatus.FAILED,
    )
    data = QueryDict(mutable=True)
    for name, value in refused.payload.items():
        if isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    data["idempotency_key"] = str(uuid.uuid4())
    form = ProjectForm(data, provider=get_provider(account.vendor))
    form.is_valid()
    apply_errors(form, refused.error_fields, _refusal_message(refused))
    return form, refused


def _refused(project: ProjectModel) -> bool:
    return project.status == ProjectStatus.FAILED


def _refusal_message(project: ProjectModel) -> str:
    if project.error_fields and project.error_kind == "invalid":
        vendor = project.get_vendor_display()
        return f"{vendor} refused the project. Fix the marked fields and submit again."
    return project.error_message


@require_POST
def project_validate(request: HttpRequest) -> HttpResponse:
    """Live check of one field as the user types; renders that field's feedback."""
    account_id = _id_or_404(request.POST.get("account"))
    account = get_object_or_404(_creatable_accounts(request), pk=account_id)
    provider = get_provider(account.vendor)
    form = ProjectForm(request.POST, provider=provider)
    field_name = request.POST.get("_field", "")
    if field_name not in form.fields or field_name == "idempotency_key":
        raise Http404
    values = raw_values(form)
    checks = services.project_checks(account=account, data=values)
    guidance = services.project_guidance(account=account, checks=checks, approval=True)
    raw = values.get(field_name) or ""
    context = {
        "field": form[field_name],
        "error": checks.vendor_errors.get(field_name),
        "advice": guidance.get(field_name, []),
        # The team's verdict beside the vendor's, each saying whose rule it is.
        "team_error": checks.team.errors.get(field_name),
        "team_met": checks.team.met.get(field_name),
        "team_default": _default_shown(checks.team.defaults_used, field_name),
        "vendor": provider.name,
        "length": len(raw.strip()) if isinstance(raw, str) else 0,
        "live": True,
        # "Looks good." is for text a person typed, and only when nothing is said about it.
        "checked": isinstance(form.fields[field_name], forms.CharField),
    }
    return render(request, "dashboard/_field.html#feedback_body", context)


def _default_shown(used: dict, field_name: str) -> str:
    """What the live form says of a text field left empty that the team's default fills."""
    value = used.get(field_name)
    if not isinstance(value, str):
        return ""  # a box or a list shows its default itself
    shown = value if len(value) <= 60 else f"{value[:60]}…"
    return f"Team default: left empty, “{shown}” is used."


@require_GET
@vary_on_headers("HX-Request")
def project_detail(request: HttpRequest, reference) -> HttpResponse:
    project = get_object_or_404(
        ProjectModel.objects.for_user(request.user).select_related(
            "account", "created_by", "decided_by", "team"
        ),
        reference=reference,
    )
    role = role_in(request.user, project.team_id)
    context = {
        "project": project,
        "expires_at": project.created_at + timedelta(days=settings.APPROVAL_EXPIRY_DAYS),
        "can_act": role in roles_at_least(Role.MEMBER),
        "is_admin": role == Role.ADMIN,
    }
    if wants_fragment(request):
        return render(request, "dashboard/projects/detail.html#status", context)
    context["can_regenerate"] = get_provider(project.vendor).supports_secret_regeneration
    context["compared"] = sent_and_answered(project)
    context["events"] = AuditEvent.objects.filter(
        team=project.team, target_type="Project", target_id=str(project.pk)
    ).select_related("actor")
    return render(request, "dashboard/projects/detail.html", context)
