"""A team's own regular expressions (naming rules, approval rules): bounded and timed.

A pattern comes from a team admin, so it is untrusted: its length is capped, it must
compile, and it must answer a set of adversarial probes within the time limit before it
is saved. Every match afterwards runs under the same limit (the `regex` package's
`timeout`), so even a pattern that slipped past the probes can't hold a worker.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from dashboard.validation.text import has_control_characters

PATTERN_MAX = 200  # characters
# Seconds one match may take. A name is at most a few hundred characters: a sane
# pattern answers in microseconds, so this only ever stops a runaway one.
MATCH_TIMEOUT = 0.05
# Seconds each probe may take when a pattern is saved: a fifth of the match limit, so a
# pattern saved on a fast machine still answers in time on one several times slower (a
# polynomial one like (a+)+$ took 33 ms on one machine and 80 ms on another).
PROBE_TIMEOUT = MATCH_TIMEOUT / 5
# Names the probes are as long as; longer than any vendor's name limit.
_PROBE_LENGTH = 256


class TeamPatternError(ValueError):
    """A pattern that can't be used: the message says why, in words for the admin."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TeamPattern:
    """A compiled pattern and its source, safe to keep and to match with."""

    source: str
    compiled: regex.Pattern

    def matches(self, name: str, *, timeout: float = MATCH_TIMEOUT) -> bool | None:
        """True or False; None when the match ran out of time (the caller decides)."""
        try:
            return self.compiled.search(name, timeout=timeout) is not None
        except TimeoutError:
            return None


def team_pattern(source: str) -> TeamPattern:
    """Compile and probe a pattern an admin typed, or raise TeamPatternError."""
    if not isinstance(source, str) or not source.strip():
        raise TeamPatternError("Enter a regular expression.")
    if len(source) > PATTERN_MAX:
        raise TeamPatternError(
            f"The pattern is {len(source)} characters long; the limit is {PATTERN_MAX}."
        )
    if has_control_characters(source):
        raise TeamPatternError("The pattern contains control characters; remove them.")
    try:
        compiled = regex.compile(source)
    except (regex.error, OverflowError, RecursionError, ValueError) as exc:
        position = getattr(exc, "pos", None)
        where = f" at character {position + 1}" if isinstance(position, int) else ""
        reason = getattr(exc, "msg", None) or str(exc).split(" at position")[0]
        raise TeamPatternError(f"The pattern isn't valid{where}: {reason}.") from None
    pattern = TeamPattern(source=source, compiled=compiled)
    for probe in _probes(source):
        if pattern.matches(probe, timeout=PROBE_TIMEOUT) is None:
            raise TeamPatternError(
                "The pattern takes too long on some names (it backtracks catastrophically, "
                "e.g. a nested repetition like (a+)+). Simplify it."
            )
    return pattern


@functools.lru_cache(maxsize=512)
def saved_pattern(source: str) -> TeamPattern:
    """A pattern that passed `team_pattern` when it was saved, compiled once per process:
    live validation matches it on every keystroke, and the probes already ran. Every
    match is still timed. Raises regex.error only if the stored text no longer compiles."""
    return TeamPattern(source=source, compiled=regex.compile(source))


def _probes(source: str) -> list[str]:
    """Names that make a backtracking pattern blow up: long runs of the characters the
    pattern mentions and of common name characters, each also followed by a character
    that fails the match at the very end."""
    alphabet = {ch for ch in source if ch.isalnum() or ch in "-_. "} | set("a0-_ A.")
    probes = []
    for ch in sorted(alphabet):
        run = ch * _PROBE_LENGTH
        probes += [run, run[:-1] + "!", run[:-1] + "\n"]
    pairs = "".join(sorted(alphabet))
    probes.append((pairs * (_PROBE_LENGTH // len(pairs) + 1))[:_PROBE_LENGTH] + "!")
    return probes
