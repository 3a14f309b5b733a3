"""Settings for importing one module alone (tests/test_import_graph.py): Django starts with
the models only, so the module under test is the first of ours to import anything else."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

_INSTEAD = {
    "django.contrib.admin": "django.contrib.admin.apps.SimpleAdminConfig",  # no autodiscover
    "dashboard": "tests.import_alone_apps.DashboardWithoutReady",  # no system checks loaded
}
INSTALLED_APPS = [_INSTEAD.get(app, app) for app in INSTALLED_APPS]
