"""Django admin for teams, memberships and users: every door keeps a team's last admin.

Each door that can take an admin away from a team (the team's membership inline, the
membership change and delete pages, the bulk delete, deleting or deactivating a user)
asks the same service, `teams_keep_an_admin`, inside the transaction that makes the
change. The same doors audit each membership they add, change or remove, so the team's
activity feed shows the edit.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy

from dashboard import services
from dashboard.models import Membership, Role, Team


def _refusal(leaving, *, gaining=()) -> str:
    """The rule's refusal for this change, or "" (inside the caller's transaction)."""
    try:
        services.teams_keep_an_admin(leaving=leaving, gaining=gaining)
    except services.ServiceError as exc:
        return exc.message
    return ""


class KeepsTeamAdmins:
    """Deleting rows through this admin (one, or selected ones) keeps every team an admin.

    The refusal is shown where Django shows "protected" objects, so the confirmation page
    says why and the deletion does not happen. On the confirming POST the check and the
    deletion run in one transaction, which holds the lock the check takes.
    """

    def memberships_deleted(self, objs):
        raise NotImplementedError

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        with transaction.atomic():
            refusal = _refusal(self.memberships_deleted(objs))
        return deleted, counts, perms_needed, [*protected, refusal] if refusal else protected

    def delete_model(self, request, obj):
        _audit_removals(request, self.memberships_deleted([obj]))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        _audit_removals(request, self.memberships_deleted(queryset))
        super().delete_queryset(request, queryset)

    # The site-wide action of the same name, run in one transaction.
    @admin.action(
        permissions=["delete"],
        description=gettext_lazy("Delete selected %(verbose_name_plural)s"),
    )
    def delete_selected(self, request, queryset):
        with transaction.atomic():
            return django_delete_selected(self, request, queryset)


def _audit_removals(request, memberships) -> None:
    for membership in memberships:
        services.team_membership_edited(actor=request.user, before=membership, after=None)


def _as_it_was(form) -> Membership:
    """The membership a bound form edits, as it was before the form changed it."""
    instance, initial = form.instance, form.initial
    return Membership(
        pk=instance.pk,
        user_id=initial.get("user", instance.user_id),
        team_id=initial.get("team", instance.team_id),
        role=initial.get("role", instance.role),
    )


def _active_admin(cleaned: dict) -> bool:
    """The row names an admin who can act (an inactive user cannot sign in)."""
    user = cleaned.get("user")
    return cleaned.get("role") == Role.ADMIN and user is not None and user.is_active


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        leaving, gains_an_admin = [], False
        for form in self.forms:
            if form.instance.pk is None and not form.has_changed():
                continue  # an empty extra row
            deleted = self.can_delete and self._should_delete_form(form)
            stays_admin = not deleted and _active_admin(form.cleaned_data)
            gains_an_admin = gains_an_admin or stays_admin
            if form.instance.pk is not None and not stays_admin:
                leaving.append(form.instance)
        refusal = _refusal(leaving, gaining=[self.instance.pk] if gains_an_admin else [])
        if refusal:
            raise ValidationError(refusal)


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "managed_by_identity_provider", "created_at"]
    list_filter = ["managed_by_identity_provider"]
    search_fields = ["name"]
    # Set by the team's own admin on an approval-rule page, where it is audited.
    readonly_fields = ["self_approval"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        _audit_removals(request, [_as_it_was(each) for each in formset.deleted_forms])
        changed = [each for each in formset.initial_forms if each.has_changed()]
        before = {each.instance.pk: _as_it_was(each) for each in changed}
        super().save_formset(request, form, formset, change)
        for membership in formset.new_objects:
            services.team_membership_edited(actor=request.user, before=None, after=membership)
        for membership, _fields in formset.changed_objects:
            services.team_membership_edited(
                actor=request.user, before=before[membership.pk], after=membership
            )


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "team", "role"]

    def clean(self) -> dict:
        cleaned = super().clean()
        before = self.instance  # not yet changed: the form copies its values in after clean()
        if before.pk is not None and not self.errors:
            stays = _active_admin(cleaned) and cleaned.get("team") == before.team
            refusal = _refusal([] if stays else [before])
            if refusal:
                raise ValidationError(refusal)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(KeepsTeamAdmins, admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = ["user", "team", "role", "created_at"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "team__name"]
    autocomplete_fields = ["user", "team"]
    actions = ["delete_selected"]

    def memberships_deleted(self, objs):
        return list(objs)

    def save_model(self, request, obj, form, change):
        before = _as_it_was(form) if change else None
        super().save_model(request, obj, form, change)
        if not change or form.has_changed():
            services.team_membership_edited(actor=request.user, before=before, after=obj)


class TeamAwareUserChangeForm(UserChangeForm):
    """Unticking "Active" takes away the user's admin roles: refused for a last admin."""

    def clean(self) -> dict:
        cleaned = super().clean()
        was_active = self.instance.pk is not None and self.instance.is_active  # not yet changed
        if was_active and cleaned.get("is_active") is False and not self.errors:
            refusal = _refusal(Membership.objects.filter(user=self.instance))
            if refusal:
                raise ValidationError(f"{refusal} An inactive user cannot act as an admin.")
        return cleaned


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class TeamAwareUserAdmin(KeepsTeamAdmins, UserAdmin):
    """Django's user admin; deleting or deactivating a team's last admin is refused."""

    form = TeamAwareUserChangeForm
    actions = ["delete_selected"]

    def memberships_deleted(self, objs):
        return list(Membership.objects.filter(user__in=[user.pk for user in objs]))
