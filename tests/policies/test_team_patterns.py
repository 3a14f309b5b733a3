"""A team's regular expressions: refused when they can't be used, and never able to hang."""

import time

import pytest

from dashboard.validation import team_patterns
from dashboard.validation.team_patterns import PATTERN_MAX, TeamPatternError, team_pattern


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("", "Enter a regular expression."),
        ("   ", "Enter a regular expression."),
        ("x" * (PATTERN_MAX + 1), f"the limit is {PATTERN_MAX}"),
        ("^dev\x00-", "control characters"),
        ("(", "isn't valid at character 2: missing )"),
        ("[a-", "isn't valid"),
        ("a{99999999999}", "repeat count too big"),
        (r"^(a|aa)+$", "takes too long"),
        (r"(x+x+)+y", "takes too long"),
        (r"^(ab|a|b)*$", "takes too long"),  # overlapping choices: pairs blow it up
        (r"^(abc|ab|c)*$", "takes too long"),  # and pairs of its own words
        (r"^(dev|de|v)+$", "takes too long"),
    ],
)
def test_a_pattern_that_cant_be_used_is_refused_with_the_reason(source, says):
    with pytest.raises(TeamPatternError) as refused:
        team_pattern(source)
    assert says in refused.value.message


@pytest.mark.parametrize(
    ("name", "verdict"),
    [("prod-billing", True), ("dev-a1", True), ("Prod-billing", False), ("prod_billing", False)],
)
def test_a_sane_pattern_answers(name, verdict):
    pattern = team_pattern(r"^(dev|staging|prod)-[a-z0-9-]+$")
    assert pattern.matches(name) is verdict


def test_inline_flags_are_the_admins_to_choose():
    assert team_pattern("(?i)^prod-").matches("PROD-x") is True


def test_a_runaway_match_stops_at_the_time_limit_and_says_so():
    # Slipped past the probes (they stop at 256 characters); a longer name still can't hang.
    pattern = team_pattern(r"^(\w+\s?)*$")
    started = time.perf_counter()
    assert pattern.matches("a" * 5000 + "!") is None
    assert time.perf_counter() - started < 2


def test_the_probes_leave_room_for_a_slower_machine():
    # A pattern saved here must still answer in time where matching is several times slower.
    assert team_patterns.PROBE_TIMEOUT <= team_patterns.MATCH_TIMEOUT / 5


def test_a_pattern_is_saved_only_if_its_probes_answer_within_the_probe_limit(monkeypatch):
    polynomial = "(a+)+$"  # quadratic here: tens of ms on 256 characters, not runaway
    monkeypatch.setattr(team_patterns, "PROBE_TIMEOUT", 5.0)
    assert team_pattern(polynomial).source == polynomial
    monkeypatch.setattr(team_patterns, "PROBE_TIMEOUT", 1e-6)
    with pytest.raises(TeamPatternError, match="takes too long"):
        team_pattern(polynomial)


def test_the_probes_of_one_pattern_share_a_time_limit(monkeypatch):
    # Each probe in time, but all of them together not: refused, so a save can't hang.
    monkeypatch.setattr(team_patterns, "PROBES_TIMEOUT", 0.0)
    with pytest.raises(TeamPatternError, match="takes too long"):
        team_pattern(r"^(dev|prod)-[a-z]+$")
