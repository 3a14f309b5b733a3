"""The password forms when PASSWORD_LOGIN is off: a superuser's way in, and no one else's
(at /login/ and at the admin's own /admin/login/ alike)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError


def superusers_only_message() -> str:
    if settings.OIDC_ISSUER:
        return (
            f"Password sign-in is for superusers only. Everyone else: {settings.OIDC_BUTTON_LABEL}."
        )
    return "Password sign-in is for superusers only."


class SuperuserOnlyLoginForm(AuthenticationForm):
    """One answer for a wrong password and for a right one that is not a superuser's, so
    the form never tells a guesser that a password was right."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages = {**self.error_messages, "invalid_login": superusers_only_message()}

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_superuser:
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login: staff as Django has it, or superusers only with PASSWORD_LOGIN off
    (read at each request, as /login/ does)."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not settings.PASSWORD_LOGIN and not user.is_superuser:
            raise ValidationError(superusers_only_message(), code="invalid_login")
