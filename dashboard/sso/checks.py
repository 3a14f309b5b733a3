"""Startup checks for single sign-on settings that would lock people out silently."""

from django.conf import settings
from django.core import checks


@checks.register
def check_sign_in_settings(app_configs=None, **kwargs):
    found = []
    if settings.OIDC_ISSUER and not (settings.OIDC_RP_CLIENT_ID and settings.OIDC_RP_CLIENT_SECRET):
        found.append(
            checks.Error(
                "OIDC_ISSUER is set without OIDC_CLIENT_ID and OIDC_CLIENT_SECRET: every "
                "sign-in through the identity provider would be refused.",
                hint="Register the dashboard at the provider and set both (README "
                '"Running in production").',
                id="dashboard.E008",
            )
        )
    if settings.OIDC_ISSUER.startswith("http://") and not settings.DEBUG:
        found.append(
            checks.Error(
                "OIDC_ISSUER is plain http: sign-in codes and tokens would cross the network "
                "readable by anyone on the way.",
                hint="Use the provider's https issuer URL.",
                id="dashboard.E009",
            )
        )
    if not settings.PASSWORD_LOGIN and not settings.OIDC_ISSUER:
        found.append(
            checks.Warning(
                "PASSWORD_LOGIN is off and no identity provider is set (OIDC_ISSUER): "
                "only superusers can sign in.",
                id="dashboard.W002",
            )
        )
    return found
