import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# gunicorn runs no system checks of its own: a broken deployment stops here, as runserver would.
from dashboard.checks import run_startup_checks  # noqa: E402  (needs the app loaded)

run_startup_checks()
