"""The receiver process (receiver.py) as a fixture: its URL, what it is told, what it got."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.processes import free_port, wait_for

SCRIPT = Path(__file__).with_name("receiver.py")


class Receiver:
    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.log_path = log_dir / f"receiver-{self.port}.jsonl"
        self.popen = subprocess.Popen(
            [sys.executable, str(SCRIPT), str(self.port), str(self.log_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.configure()
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the receiver did not start")

    def configure(self, **config) -> None:
        base = f"http://127.0.0.1:{self.port}/_config"
        requests.put(base, data=json.dumps(config), timeout=5).raise_for_status()

    def records(self, *, answered: bool | None = True) -> list[dict]:
        if not self.log_path.exists():
            return []
        lines = [json.loads(line) for line in self.log_path.read_text().splitlines() if line]
        return [r for r in lines if answered is None or r["answered"] == answered]

    def arrived(self) -> list[dict]:
        return self.records(answered=False)

    def wait_for(self, count: int, *, timeout: float = 60, answered: bool = True) -> list[dict]:
        wait_for(
            lambda: len(self.records(answered=answered)) >= count,
            timeout=timeout,
            what=f"{count} deliveries at the receiver",
        )
        return self.records(answered=answered)

    def stop(self) -> None:
        self.popen.kill()
        self.popen.wait(timeout=10)


@pytest.fixture
def receiver(tmp_path, settings) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1, let through by the webhook allow-list (and only by it)."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    started = Receiver(tmp_path)
    yield started
    started.stop()
