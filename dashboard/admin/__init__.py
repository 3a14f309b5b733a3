"""Django admin: oversight of every team. Importing the package registers each model admin."""

from dashboard.admin import accounts, audit, device_logins, projects, teams  # noqa: F401
