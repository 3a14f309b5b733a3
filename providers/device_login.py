"""RFC 8628 device login: the polling rules, kept apart from any vendor or clock."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

SLOW_DOWN_STEP = 5  # seconds added on every slow_down (cumulative), RFC 8628 3.5
RATE_LIMIT_STEP = 10  # seconds added on HTTP 429
# RFC 8628 expects minutes. A longer interval or lifetime is a vendor's mistake; believing
# it would keep a sign-in waiting for years (or overflow a date), so a day is read instead.
LONGEST_WAIT = 24 * 3600


class PollState(enum.StrEnum):
    PENDING = "pending"
    SLOW_DOWN = "slow_down"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"  # no answer this time; try again at the next interval
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    FAILED = "failed"


TERMINAL = frozenset({PollState.APPROVED, PollState.DENIED, PollState.EXPIRED, PollState.FAILED})


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class DevicePoll:
    state: PollState
    message: str = ""
    token: str = ""  # only when approved

    def __repr__(self) -> str:  # never show the token
        return f"DevicePoll({self.state!s})"


def next_interval(interval: int, state: PollState) -> int:
    if state == PollState.SLOW_DOWN:
        return interval + SLOW_DOWN_STEP
    if state == PollState.RATE_LIMITED:
        return interval + RATE_LIMIT_STEP
    return interval


def positive_seconds(value: Any, default: int) -> int:
    """An interval or lifetime from the vendor (at most a day), or the RFC's default for
    anything else."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return min(value, LONGEST_WAIT)
    return default


def web_address(value: Any) -> str:
    """A verification URI the admin is sent to: http(s) of a sane length, else ""
    (never a javascript: or data: link)."""
    text = value.strip() if isinstance(value, str) else ""
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.netloc and len(text) <= 500 else ""
