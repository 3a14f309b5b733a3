"""Test settings: development defaults, and vendor calls run inside the request for speed.

The worker integration tests start real `db_worker` processes with
TASKS_BACKEND=django_tasks_db.DatabaseBackend in their environment.
"""

import os

os.environ.setdefault("DEBUG", "True")
os.environ.setdefault("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("CONN_MAX_AGE", "0")

from config.settings import *  # noqa: F403
