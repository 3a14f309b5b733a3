"""Calls in flight at the sandbox, counted per (vendor, account tag).

What a bulk sender promises ("at most N calls at once per account") is checked here, at
the receiving end, so the count must be exact across the server's threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


def account_key(vendor: str, account: str) -> str:
    """How an account shows in the counts: "r4~a1", or "r4" for the untagged prefix."""
    return f"{vendor}~{account}" if account else vendor


class InFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, dict[str, int]] = {}
        # A call still running at a reset leaves without touching the counts that follow.
        self._generation = 0

    @contextmanager
    def counting(self, key: str) -> Iterator[None]:
        """Count one call for its whole life; it leaves even if the body raises."""
        with self._lock:
            generation = self._generation
            counts = self._counts.setdefault(key, {"max": 0, "now": 0, "calls": 0})
            counts["now"] += 1
            counts["calls"] += 1
            counts["max"] = max(counts["max"], counts["now"])
        try:
            yield
        finally:
            with self._lock:
                if generation == self._generation:
                    self._counts[key]["now"] -= 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {key: dict(counts) for key, counts in self._counts.items()}

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._generation += 1
