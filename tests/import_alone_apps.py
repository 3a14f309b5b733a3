from dashboard.apps import DashboardConfig


class DashboardWithoutReady(DashboardConfig):
    """The dashboard app, minus ready(): its import of the system checks would load most of
    the app before the module under test could be imported first."""

    def ready(self) -> None:
        pass
