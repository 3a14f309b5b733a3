"""Sign-in through the company's identity provider (OpenID Connect), on mozilla-django-oidc.

discovery.py reads the provider's endpoints; backend.py checks what the provider sends and
finds or makes the user; views.py is the doors (start, callback, login page, logout);
sessions.py ends every session SESSION_MAX_AGE after its sign-in. Who a person becomes
(the user, their teams) is decided in dashboard/services/identity.py.
"""

from django.conf import settings


def sso_enabled() -> bool:
    return bool(settings.OIDC_ISSUER)
