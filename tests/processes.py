"""Real processes for integration tests: gunicorn web servers, `db_worker`s, the scheduler.

They share the test database (SQLite file or PostgreSQL), so tests that use them are
transactional: a row exists for them only once it is committed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.test import Client
from django.utils.crypto import get_random_string

ROOT = Path(__file__).resolve().parents[1]
QUEUE_BACKEND = "django_tasks_db.DatabaseBackend"
IMMEDIATE_BACKEND = "django.tasks.backends.immediate.ImmediateBackend"


def database_url() -> str:
    from tests.conftest import postgres_url

    database = connection.settings_dict
    if connection.vendor == "postgresql":
        return postgres_url(database)
    return f"sqlite:///{database['NAME']}"


def process_env(**overrides: str | None) -> dict[str, str]:
    """The test environment for a child process; an override of None removes a variable."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url(),
        PYTHONUNBUFFERED="1",
        CONN_MAX_AGE="0",
        VENDOR_HTTP_CONNECT_TIMEOUT="2",
        VENDOR_HTTP_READ_TIMEOUT="5",
        TASKS_BACKEND=QUEUE_BACKEND,
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye, like a machine losing power."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


class WebServer(Process):
    """gunicorn serving the app, as in production."""

    def __init__(
        self,
        log_dir: Path,
        *,
        workers: int,
        threads: int,
        env: dict[str, str],
        app: str = "config.wsgi",
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{self.port}"]
        args += ["--workers", str(workers), "--threads", str(threads), "--timeout", "60"]
        super().__init__(f"web-{self.port}", args, env, log_dir)
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()  # not handed to Services yet: nobody else would stop it
            raise

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log()}")
            try:
                # A worker's first request loads the app: seconds on 2 busy cores.
                if requests.get(f"{self.url}/login/", timeout=10).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start:\n{self.log()}")


class DevServer(WebServer):
    """`manage.py runserver`, as `make run` serves (a new thread for each request)."""

    def __init__(self, log_dir: Path, *, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"]
        Process.__init__(self, f"runserver-{self.port}", args, env, log_dir)
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise


class Services:
    """Starts processes for one test and stops them all at its end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Process] = []

    def web(self, *, workers: int = 4, threads: int = 5, **env: str) -> WebServer:
        server = WebServer(self.log_dir, workers=workers, threads=threads, env=process_env(**env))
        self.started.append(server)
        return server

    def runserver(self, **env: str) -> DevServer:
        server = DevServer(self.log_dir, env=process_env(**env))
        self.started.append(server)
        return server

    def worker(self, name: str = "worker", **env: str) -> Process:
        args = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
        args += ["--interval", "0.1", "--worker-id", name]
        process = Process(name, args, process_env(**env), self.log_dir)
        self.started.append(process)
        return process

    def scheduler(self, name: str = "scheduler", once: bool = False, **env: str) -> Process:
        args = [sys.executable, "manage.py", "run_scheduler", "--tick", "0.2"]
        args += ["--once"] if once else []
        process = Process(name, args, process_env(**env), self.log_dir)
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.started):
            process.stop()


@pytest.fixture
def services_running(transactional_db, tmp_path) -> Iterator[Services]:
    started = Services(tmp_path)
    yield started
    started.stop()


class UserAgent:
    """A logged-in user talking HTTP to a server process (sessions live in the database)."""

    def __init__(self, base_url: str, user) -> None:
        client = Client()
        client.force_login(user)
        self.base_url = base_url
        token = get_random_string(32)
        self.cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
        self.headers = {"X-CSRFToken": token}

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(
            self.base_url + path, cookies=self.cookies, allow_redirects=False, timeout=60, **kwargs
        )

    def post(self, path: str, data=None, **kwargs) -> requests.Response:
        return requests.post(
            self.base_url + path,
            data=data,
            cookies=self.cookies,
            headers={**self.headers, **kwargs.pop("headers", {})},
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )


def manage(*args: str, **env: str | None) -> subprocess.Popen:
    """`manage.py args` in a process of its own, its output kept as text."""
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=process_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def shells_at_once(code: str, count: int) -> list[subprocess.Popen]:
    """`count` processes started together, each running `code` in `manage.py shell`."""
    return [manage("shell", "-c", code) for _ in range(count)]


def finished(runs: list[subprocess.Popen], timeout: float = 120) -> list[str]:
    """Each run's output once it has ended; every run must have succeeded."""
    outputs = [run.communicate(timeout=timeout)[0] for run in runs]
    assert [run.returncode for run in runs] == [0] * len(runs), outputs
    return outputs


def at_once(count: int, call) -> list:
    """`call(i)` for i in range(count), all in flight together."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


def wait_for(predicate, *, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
