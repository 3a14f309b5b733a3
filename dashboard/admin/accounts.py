"""Django admin for vendor accounts: nothing here can send a stored key somewhere new.

Where an account is reached (`base_url`) and whether it is connected (`status`) are read
only. A new base URL comes only with new credentials, through the same service as the
dashboard's "Replace credentials" page, which checks the URL and verifies the credentials
with the vendor there, outside any transaction. An operator's edit of the label is
audited. Verify and disconnect are admin actions; an account is never deleted here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from dashboard import services
from dashboard.admin import actions as admin_actions
from dashboard.admin.filters import AccountAttentionFilter
from dashboard.admin.governance import rules_of
from dashboard.forms import AccountReplaceForm, replace_credentials
from dashboard.models import VendorAccount
from dashboard.services.accounts import clean_label
from providers.registry import get_provider


class VendorAccountAdminForm(forms.ModelForm):
    class Meta:
        model = VendorAccount
        fields = ["label"]

    def clean_label(self) -> str:
        try:
            return clean_label(self.cleaned_data.get("label", ""))
        except services.ServiceError as exc:
            raise forms.ValidationError(list(exc.field_errors.values()) or exc.message) from None


@admin.register(VendorAccount)
class VendorAccountAdmin(admin_actions.ActionsNeedChangePermission, admin.ModelAdmin):
    form = VendorAccountAdminForm
    list_display = [
        "label",
        "vendor",
        "team",
        "credential_hint",
        "status",
        "last_verified_at",
        "created_at",
    ]
    list_filter = [AccountAttentionFilter, "vendor", "status", "team"]
    search_fields = ["label", "identity", "team__name", "credential_hint"]
    actions = [admin_actions.verify_now, admin_actions.disconnect]
    fields = [
        "team",
        "vendor",
        "label",
        "base_url",
        "status",
        "stored_credentials",
        "identity",
        "last_verified_at",
        "created_by",
        "created_at",
        "updated_at",
        "disconnected_at",
    ]
    readonly_fields = [name for name in fields if name != "label"]
    list_select_related = ["team"]

    def get_inlines(self, request, obj):
        return rules_of(obj)

    # Not named "credentials": the model field of that name would be shown instead.
    @admin.display(description="Credentials")
    def stored_credentials(self, obj: VendorAccount) -> str:
        url = reverse("admin:dashboard_vendoraccount_replace_credentials", args=[obj.pk])
        return format_html(
            '{} · <a href="{}">Replace credentials (and base URL)</a>',
            obj.credential_hint or "none",
            url,
        )

    def has_add_permission(self, request) -> bool:
        return False  # connect through the dashboard, which verifies the key first

    def has_delete_permission(self, request, obj=None) -> bool:
        # Disconnect (an action, through the audited service) instead: deleting the row
        # would drop the account and its history with no audit row.
        return False

    def save_model(self, request, obj, form, change):
        if change and form.has_changed():
            services.account_rename(account=obj, user=request.user, label=obj.label)

    def get_urls(self):
        replace = self.admin_site.admin_view(self.replace_credentials_view)
        return [
            path(
                "<path:object_id>/replace-credentials/",
                replace,
                name="dashboard_vendoraccount_replace_credentials",
            ),
            *super().get_urls(),
        ]

    # Not wrapped in a transaction (as the change page is): the vendor is asked first, and
    # only its answer is written, in the service's own short transaction.
    @method_decorator(sensitive_post_parameters())
    @method_decorator(require_http_methods(["GET", "POST"]))
    def replace_credentials_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        account = self.get_object(request, unquote(object_id))
        if account is None:
            raise Http404
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        provider = get_provider(account.vendor)
        form = AccountReplaceForm(
            request.POST or None, provider=provider, initial={"base_url": account.base_url}
        )
        if request.method == "POST" and replace_credentials(
            form, account=account, user=request.user
        ):
            self.log_change(request, account, "Replaced the credentials.")
            self.message_user(request, "New credentials verified and stored encrypted.")
            return redirect("admin:dashboard_vendoraccount_change", account.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Replace credentials for “{account.label}”",
            "opts": self.opts,
            "original": account,
            "provider": provider,
            "form": form,
        }
        return TemplateResponse(
            request, "admin/dashboard/vendoraccount/replace_credentials.html", context
        )
