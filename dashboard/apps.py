from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Vendor dashboard"

    def ready(self) -> None:
        from dashboard import checks  # noqa: F401  (registers the checks)
        from dashboard.sso import checks as sso_checks  # noqa: F401  (registers them)
        from dashboard.sso import sessions  # noqa: F401  (connects the session limit)
