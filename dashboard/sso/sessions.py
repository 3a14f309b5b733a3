"""Every signed-in session ends SESSION_MAX_AGE seconds after its sign-in, however busy.

Django renews a session's expiry each time the session is saved (a message, a form's
state); an expiry set as a date at sign-in stays put, and the database refuses the
session after it (whichever process reads it). Password and provider sign-ins alike.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone


@receiver(user_logged_in, dispatch_uid="dashboard.sso.sessions.end_at_most_after")
def end_at_most_after(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session.set_expiry(timezone.now() + timedelta(seconds=settings.SESSION_MAX_AGE))
