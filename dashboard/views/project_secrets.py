"""Project secrets: an explicit, audited reveal and regeneration, for team admins only."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from dashboard import services
from dashboard.models import Project, Role
from dashboard.views.htmx import wants_fragment
from providers.registry import get_provider


def _admin_project(request: HttpRequest, reference) -> Project:
    return get_object_or_404(
        Project.objects.for_user(request.user, role=Role.ADMIN).select_related("account", "team"),
        reference=reference,
    )


@never_cache
@require_POST
def project_secret_reveal(request: HttpRequest, reference) -> HttpResponse:
    project = _admin_project(request, reference)
    name = request.POST.get("name", "")
    if name not in project.secrets:
        raise Http404
    value = services.project_secret_reveal(project=project, user=request.user, name=name)
    context = {"project": project, "name": name, "value": value}
    template = "dashboard/projects/secret.html"
    return render(request, f"{template}#revealed" if wants_fragment(request) else template, context)


@require_http_methods(["GET", "POST"])
def project_secret_regenerate(request: HttpRequest, reference) -> HttpResponse:
    project = _admin_project(request, reference)
    if not get_provider(project.vendor).supports_secret_regeneration or not project.secrets:
        raise Http404
    if request.method == "POST":
        try:
            services.project_regenerate_secret(project=project, user=request.user)
        except services.ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "A new secret was issued and stored. Reveal it to copy it.")
        return redirect("dashboard:project_detail", reference=project.reference)
    return render(request, "dashboard/projects/regenerate.html", {"project": project})
