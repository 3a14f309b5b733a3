"""The production shape: gunicorn, DEBUG unset (off), whitenoise serving collected static files."""

import re
import subprocess
import sys

import requests
from cryptography.fernet import Fernet

from tests.processes import ROOT, process_env

PRODUCTION = {
    "SECRET_KEY": "kJ8s-production-like-secret-key-with-enough-entropy-9f3Qz7Lm2Xw",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "False",  # TLS ends at the proxy in front; this test speaks http
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "ENV_FILE": "/dev/null",
}


def test_gunicorn_serves_pages_and_hashed_static_files_with_debug_unset(services_running, tmp_path):
    env = {
        **PRODUCTION,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=process_env(DEBUG=None, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collect.returncode == 0, collect.stderr
    web = services_running.web(workers=2, threads=2, DEBUG=None, **env)

    login = get(web.url + "/login/")
    assert login.status_code == 200
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login.text)
    assert stylesheet, "static URLs carry a content hash"
    css = get(web.url + stylesheet.group(1))
    assert css.status_code == 200 and "max-age=315360000" in css.headers["Cache-Control"]

    missing = get(web.url + "/no-such-page/")
    assert missing.status_code in (302, 404) and "Traceback" not in missing.text


def get(url: str) -> requests.Response:
    return requests.get(url, timeout=10, allow_redirects=False)
