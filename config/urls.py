"""The project's routes: sign-in (password and single sign-on), the admin, the API
(namespace "api") and the dashboard app (namespace "dashboard")."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard.api.app import api_urls
from dashboard.api.docs import api_docs
from dashboard.sso import views as sso_views

urlpatterns = [
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url="/password/done/"),
        name="password_change",
    ),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("login/", sso_views.LoginView.as_view(), name="login"),
    path("logout/", sso_views.sign_out, name="logout"),
    # Single sign-on (OpenID Connect): 404 unless OIDC_ISSUER is set.
    path(
        "oidc/authenticate/",
        sso_views.SignInStartView.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        sso_views.SignInCallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/docs", api_docs, name="api_docs"),
    path("api/v1/", api_urls()),
    path("", include("dashboard.urls")),
]
