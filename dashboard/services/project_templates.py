"""A team's project templates: saved by its admins, used by its members.

A template holds an account, defaults for its vendor's fields and a name pattern such as
`{app}-{env}`. It starts a new project's form, or is expanded over values into the rows
of a batch (one per combination of values, per account), which the batch preview then
judges as it judges every row. Nothing here calls a vendor.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction

from dashboard.models import AuditAction, Project, ProjectTemplate, Role, VendorAccount, role_in
from dashboard.models.columns import column_max
from dashboard.services.audit import audit_record
from dashboard.services.batches import RowInput
from dashboard.services.errors import ServiceError
from dashboard.services.template_fields import defaults_cleaned, name_error
from dashboard.validation.labels import cleaned_line
from dashboard.validation.name_patterns import NamePattern, PatternError, parse_pattern
from dashboard.validation.text import has_control_characters, printable
from providers.registry import get_provider

NAME_MAX = column_max(ProjectTemplate, "name")
PATTERN_MAX = column_max(ProjectTemplate, "name_pattern")
VALUE_MAX = column_max(Project, "name")  # a longer value can't be part of a name
NAME_ERROR = f"Give the template a name of 1 to {NAME_MAX} characters, without control characters."
# Where refusals of the values as a whole, and of the extra accounts, are said.
VALUES = "values"
EXTRA_ACCOUNTS = "extra_accounts"


def require_admin(user, team_id: int) -> None:
    """Only a team's admins change its templates; its members use them."""
    if role_in(user, team_id) != Role.ADMIN:
        raise ServiceError("Only the team's admins can change its project templates.")


def template_save(
    *,
    team,
    user,
    template: ProjectTemplate | None = None,
    account: VendorAccount,
    name: str,
    name_pattern: str,
    defaults: Mapping[str, Any],
) -> ProjectTemplate:
    """A new template (`template` None) or new values for one; audited either way.
    Every refusal is said at its field: name, account, name_pattern, the vendor's fields
    (and "defaults" for fields a template can't set)."""
    require_admin(user, team.pk)
    if template is not None and template.team_id != team.pk:
        raise ServiceError("This template belongs to another team.")
    errors: dict[str, str] = {}
    cleaned_name = cleaned_line(forms.CharField(max_length=NAME_MAX), name)
    if not cleaned_name:
        errors["name"] = NAME_ERROR
    elif _name_taken(team, cleaned_name, template):
        errors["name"] = _taken_message(cleaned_name)
    account_error = _account_error(team, account, template)
    if account_error:
        errors["account"] = account_error
    provider = get_provider(account.vendor)
    pattern_text, pattern_error = _pattern_checked(name_pattern, provider)
    if pattern_error:
        errors["name_pattern"] = pattern_error
    try:
        cleaned_defaults = defaults_cleaned(provider, defaults)
    except ServiceError as exc:
        errors.update(exc.field_errors)
        cleaned_defaults = {}
    if errors:
        raise ServiceError(field_errors=errors)
    saved = template or ProjectTemplate(team=team, created_by=user)
    changed = _changes(saved, account, cleaned_name, pattern_text, cleaned_defaults)
    saved.account, saved.name = account, cleaned_name
    saved.name_pattern, saved.defaults = pattern_text, cleaned_defaults
    try:
        with transaction.atomic():
            saved.save()
            _audit_saved(saved, user, created=template is None, changed=changed)
    except IntegrityError:  # the same name, saved a moment ago by another admin
        raise ServiceError(field_errors={"name": _taken_message(cleaned_name)}) from None
    return saved


def _name_taken(team, name: str, template: ProjectTemplate | None) -> bool:
    others = ProjectTemplate.objects.filter(team=team, name__iexact=name)
    if template is not None:
        others = others.exclude(pk=template.pk)
    return others.exists()


def _taken_message(name: str) -> str:
    return f"The team already has a template named “{name}”. Choose another name."


def _account_error(team, account: VendorAccount, template: ProjectTemplate | None) -> str:
    if account.team_id != team.pk:
        return "Choose one of the team's accounts."
    kept = template is not None and template.account_id == account.pk
    if not account.is_connected and not kept:
        return (
            f"“{account.label}” is {account.get_status_display().lower()}; choose a connected "
            "account."
        )
    return ""


def _pattern_checked(name_pattern: Any, provider) -> tuple[str, str]:
    """(the pattern as stored, what is wrong with it or "")."""
    if not isinstance(name_pattern, str):
        return "", "The name pattern must be text."
    text = name_pattern.strip()
    if len(text) > PATTERN_MAX:
        return text, f"The name pattern is {len(text):,} characters; the most is {PATTERN_MAX}."
    try:
        pattern = parse_pattern(text)
    except PatternError as exc:
        return text, exc.message
    if text and not pattern.placeholders:  # one fixed name: judge it as the name now
        error = name_error(provider, pattern.fill({}))
        if error:
            return text, f"As a project's name: {error}"
    return text, ""


def _changes(template: ProjectTemplate, account, name, pattern, defaults) -> list[str]:
    if template.pk is None:
        return []
    was = (template.name, template.account_id, template.name_pattern, template.defaults)
    now = (name, account.pk, pattern, defaults)
    words = ("name", "account", "name pattern", "defaults")
    return [word for word, old, new in zip(words, was, now, strict=True) if old != new]


def _audit_saved(template: ProjectTemplate, user, *, created: bool, changed: list[str]) -> None:
    account = template.account
    where = f"{account.get_vendor_display()} · {account.label}"
    if created:
        pattern = f", names “{template.name_pattern}”" if template.name_pattern else ""
        summary = f"“{template.name}” for {where}{pattern}."
    else:
        summary = f"“{template.name}”: {', '.join(changed) or 'nothing'} changed."
    audit_record(
        team=template.team,
        actor=user,
        action=AuditAction.TEMPLATE_CREATED if created else AuditAction.TEMPLATE_EDITED,
        target=template,
        summary=summary,
    )


def template_delete(*, template: ProjectTemplate, user) -> None:
    """Delete a template (its batches and projects stay); audited."""
    require_admin(user, template.team_id)
    with transaction.atomic():
        audit_record(
            team=template.team,
            actor=user,
            action=AuditAction.TEMPLATE_DELETED,
            target=template,
            summary=f"“{template.name}” deleted.",
        )
        template.delete()


def template_pattern(template: ProjectTemplate) -> NamePattern:
    """The template's stored pattern, parsed (a ServiceError if it no longer parses)."""
    try:
        return parse_pattern(template.name_pattern)
    except PatternError as exc:
        raise ServiceError(f"The template's name pattern can't be read: {exc.message}") from None


def expandable_pattern(template: ProjectTemplate) -> NamePattern:
    """The pattern a batch is expanded over: a ServiceError when it has none."""
    pattern = template_pattern(template)
    if not pattern.parts:
        raise ServiceError(
            "This template has no name pattern, so its projects would have no name. An admin "
            "can give it one, e.g. {app}-{env}."
        )
    return pattern


def template_unexpandable(
    *, template: ProjectTemplate, values: Mapping[str, Sequence[str]]
) -> list[str]:
    """The template's placeholders that `values` gives no value for (blank ones don't count)."""
    return [
        name
        for name in template_pattern(template).placeholders
        if not any(isinstance(v, str) and v.strip() for v in values.get(name) or ())
    ]


def template_expand(
    *,
    template: ProjectTemplate,
    values: Mapping[str, Sequence[str]],
    extra_accounts: Iterable[VendorAccount] = (),
) -> list[RowInput]:
    """One row per combination of the placeholders' values, per account (the template's,
    then each extra one): its name filled from the pattern, its other fields the defaults.
    Refused, with each reason at its field, before a row is made."""
    pattern = expandable_pattern(template)
    cleaned = _values_cleaned(pattern, values)
    accounts = _accounts(template, extra_accounts)
    lists = [cleaned[name] for name in pattern.placeholders]
    count = math.prod(len(given) for given in lists) * len(accounts)
    if count > settings.BATCH_MAX_ROWS:
        sizes = " by ".join(
            f"{len(given)} value{'s' if len(given) != 1 else ''} of {{{name}}}"
            for name, given in zip(pattern.placeholders, lists, strict=True)
        )
        at = f", at {len(accounts)} accounts" if len(accounts) > 1 else ""
        raise ServiceError(
            field_errors={
                VALUES: f"These values make {count:,} projects ({sizes}{at}); one batch holds "
                f"at most {settings.BATCH_MAX_ROWS:,}. Give fewer values, or make several "
                "batches."
            }
        )
    name_field = get_provider(template.account.vendor).name_field
    defaults = dict(template.defaults) if isinstance(template.defaults, dict) else {}
    names = pattern.placeholders
    return [
        RowInput(
            account=str(account.pk),
            fields={**defaults, name_field: pattern.fill(dict(zip(names, combo, strict=True)))},
        )
        for account in accounts
        for combo in itertools.product(*lists)
    ]


def _values_cleaned(pattern: NamePattern, values: Any) -> dict[str, list[str]]:
    """Each placeholder's values: trimmed, blanks and repeats left out, each one checked."""
    if not isinstance(values, Mapping):
        raise ServiceError(field_errors={VALUES: "Give the values by placeholder."})
    errors: dict[str, str] = {}
    unknown = [printable(str(name))[:40] for name in values if name not in pattern.placeholders]
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in pattern.placeholders) or "none"
        errors[VALUES] = (
            f"The name pattern has no placeholder {', '.join(unknown)}. Its placeholders: {known}."
        )
    cleaned: dict[str, list[str]] = {}
    for name in pattern.placeholders:
        given = values.get(name) or ()
        kept, error = _kept_values([given] if isinstance(given, str) else given, name)
        if error or not kept:
            errors[name] = error or f"Give at least one value for {{{name}}}."
        cleaned[name] = kept
    if errors:
        raise ServiceError(field_errors=errors)
    return cleaned


def _kept_values(given: Any, name: str) -> tuple[list[str], str]:
    if not isinstance(given, list | tuple):
        return [], f"Give the values for {{{name}}} as a list of text."
    kept: dict[str, None] = {}
    for position, value in enumerate(given, start=1):
        if not isinstance(value, str):
            return [], f"Value {position} for {{{name}}} is not text."
        value = value.strip()
        if has_control_characters(value):
            what = "a NUL character" if "\x00" in value else "a control character"
            return [], f"Value {position} for {{{name}}} holds {what}; remove it."
        if len(value) > VALUE_MAX:
            return [], (
                f"Value {position} for {{{name}}} is {len(value):,} characters; a value can be "
                f"at most {VALUE_MAX}, as long as a project's name."
            )
        if value:
            kept[value] = None
    return list(kept), ""


def _accounts(template: ProjectTemplate, extra: Iterable[VendorAccount]) -> list[VendorAccount]:
    """The template's account and the extra ones: the team's, of its vendor, connected."""
    own = template.account
    accounts = {own.pk: own}
    for account in extra:
        if account.team_id != template.team_id or account.vendor != own.vendor:
            raise ServiceError(
                field_errors={
                    EXTRA_ACCOUNTS: f"Extra accounts must be the team's {own.get_vendor_display()}"
                    " accounts."
                }
            )
        accounts.setdefault(account.pk, account)
    for account in accounts.values():
        if not account.is_connected:
            field = "template" if account.pk == own.pk else EXTRA_ACCOUNTS
            raise ServiceError(
                field_errors={
                    field: f"The account “{account.label}” is "
                    f"{account.get_status_display().lower()}; an admin must reconnect it first."
                }
            )
    return list(accounts.values())
