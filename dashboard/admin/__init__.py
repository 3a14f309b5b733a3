"""Django admin: oversight of every team. Importing the package registers each model admin."""

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
