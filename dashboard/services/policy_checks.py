"""A team's policy for an account, applied to a create: its defaults filled into what was
left empty, then its rules judged beside the vendor's (each message says it is the team's).

Every door runs this through `project_validate` / `project_create`: the live form, the
server, the API's validate and create, and the batch preview. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import regex

from dashboard.models import AccountPolicy, PolicySeverity, VendorAccount
from dashboard.validation.team_patterns import TeamPattern, match_budget_gave_up, saved_pattern
from providers.base import FieldSpec, Provider

# A name longer than this is refused by every vendor; the pattern isn't asked about it.
PATTERN_NAME_MAX = 1000


@dataclass
class PolicyVerdict:
    """The team's verdict on one create: errors and advice per field (each message says
    it is the team's rule), what the rule says of a name it accepts, and the defaults used."""

    errors: dict[str, str] = field(default_factory=dict)
    advice: dict[str, list[str]] = field(default_factory=dict)
    met: dict[str, str] = field(default_factory=dict)
    defaults_used: dict[str, Any] = field(default_factory=dict)


def account_policy(account: VendorAccount) -> AccountPolicy | None:
    """The account's policy, or None. Kept on the account instance once read (a batch's
    10,000 rows of one account read it once); None is kept too."""
    return getattr(account, "policy", None)


def is_empty(spec: FieldSpec, value: Any) -> bool:
    """A value a default fills: absent or blank text; a box or list only when absent (an
    unticked box and no choice are answers)."""
    if value is None:
        return True
    if spec.kind in ("checkbox", "multichoice"):
        return False
    return isinstance(value, str) and not value.strip()


def with_defaults(
    policy: AccountPolicy | None, provider: Provider, data: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(data with the team's defaults in the fields left empty, the defaults used)."""
    values = dict(data)
    defaults = policy.defaults if policy is not None and isinstance(policy.defaults, dict) else {}
    used = {}
    for spec in provider.project_fields:
        if spec.name in defaults and is_empty(spec, values.get(spec.name)):
            values[spec.name] = used[spec.name] = defaults[spec.name]
    return values, used


def policy_check(
    policy: AccountPolicy | None,
    provider: Provider,
    cleaned: Mapping[str, Any],
    *,
    vendor_errors: Mapping[str, str],
) -> PolicyVerdict:
    """The team's rules on values the vendor's field specs cleaned (defaults already in)."""
    verdict = PolicyVerdict()
    if policy is None:
        return verdict
    specs = {spec.name: spec for spec in provider.project_fields}
    for name in policy.required_fields if isinstance(policy.required_fields, list) else ():
        spec = specs.get(name)
        if spec is None or name in vendor_errors:
            continue
        value = cleaned.get(name)
        if value in (None, "", [], ()) or (isinstance(value, str) and not value.strip()):
            verdict.errors[name] = f"Team rule: {spec.label} is required."
    if policy.name_pattern:
        _check_name(policy, provider, cleaned.get(provider.name_field), verdict)
    return verdict


def _check_name(policy: AccountPolicy, provider: Provider, name: Any, verdict) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > PATTERN_NAME_MAX:
        return  # the vendor's own rules say what is wrong with it
    where = provider.name_field
    words = policy.name_pattern_description or f"like {policy.name_pattern}"
    is_error = policy.name_pattern_severity == PolicySeverity.ERROR
    matched = _matches(policy.name_pattern, name)
    if matched:
        verdict.met[where] = f"Team rule met: {words}."
    elif matched is None and match_budget_gave_up(policy.name_pattern):
        said = (
            "Team rule: this batch's names took too long to check against the team's "
            f"pattern, so this row is refused unchecked. Names must be {words}; ask a team "
            "admin to simplify the pattern."
            if is_error
            else "Team advice: this batch's names took too long to check against the team's "
            f"pattern, so this row was not checked. Names should be {words}."
        )
        _say(verdict, where, said, is_error)
    elif matched is None:
        said = (
            "Team rule: this name took too long to check against the team's pattern, so it "
            f"is refused. Names must be {words}; try a shorter name, or ask a team admin to "
            "simplify the pattern."
            if is_error
            else "Team advice: this name took too long to check against the team's pattern. "
            f"Names should be {words}."
        )
        _say(verdict, where, said, is_error)
    else:
        said = (
            f"Team rule: names must be {words}."
            if is_error
            else (f"Team advice: names should be {words}.")
        )
        _say(verdict, where, said, is_error)


def _matches(source: str, name: str) -> bool | None:
    try:
        pattern: TeamPattern = saved_pattern(source)
    except (regex.error, RecursionError, OverflowError, ValueError):
        return None  # saved under another version of `regex`: can't be judged, like a timeout
    return pattern.matches(name)


def _say(verdict: PolicyVerdict, where: str, message: str, is_error: bool) -> None:
    if is_error:
        verdict.errors.setdefault(where, message)
    else:
        verdict.advice.setdefault(where, []).append(message)
