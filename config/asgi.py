import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

# An ASGI server runs no system checks of its own: a broken deployment stops here.
from dashboard.checks import run_startup_checks  # noqa: E402  (needs the app loaded)

run_startup_checks()
