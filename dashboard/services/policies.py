"""A team's policy for one of its accounts, set by the team's admins (audited).

A policy is a name pattern (a regular expression with its meaning in plain words, an
error or advice), fields the team requires beyond the vendor's, and defaults for fields
left empty. Every value is checked before anything is stored: the pattern compiled and
probed (`team_patterns`), the fields by the vendor's specs, the defaults as a template's
are (`template_fields`). How a create is judged by it: `policy_checks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db import transaction

from dashboard.models import (
    AccountPolicy,
    AuditAction,
    PolicySeverity,
    Role,
    VendorAccount,
    role_in,
)
from dashboard.models.columns import column_max
from dashboard.services.audit import audit_record
from dashboard.services.errors import ServiceError
from dashboard.services.template_fields import defaults_cleaned
from dashboard.validation.labels import cleaned_line
from dashboard.validation.team_patterns import TeamPatternError, team_pattern
from dashboard.validation.text import printable
from providers.base import Provider
from providers.registry import get_provider

DESCRIPTION_MAX = column_max(AccountPolicy, "name_pattern_description")
REQUIRED = "required_fields"
# What an audit line says of each part that changed.
_PARTS = {
    "name_pattern": "name pattern",
    "name_pattern_description": "its description",
    "name_pattern_severity": "error or advice",
    "required_fields": "required fields",
    "defaults": "defaults",
}


def require_policy_admin(user, account: VendorAccount) -> None:
    if role_in(user, account.team_id) != Role.ADMIN:
        raise ServiceError("Only the team's admins can change its policies.")


def policy_save(
    *,
    account: VendorAccount,
    user,
    name_pattern: Any = "",
    name_pattern_description: Any = "",
    name_pattern_severity: Any = PolicySeverity.ERROR,
    required_fields: Any = (),
    defaults: Any = None,
) -> AccountPolicy:
    """The account's policy, created or replaced whole; audited with what changed.
    Every refusal is said at its field and nothing is stored."""
    require_policy_admin(user, account)
    provider = get_provider(account.vendor)
    errors: dict[str, str] = {}
    pattern, description = _pattern_checked(name_pattern, name_pattern_description, errors)
    if name_pattern_severity not in PolicySeverity.values:
        errors["name_pattern_severity"] = "Choose whether the pattern is an error or advice."
    required = _required_checked(provider, required_fields, errors)
    try:
        cleaned_defaults = defaults_cleaned(provider, defaults or {}, holder="policy")
    except ServiceError as exc:
        errors.update(exc.field_errors)
        cleaned_defaults = {}
    if errors:
        raise ServiceError(field_errors=errors)
    values = {
        "name_pattern": pattern,
        "name_pattern_description": description,
        "name_pattern_severity": name_pattern_severity,
        "required_fields": required,
        "defaults": cleaned_defaults,
    }
    with transaction.atomic():
        # The account's row lock: two admins saving at once make one policy, one after the other.
        VendorAccount.objects.select_for_update().filter(pk=account.pk).first()
        policy = AccountPolicy.objects.filter(account=account).first()
        created = policy is None
        policy = policy or AccountPolicy(account=account)
        changed = [part for part, value in values.items() if getattr(policy, part) != value]
        if created or changed:
            for part, value in values.items():
                setattr(policy, part, value)
            policy.updated_by = user
            policy.save()
            _audit(account, user, policy, changed, created=created)
    account.policy = policy  # this instance judges by the new policy from now on
    return policy


def _pattern_checked(source: Any, description: Any, errors: dict[str, str]) -> tuple[str, str]:
    """(pattern, description) as stored; an empty pattern is no pattern."""
    if not isinstance(source, str) or not isinstance(description, str):
        errors["name_pattern"] = "The pattern and its description must be text."
        return "", ""
    words = cleaned_line(forms.CharField(max_length=DESCRIPTION_MAX, required=False), description)
    if words is None:
        errors["name_pattern_description"] = (
            f"Describe the pattern in at most {DESCRIPTION_MAX} characters, on one line, "
            "without control characters."
        )
    if not source.strip():
        return "", words or ""
    try:
        team_pattern(source)
    except TeamPatternError as exc:
        errors["name_pattern"] = exc.message
    if words == "":
        errors["name_pattern_description"] = (
            "Say what the pattern means in plain words, e.g. “env-app, lowercase”: every "
            "message about it quotes them."
        )
    return source, words or ""


def _required_checked(provider: Provider, given: Any, errors: dict[str, str]) -> list[str]:
    """The required fields as stored: the vendor's field names, in its order, once each."""
    if isinstance(given, str) or not isinstance(given, list | tuple):
        errors[REQUIRED] = "Give the required fields as a list of the vendor's field names."
        return []
    allowed = {
        spec.name: spec
        for spec in provider.project_fields
        if spec.name != provider.name_field and spec.kind != "checkbox" and not spec.required
    }
    for name in given:
        if name in allowed:
            continue
        if not isinstance(name, str):
            errors[REQUIRED] = "Give the required fields as a list of the vendor's field names."
        else:
            errors[REQUIRED] = _not_requirable(provider, name, allowed)
        return []
    return [name for name in allowed if name in given]


def _not_requirable(provider: Provider, name: str, allowed: Mapping) -> str:
    spec = next((spec for spec in provider.project_fields if spec.name == name), None)
    if spec is not None and (spec.required or spec.name == provider.name_field):
        return f"{provider.name} already requires {spec.label}."
    if spec is not None and spec.kind == "checkbox":
        return f"{spec.label} is a tick box: it always has a value. Give it a default instead."
    known = ", ".join(allowed) or "none"
    shown = printable(name)[:60]
    return f"“{shown}” is not a field the team can require. The fields it can require: {known}."


def _audit(
    account: VendorAccount, user, policy: AccountPolicy, changed: list[str], *, created: bool
) -> None:
    where = f"{account.get_vendor_display()} · {account.label}"
    what = "set" if created else f"{', '.join(_PARTS[part] for part in changed)} changed"
    pattern = (
        f"; names now “{policy.name_pattern}” ({policy.name_pattern_severity})"
        if "name_pattern" in changed or "name_pattern_severity" in changed
        else ""
    )
    if "name_pattern" in changed and not policy.name_pattern:
        pattern = "; no name pattern now"
    required = ", ".join(policy.required_fields) or "none"
    summary = (
        f"Policy of {where}: {what}{pattern}; required: {required}; "
        f"defaults for: {', '.join(policy.defaults) or 'none'}."
    )
    audit_record(
        team=account.team,
        actor=user,
        action=AuditAction.POLICY_CHANGED,
        target=account,  # so it shows with the account's history and under its vendor
        summary=summary,
    )
