"""The sign-in doors: the login page, the start and end of the provider's round trip, and
sign-out (here, and at the provider when it offers RP-initiated logout)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from django.views.generic import View
from mozilla_django_oidc import views as oidc_views

from dashboard.sso import sso_enabled
from dashboard.sso.backend import SignInRefused
from dashboard.sso.discovery import ProviderUnavailable, provider_config
from dashboard.sso.forms import SuperuserOnlyLoginForm

WRONG_STATE = (
    "This sign-in did not start here, or has already been used. Sign in again from this page."
)
PROVIDER_DECLINED = "The identity provider did not sign you in."
BACKEND_PATH = "dashboard.sso.backend.IdentityProviderBackend"


class LoginView(auth_views.LoginView):
    """The password form, and "Sign in with …" when SSO is on. With PASSWORD_LOGIN off the
    form is shown only on request (`?with=password`) and signs in superusers alone."""

    redirect_authenticated_user = True

    def get_form_class(self):
        return auth_views.AuthenticationForm if settings.PASSWORD_LOGIN else SuperuserOnlyLoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if not settings.PASSWORD_LOGIN:
            response.status_code = 403
        return response

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.update(
            sso_enabled=sso_enabled(),
            sso_label=settings.OIDC_BUTTON_LABEL,
            password_login=settings.PASSWORD_LOGIN,
            show_password_form=settings.PASSWORD_LOGIN
            or self.request.method == "POST"
            or self.request.GET.get("with") == "password",
        )
        return context


@method_decorator(login_not_required, name="dispatch")
class SignInStartView(oidc_views.OIDCAuthenticationRequestView):
    """Off the provider's round trip, with state, nonce and a PKCE challenge kept in the
    session. The authorization endpoint comes from discovery, read when first needed."""

    def __init__(self, **kwargs) -> None:
        # The library reads the endpoint here, at every request; we read it in get().
        View.__init__(self, **kwargs)

    def get(self, request):
        if not sso_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_config().authorization_endpoint
        except ProviderUnavailable as exc:
            messages.error(request, str(exc))
            return redirect(settings.LOGIN_URL)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class SignInCallbackView(oidc_views.OIDCAuthenticationCallbackView):
    """Back from the provider. A callback for a sign-in this browser started: any refusal
    ends on the login page with its reason and without a session (one open before is
    closed too). Any other callback (a cross-site link, a replay) only shows the message:
    a link someone else made must not sign this browser out."""

    def get(self, request):
        if not sso_enabled():
            raise Http404
        if not self._started_here():
            messages.error(request, WRONG_STATE)
            return HttpResponseRedirect(reverse(settings.LOGIN_URL))
        try:
            return super().get(request)
        except SuspiciousOperation:  # the library's "state not found in session"
            return self._refused(WRONG_STATE)
        except SignInRefused as exc:
            return self._refused(exc.message)

    def _started_here(self) -> bool:
        state = self.request.GET.get("state")
        started = self.request.session.get("oidc_states")
        return bool(state) and isinstance(started, dict) and state in started

    def login_failure(self):
        if self.request.GET.get("error"):
            return self._refused(PROVIDER_DECLINED)
        return self._refused(WRONG_STATE)

    def _refused(self, message: str):
        if self.request.user.is_authenticated:
            auth.logout(self.request)
        self.request.session.flush()
        messages.error(self.request, message)
        return HttpResponseRedirect(reverse(settings.LOGIN_URL))


@login_not_required
@require_POST
def sign_out(request):
    """End the session here; for someone who came through the provider, there too."""
    at_provider = ""
    if request.session.get(auth.BACKEND_SESSION_KEY) == BACKEND_PATH:
        at_provider = _provider_logout_url(request)
    auth.logout(request)
    return HttpResponseRedirect(at_provider or reverse(settings.LOGOUT_REDIRECT_URL))


def _provider_logout_url(request) -> str:
    """RP-initiated logout with client_id (not id_token_hint: no token in a URL)."""
    if not (sso_enabled() and settings.OIDC_PROVIDER_LOGOUT):
        return ""
    try:
        endpoint = provider_config().end_session_endpoint
    except ProviderUnavailable:
        return ""
    if not endpoint:
        return ""
    query = urlencode(
        {
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(
                reverse(settings.LOGOUT_REDIRECT_URL)
            ),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
