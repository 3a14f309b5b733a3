"""The password form when PASSWORD_LOGIN is off: a superuser's way in, and no one else's."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError


class SuperuserOnlyLoginForm(AuthenticationForm):
    """One answer for a wrong password and for a right one that is not a superuser's, so
    the form never tells a guesser that a password was right."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages = {
            **self.error_messages,
            "invalid_login": (
                "Password sign-in is for superusers only. Everyone else: "
                f"{settings.OIDC_BUTTON_LABEL}."
                if settings.OIDC_ISSUER
                else "Password sign-in is for superusers only."
            ),
        }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_superuser:
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
