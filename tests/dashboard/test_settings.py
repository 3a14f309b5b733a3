"""Production settings refuse development secrets; `check --deploy` is clean."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def run(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.update(env)
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    environment["ENV_FILE"] = "/dev/null"  # a developer's .env must not decide these tests
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_refuses_the_development_secret_key(tmp_path):
    result = run("check", DEBUG="False", FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode())
    assert result.returncode != 0 and "Set SECRET_KEY" in result.stderr


def test_debug_off_refuses_the_development_encryption_key():
    result = run("check", DEBUG="False", SECRET_KEY="x" * 50)
    assert result.returncode != 0 and "Set FIELD_ENCRYPTION_KEYS" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    production = {
        "DEBUG": "False",
        "SECRET_KEY": "kJ8s-production-like-secret-key-with-enough-entropy-9f3Qz7Lm2Xw",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "dash.example.com",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    assert run("collectstatic", "--noinput", **production).returncode == 0
    result = run("check", "--deploy", "--fail-level", "WARNING", **production)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_debug_is_off_when_the_variable_is_unset():
    result = run(
        "shell",
        "-c",
        "from django.conf import settings; print('DEBUG', settings.DEBUG)",
        SECRET_KEY="kJ8s-production-like-secret-key-with-enough-entropy-9f3Qz7Lm2Xw",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_with_nothing_set_it_refuses_to_start_instead_of_running_on_development_keys():
    result = run("check")
    assert result.returncode != 0 and "Set SECRET_KEY" in result.stderr


def test_x_forwarded_proto_is_trusted_only_behind_a_declared_proxy():
    production = {
        "SECRET_KEY": "kJ8s-production-like-secret-key-with-enough-entropy-9f3Qz7Lm2Xw",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DEBUG": "False",
    }
    show = "from django.conf import settings; print('HEADER', settings.SECURE_PROXY_SSL_HEADER)"
    direct = run("shell", "-c", show, **production)
    assert "HEADER None" in direct.stdout, direct.stderr
    proxied = run("shell", "-c", show, BEHIND_PROXY="True", **production)
    assert "HEADER ('HTTP_X_FORWARDED_PROTO', 'https')" in proxied.stdout, proxied.stderr
