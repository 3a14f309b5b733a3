"""Django admin: oversight of every team. Importing the package registers each model admin."""

from django.contrib import admin

from dashboard.admin import (  # noqa: F401
    accounts,
    api_tokens,
    audit,
    device_logins,
    identity,
    notifications,
    projects,
    teams,
)
from dashboard.sso.forms import AdminLoginForm

# With PASSWORD_LOGIN off, /admin/login/ must not be a password door for all staff.
admin.site.login_form = AdminLoginForm
