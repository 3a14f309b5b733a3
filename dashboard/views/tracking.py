"""Import from a vendor, refresh, check a lost answer at the vendor, retry."""

import codecs
from functools import wraps
from urllib.parse import parse_qsl

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from dashboard import services
from dashboard.models import Project, Role, VendorAccount


def _member_project(request: HttpRequest, reference) -> Project:
    return get_object_or_404(
        Project.objects.for_user(request.user, role=Role.MEMBER).select_related("account", "team"),
        reference=reference,
    )


# Every project at the vendor is a checkbox, so a selection sent without JavaScript (one
# field per box) can pass Django's 1,000-field limit. This view alone reads up to this many.
IMPORT_MAX_FIELDS = 10_000


def _reads_a_large_selection(view):
    """Read the form with this view's own field bound, then check CSRF exactly as the
    middleware would (it is told to skip the view: it would read the form with the global
    bound first). Every other view keeps DATA_UPLOAD_MAX_NUMBER_FIELDS."""
    protected = csrf_protect(view)

    @wraps(view)
    def reading(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and request.content_type == FORM_ENCODED:
            # Read nothing and do nothing when the form can't be read as Django reads one.
            if not _is_utf8(request.encoding):
                messages.error(
                    request,
                    "That form was not sent as UTF-8 text, so nothing was imported. Reload "
                    "the page and try again.",
                )
                return redirect(request.path)
            try:
                request.POST = _form_fields(request.body)
            except TooManyFields:
                messages.error(
                    request,
                    f"That selection is more than {IMPORT_MAX_FIELDS:,} projects, so nothing "
                    "was imported. Import them in parts, or use “Import all”.",
                )
                return redirect(request.path)
        return protected(request, *args, **kwargs)

    return csrf_exempt(reading)


FORM_ENCODED = "application/x-www-form-urlencoded"


class TooManyFields(Exception):
    pass


def _is_utf8(encoding: str | None) -> bool:
    """A url-encoded form is UTF-8 (RFC 1866); Django refuses any other charset too."""
    if encoding is None:
        return True
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def _form_fields(body: bytes) -> QueryDict:
    """The form as Django reads it (QueryDict), with IMPORT_MAX_FIELDS as the bound."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("iso-8859-1")  # as QueryDict does
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=IMPORT_MAX_FIELDS)
    except ValueError:  # more fields than the bound
        raise TooManyFields from None
    fields = QueryDict(mutable=True)
    for name, value in pairs:
        fields.appendlist(name, value)
    return fields


@_reads_a_large_selection
@require_http_methods(["GET", "POST"])
def account_import(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(
        VendorAccount.objects.for_user(request.user, role=Role.MEMBER), pk=pk
    )
    if request.method == "POST":
        chosen = _chosen_remote_ids(request)
        if chosen == []:
            messages.info(request, "Nothing was selected, so nothing was imported.")
            return redirect("dashboard:account_import", pk=account.pk)
        try:
            adopted = services.account_import(account=account, user=request.user, remote_ids=chosen)
        except services.ServiceError as exc:
            messages.error(request, exc.message)
        else:
            count = f"{adopted} project{pluralize(adopted)}"
            if adopted:
                messages.success(request, f"Imported {count} from {account.label}.")
            else:
                messages.info(
                    request,
                    "Nothing new was imported: those projects are tracked here already, or "
                    "can't be imported (the list says why).",
                )
        return redirect("dashboard:account_import", pk=account.pk)
    candidates, error = [], ""
    try:
        candidates = services.account_import_candidates(account=account, user=request.user)
    except services.ServiceError as exc:
        error = exc.message
    context = {
        "account": account,
        "candidates": candidates,
        "error": error,
        "untracked": sum(1 for c in candidates if c.importable),
        "refused": sum(1 for c in candidates if c.problem),
    }
    return render(request, "dashboard/accounts/import.html", context)


def _chosen_remote_ids(request: HttpRequest) -> list[str] | None:
    """None for "import all"; else the ticked ids. The page's script sends them as one
    newline-separated field; without it each box is a field (see IMPORT_MAX_FIELDS)."""
    if request.POST.get("all") == "1":
        return None
    joined = [line.strip() for line in request.POST.get("remote_ids", "").splitlines()]
    return [i for i in request.POST.getlist("remote_id") + joined if i]


@require_POST
def project_refresh(request: HttpRequest, reference) -> HttpResponse:
    project = _member_project(request, reference)
    try:
        project = services.project_refresh(project=project, user=request.user)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if project.missing_at_vendor:
            messages.error(
                request, "The vendor no longer has this project. It is kept here, flagged."
            )
        else:
            messages.success(request, "Refreshed from the vendor.")
    return redirect("dashboard:project_detail", reference=project.reference)


@require_POST
def project_reconcile(request: HttpRequest, reference) -> HttpResponse:
    project = _member_project(request, reference)
    try:
        if request.POST.get("remote_id"):
            services.project_reconcile_pick(
                project=project, user=request.user, remote_id=request.POST["remote_id"]
            )
            messages.success(request, "Marked as created with the project you chose.")
            return _to_project(request, project)
        result = services.project_reconcile(project=project, user=request.user)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
        return _to_project(request, project)
    if result.outcome == "ambiguous":
        return render(
            request,
            "dashboard/projects/reconcile.html",
            {"project": project, "candidates": result.candidates},
        )
    if result.outcome == "created":
        messages.success(request, f"Found at the vendor: created with id {project.remote_id}.")
    elif result.outcome == "waiting":
        messages.info(request, services.not_found_yet_message(result.project))
    elif result.outcome == "unreadable":
        messages.error(request, f"{result.problem} The outcome stays unknown; nothing is re-sent.")
    elif result.outcome == "incomplete":
        messages.warning(request, result.problem)
    else:  # the page says why, once
        messages.info(request, "Checked at the vendor.")
    return _to_project(request, project)


def _to_project(request: HttpRequest, project: Project) -> HttpResponse:
    """Back to the project's page, whole, where the message shows (an htmx request is
    sent there by the browser: a redirect it followed would bring back a fragment)."""
    url = reverse("dashboard:project_detail", args=[project.reference])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
def project_retry(request: HttpRequest, reference) -> HttpResponse:
    project = _member_project(request, reference)
    try:
        services.project_retry(project=project, user=request.user)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("dashboard:project_detail", reference=project.reference)
