"""A team's own regular expressions (naming rules, approval rules): bounded and timed.

A pattern comes from a team admin, so it is untrusted: its length is capped, it must
compile, and it must answer a set of adversarial probes within the time limit before it
is saved. Every match afterwards runs under the same limit (the `regex` package's
`timeout`), so even a pattern that slipped past the probes can't hold a worker.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

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
# Seconds all the probes of one pattern may take together.
PROBES_TIMEOUT = 1.0
# Names the probes are as long as; longer than any vendor's name limit.
_PROBE_LENGTH = 256
# Seconds every match in one check of many names (a batch's preview or send) may take in
# all: this, plus BATCH_MATCH_BUDGET_PER_NAME for each name. A sane pattern takes
# microseconds a name (10,000 names against three patterns: 0.05 s); a heavy one that
# passed the probes, a fraction of a millisecond on a long name.
BATCH_MATCH_BUDGET = 2.0
BATCH_MATCH_BUDGET_PER_NAME = 0.001
# Within one check, a pattern that ran out of time this often is not run again: one that
# slipped past the probes costs a batch a quarter of a second, not its time limit a row.
TIMEOUTS_BEFORE_GIVING_UP = 5


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
        """True or False; None when the match ran out of time (the caller decides). Inside
        `match_budget`, a name is matched once and the time comes out of the budget."""
        budget = _budget.get()
        if budget is None:
            return self._search(name, timeout)
        key = (self.source, name)
        if key not in budget.verdicts:
            budget.verdicts[key] = budget.timed(
                self.source, lambda left: self._search(name, min(timeout, left))
            )
        return budget.verdicts[key]

    def _search(self, name: str, timeout: float) -> bool | None:
        # `regex` reads a negative timeout (or None) as none at all: never pass one.
        timeout = max(float(timeout), 1e-6)
        try:
            return self.compiled.search(name, timeout=timeout) is not None
        except TimeoutError:
            return None


@dataclass
class _MatchBudget:
    left: float
    verdicts: dict[tuple[str, str], bool | None] = field(default_factory=dict)
    timeouts: Counter[str] = field(default_factory=Counter)

    def gave_up(self, source: str) -> bool:
        return self.left <= 0 or self.timeouts[source] >= TIMEOUTS_BEFORE_GIVING_UP

    def timed(self, source: str, match) -> bool | None:
        if self.gave_up(source):
            return None  # as a timeout, without running
        started = time.perf_counter()
        try:
            verdict = match(self.left)
        finally:
            self.left -= time.perf_counter() - started
        if verdict is None:
            self.timeouts[source] += 1
        return verdict


_budget: ContextVar[_MatchBudget | None] = ContextVar("team_pattern_budget", default=None)


def batch_match_seconds(names: int) -> float:
    """The match budget of a check of `names` names."""
    return BATCH_MATCH_BUDGET + BATCH_MATCH_BUDGET_PER_NAME * names


@contextmanager
def match_budget(seconds: float) -> Iterator[None]:
    """Within: every team pattern's matches share `seconds` in all, each (pattern, name) is
    matched once, and a pattern that keeps running out of time is given up on. A match
    given up on, or past the budget, answers None (ran out of time) without running."""
    token = _budget.set(_MatchBudget(left=seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def match_budget_gave_up(source: str) -> bool:
    """Whether the current `match_budget` no longer runs `source` (False outside one)."""
    budget = _budget.get()
    return budget is not None and budget.gave_up(source)


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
    started = time.perf_counter()
    for probe in _probes(source):
        slow = pattern._search(probe, PROBE_TIMEOUT) is None
        if slow or time.perf_counter() - started > PROBES_TIMEOUT:
            raise TeamPatternError(
                "The pattern takes too long on some names (it backtracks catastrophically, "
                "e.g. a nested repetition like (a+)+ or overlapping choices like (ab|a|b)*). "
                "Simplify it."
            )
    return pattern


@functools.lru_cache(maxsize=512)
def saved_pattern(source: str) -> TeamPattern:
    """A pattern that passed `team_pattern` when it was saved, compiled once per process:
    live validation matches it on every keystroke, and the probes already ran. Every
    match is still timed. Raises regex.error only if the stored text no longer compiles."""
    return TeamPattern(source=source, compiled=regex.compile(source))


# How many of the pattern's own characters and words are paired in probes (the square of it
# is the number of pair probes).
_PAIRED_MAX = 20


def _probes(source: str) -> list[str]:
    """Names that make a backtracking pattern blow up: long runs of the characters the
    pattern mentions and of common name characters, then of every pair of its own
    characters and of its literal words (overlapping choices like (ab|a|b)* blow up only on
    those), each also followed by a character that fails the match at the very end."""
    # The characters it mentions, the most used first (those it repeats are the ones paired).
    mentioned = Counter(ch for ch in source if ch.isalnum() or ch in "-_. ")
    own = [ch for ch, _ in mentioned.most_common()]
    # Every printable ASCII character too: one written as an escape (\x62) is a run as well.
    alphabet = sorted(set(own) | {chr(code) for code in range(32, 127)})
    words = sorted(set(regex.findall(r"[^\W_]{2,}", source)), key=len)[:_PAIRED_MAX]
    units = [*alphabet, "".join(alphabet)]
    units += [x + y for x in own[:_PAIRED_MAX] for y in own[:_PAIRED_MAX] if x != y]
    units += [x + y for x in words for y in words] + words
    probes = []
    for unit in dict.fromkeys(units):
        run = (unit * (_PROBE_LENGTH // len(unit) + 1))[:_PROBE_LENGTH]
        probes += [run, run[:-1] + "!", run[:-1] + "\n"]
    return probes
