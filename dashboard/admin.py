"""Django admin: oversight of every model. Secrets are write-only; the audit trail is read-only."""

import json

from django import forms
from django.contrib import admin, messages
from django.views.decorators.debug import sensitive_variables

from providers.registry import get_provider

from . import admin_actions, admin_teams, services  # noqa: F401  (admin_teams registers)
from .admin_filters import AccountAttentionFilter, ProjectAttentionFilter
from .models import AuditEvent, DeviceLogin, Project, VendorAccount
from .services.accounts import save_verified_account, verified_credentials


class VendorAccountAdminForm(forms.ModelForm):
    new_credentials = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. A JSON object of the vendor's credential fields, "
        'e.g. {"api_key": "rk_…"}. '
        "They are verified with the vendor before they replace the stored ones. Blank keeps them.",
    )

    class Meta:
        model = VendorAccount
        fields = ["team", "vendor", "label", "base_url", "status"]

    def clean_new_credentials(self) -> dict | None:
        raw = self.cleaned_data.get("new_credentials")
        if not raw:
            return None
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise forms.ValidationError("Enter a JSON object.") from None  # never echo the input
        if not isinstance(parsed, dict):
            raise forms.ValidationError("Enter a JSON object.")
        return parsed

    @sensitive_variables("verified")
    def clean(self) -> dict:
        """New credentials are checked with the vendor here, so a refusal is a form error
        and nothing is saved (not a success banner over a failed change)."""
        cleaned = super().clean()
        self.verified = None
        typed = cleaned.get("new_credentials")
        if typed and self.instance.pk is not None:
            provider = get_provider(self.instance.vendor)
            base_url = cleaned.get("base_url") or self.instance.base_url
            try:
                self.verified = verified_credentials(provider, base_url, typed)
            except services.ServiceError as exc:
                messages_ = list(exc.field_errors.values()) or [exc.message]
                self.add_error("new_credentials", [m for m in messages_ if m])
        return cleaned


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
    readonly_fields = [
        "credential_hint",
        "identity",
        "last_verified_at",
        "created_by",
        "created_at",
        "updated_at",
        "disconnected_at",
    ]
    list_select_related = ["team"]

    def get_form(self, request, obj=None, **kwargs):
        # Credentials come only through the verified connect flow, so "add" has no key field.
        if obj is None:
            kwargs["fields"] = ["team", "vendor", "label", "base_url", "status"]
        return super().get_form(request, obj, **kwargs)

    def has_add_permission(self, request) -> bool:
        return False  # connect through the dashboard, which verifies the key first

    def get_readonly_fields(self, request, obj=None):
        # An account's projects live in its team, at its vendor: neither can change later.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "team", "vendor"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if getattr(form, "verified", None):
            base_url, credentials, check = form.verified
            save_verified_account(
                account=obj,
                user=request.user,
                base_url=base_url,
                credentials=credentials,
                check=check,
            )
            messages.info(request, "New credentials verified with the vendor and stored encrypted.")


@admin.register(Project)
class ProjectAdmin(admin_actions.ActionsNeedChangePermission, admin.ModelAdmin):
    list_display = [
        "name",
        "vendor",
        "account",
        "team",
        "status",
        "remote_id",
        "created_by",
        "created_at",
    ]
    # A date filter of ranges, not date_hierarchy (which truncates every row's date on
    # SQLite), and no unfiltered COUNT beside the filtered one: usable at a million rows.
    list_filter = [
        ProjectAttentionFilter,
        "status",
        "vendor",
        "team",
        ("created_at", admin.DateFieldListFilter),
    ]
    actions = [
        admin_actions.check_at_vendor,
        admin_actions.refresh_from_vendor,
        admin_actions.retry,
    ]
    search_fields = ["name", "remote_id", "reference"]
    list_select_related = ["account", "team", "created_by"]
    show_full_result_count = False
    readonly_fields = [
        "reference",
        "team",
        "account",
        "vendor",
        "name",
        "payload",
        "idempotency_key",
        "status",
        "remote_id",
        "vendor_response",
        "stored_secrets",
        "error_kind",
        "error_code",
        "error_status",
        "error_message",
        "error_fields",
        "origin",
        "remote_status",
        "missing_at_vendor",
        "created_by",
        "created_at",
        "updated_at",
        "queued_at",
        "attempted_at",
        "completed_at",
        "last_synced_at",
    ]
    fields = readonly_fields

    @admin.display(description="Secrets")
    def stored_secrets(self, obj: Project) -> str:
        names = sorted(obj.secrets)
        return ", ".join(f"{name}: ••••" for name in names) if names else "—"

    def has_add_permission(self, request) -> bool:
        return False  # projects are created at the vendor, through the dashboard

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only: offer no Save buttons that would save nothing.
        no_save = {"show_save": False, "show_save_and_continue": False}
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **no_save}
        )


@admin.register(DeviceLogin)
class DeviceLoginAdmin(admin.ModelAdmin):
    """Read-only: neither the device code nor the user code is shown."""

    list_display = ["created_at", "vendor", "label", "team", "status", "created_by"]
    list_filter = ["vendor", "status", "team"]
    search_fields = ["label", "team__name"]
    list_select_related = ["team", "created_by"]
    fields = [
        "vendor",
        "team",
        "account",
        "label",
        "base_url",
        "verification_uri",
        "interval",
        "expires_at",
        "next_poll_at",
        "status",
        "message",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "team", "actor", "action", "target_type", "target_id", "summary"]
    list_filter = ["action", "team", "target_type", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["summary", "target_id", "actor__username"]
    list_select_related = ["team", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
