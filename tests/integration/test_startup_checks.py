"""gunicorn runs no system checks of its own: dashboard.wsgi runs them, so a broken deployment
stops at the start instead of answering 500 on every page."""

import pytest
from cryptography.fernet import Fernet

from tests.integration.test_production import PRODUCTION


def test_gunicorn_with_debug_unset_refuses_to_start_without_collectstatic(
    services_running, tmp_path
):
    env = {
        **PRODUCTION,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "STATIC_ROOT": str(tmp_path / "never-collected"),
    }
    with pytest.raises(RuntimeError, match="gunicorn exited") as stopped:
        services_running.web(workers=1, threads=1, DEBUG=None, **env)
    log = str(stopped.value)
    assert "(dashboard.E004) The static files manifest" in log
    assert f"{tmp_path}/never-collected/staticfiles.json is missing" in log
    assert "Run `python manage.py collectstatic --noinput`" in log
