"""Name patterns: `{identifier}` placeholders, `{{` and `}}` literal braces, every other
brace a mistake named by its position; filling a parsed pattern gives the name."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.validation.name_patterns import (
    NamePattern,
    PatternError,
    Placeholder,
    escape_literal,
    parse_pattern,
)


def test_placeholders_are_found_once_each_in_order():
    pattern = parse_pattern("{app}-{env}.{app}")
    assert pattern.placeholders == ("app", "env")
    assert pattern.fill({"app": "checkout", "env": "dev"}) == "checkout-dev.checkout"


def test_doubled_braces_are_literal_braces():
    pattern = parse_pattern("{{team}}-{env}}}")
    assert pattern.placeholders == ("env",)
    assert pattern.fill({"env": "prod"}) == "{team}-prod}"


def test_a_pattern_without_placeholders_is_one_fixed_name():
    assert parse_pattern("checkout").fill({}) == "checkout"
    assert parse_pattern("").parts == ()


@pytest.mark.parametrize(
    ("pattern", "position", "words"),
    [
        ("{app", 1, "never closed"),
        ("ab}", 3, "closes no placeholder"),
        ("x-{}", 3, "empty placeholder"),
        ("{1x}", 1, "not a placeholder"),
        ("{a-b}", 1, "not a placeholder"),
        ("{ env }", 1, "not a placeholder"),
        ("{é}", 1, "not a placeholder"),
        ("{\u0661}", 1, "not a placeholder"),  # an Arabic-Indic digit
        ("{" + "a" * 41 + "}", 1, "not a placeholder"),
        ("{a{b}}", 3, "can't be nested"),
        ("ok-{env}-{", 10, "never closed"),
        ("a\x00b", 2, "NUL"),
        ("ab\x1b[31m", 3, "control character"),
        ("a\nb", 2, "control character"),
        ("a\ud800", 2, "control character"),
    ],
)
def test_every_other_brace_or_a_control_character_is_named_with_its_position(
    pattern, position, words
):
    with pytest.raises(PatternError) as caught:
        parse_pattern(pattern)
    assert caught.value.position == position
    assert f"Character {position}" in caught.value.message
    assert words in caught.value.message


PRINTABLE = st.text(st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"]))
NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,39}", fullmatch=True)


@given(PRINTABLE)
def test_literal_text_round_trips_through_parse_and_fill(text):
    assert parse_pattern(escape_literal(text)).fill({}) == text


@given(st.lists(st.one_of(PRINTABLE.filter(bool), NAMES.map(Placeholder)), max_size=8))
def test_a_written_out_pattern_parses_to_the_same_name(parts):
    written = NamePattern(tuple(parts)).text()
    parsed = parse_pattern(written)
    values = {name: f"<{name}>" for name in parsed.placeholders}
    assert parsed.text() == written
    assert parsed.fill(values) == NamePattern(tuple(parts)).fill(values)


@given(st.text())
def test_any_text_parses_or_is_refused_with_a_position_inside_it(text):
    try:
        pattern = parse_pattern(text)
    except PatternError as exc:
        assert 1 <= exc.position <= len(text)
    else:
        assert parse_pattern(pattern.text()) == pattern
