"""Batches: many project rows, checked in full before anything is sent.

A batch is a draft until it is sent: its rows can be fixed or removed, and every change
checks the whole batch again (duplicate names and plan limits depend on the other rows).
Nothing here calls a vendor; `batch_sending` sends.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from dashboard.listing.tallies import active_projects
from dashboard.models import Batch, BatchRow, BatchStatus, Role, VendorAccount, role_in
from dashboard.models.columns import column_max
from dashboard.services.approval_rules import needs_approval
from dashboard.services.errors import ServiceError
from dashboard.services.projects import ACTIVE_STATUSES, project_validate
from dashboard.validation.json_fields import json_field_errors
from dashboard.validation.labels import cleaned_line
from dashboard.validation.team_patterns import batch_match_seconds, match_budget
from dashboard.validation.text import printable
from providers.registry import get_provider

ACCOUNT_COLUMN = "account"
NAME_MAX = column_max(Batch, "name")
ACCOUNT_GIVEN_MAX = column_max(BatchRow, "account_given")
NAME_ERROR = f"Give the batch a name of 1 to {NAME_MAX} characters, without control characters."


@dataclass(frozen=True)
class RowInput:
    """One row as given: the account (its id or its label) and the vendor's fields."""

    account: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class RowVerdict:
    errors: dict[str, list[str]] = field(default_factory=dict)
    advice: dict[str, list[str]] = field(default_factory=dict)
    cleaned: dict[str, Any] = field(default_factory=dict)
    # Whether the account's approval rule holds this row when it is sent.
    held: bool = False

    def refuse(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def require_member(user, team_id: int) -> None:
    """Only those who may create projects may make or send a batch."""
    role = role_in(user, team_id)
    if role not in (Role.MEMBER, Role.ADMIN):
        raise ServiceError("Only the team's members and admins can set up projects.")


def batch_create(
    *, team, user, name: str, source: str, rows: Sequence[RowInput], reference: UUID | None = None
) -> Batch:
    """A draft batch of `rows`, previewed: each row's verdict is stored with it.

    `reference`, when given, makes the create happen once: a second call with it answers
    the batch the first made (an API create whose answer was lost, asked again)."""
    require_member(user, team.pk)
    if reference is not None and (made := _made_before(team, reference)) is not None:
        return made
    cleaned_name = batch_name_cleaned(name)
    if not rows:
        raise ServiceError("The batch has no rows.")
    if len(rows) > settings.BATCH_MAX_ROWS:
        raise ServiceError(
            f"The batch has {len(rows):,} rows; the most one batch can hold is "
            f"{settings.BATCH_MAX_ROWS:,}. Split it into several batches."
        )
    for number, given in enumerate(rows, start=1):
        name = unstorable_field(given.account, given.fields)
        if name is not None:
            column = "the account" if name == ACCOUNT_COLUMN else f"“{_shown(name)}”"
            raise ServiceError(f"Row {number}: {column} {UNSTORABLE} Remove it.")
    accounts = _team_accounts(team)
    try:
        with transaction.atomic():
            batch = Batch.objects.create(
                team=team, name=cleaned_name, source=source, created_by=user,
                reference=reference or uuid4(),
            )  # fmt: skip
            BatchRow.objects.bulk_create(
                _row(batch, number, given, accounts) for number, given in enumerate(rows, start=1)
            )
            batch_preview(batch)
    except IntegrityError:
        # The same reference, made at the same moment by another request: that one won.
        if reference is None or (made := _made_before(team, reference)) is None:
            raise
        return made
    return batch


def batch_name_cleaned(name: Any) -> str:
    """A batch's name as stored, or a ServiceError at the field "name"."""
    cleaned = cleaned_line(forms.CharField(max_length=NAME_MAX), name)
    if not cleaned:
        raise ServiceError(field_errors={"name": NAME_ERROR})
    return cleaned


def _made_before(team, reference: UUID) -> Batch | None:
    return Batch.objects.filter(team=team, reference=reference).first()


def _row(batch: Batch, number: int, given: RowInput, accounts) -> BatchRow:
    account_given = str(given.account).strip()[:ACCOUNT_GIVEN_MAX]
    account, _ = resolve_account(account_given, accounts)
    return BatchRow(
        batch=batch,
        number=number,
        account_given=account_given,
        account=account,
        data=dict(given.fields),
    )


def _team_accounts(team) -> list[VendorAccount]:
    # With each account's policy and approval rule (or none): every row of an account is
    # judged by them.
    related = ("policy", "approval_rule")
    return list(VendorAccount.objects.filter(team=team).select_related(*related))


# Rows are stored before they are judged, so what no database can store is refused first.
UNSTORABLE = "holds a NUL character or half of a character pair, which can't be stored."


def unstorable_field(account: Any, fields: Mapping[str, Any]) -> str | None:
    """The first column whose text can't be stored, "account" or a field's name, or None:
    a NUL (PostgreSQL refuses it in text and jsonb) or a lone surrogate (no encoding has one)."""
    if _unstorable(account):
        return ACCOUNT_COLUMN
    for name, value in fields.items():
        if _unstorable(name) or _unstorable(value):
            return str(name)
    return None


def _unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value or _has_surrogate(value)
    if isinstance(value, list | tuple):
        return any(_unstorable(item) for item in value)
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    return False


def _has_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def resolve_account(given: str, accounts: Iterable[VendorAccount]):
    """(the account `given` names by id or label, or None; the reason it names none)."""
    accounts = list(accounts)
    if not given:
        return None, "Give the account: its id or its label."
    by_id = [a for a in accounts if str(a.pk) == given]
    if by_id:
        return by_id[0], ""
    by_label = [a for a in accounts if a.label.casefold() == given.casefold()]
    if len(by_label) == 1:
        return by_label[0], ""
    if by_label:
        ids = ", ".join(str(a.pk) for a in by_label)
        return None, f"Several accounts are labelled “{given}”; give its id instead ({ids})."
    return None, f"No account of this team has the id or label “{given}”."


def batch_preview(batch: Batch) -> dict[int, RowVerdict]:
    """Check every row again and store each verdict; the verdicts by row number (with
    what each row would send). Makes no vendor call."""
    rows = list(batch.rows.select_related("account").order_by("number"))
    verdicts = check_rows(batch.team, rows)
    verdicts_store(rows, verdicts)
    Batch.objects.filter(pk=batch.pk).update(previewed_at=timezone.now())
    return verdicts


def verdicts_store(rows: Sequence[BatchRow], verdicts: dict[int, RowVerdict]) -> None:
    """Store the rows' verdicts: only those that changed, one UPDATE per distinct verdict
    (10,000 fresh rows are mostly alike; bulk_update's CASE per row took seconds)."""
    alike: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        verdict = verdicts[row.number]
        if (row.errors, row.advice) != (verdict.errors, verdict.advice):
            row.errors, row.advice = verdict.errors, verdict.advice
            alike[json.dumps([row.errors, row.advice], sort_keys=True)].append(row.pk)
    for shared, pks in alike.items():
        errors, advice = json.loads(shared)
        for start in range(0, len(pks), 900):  # under SQLite's 999 parameters
            BatchRow.objects.filter(pk__in=pks[start : start + 900]).update(
                errors=errors, advice=advice
            )


def check_rows(team, rows: Sequence[BatchRow]) -> dict[int, RowVerdict]:
    accounts = _team_accounts(team)
    verdicts: dict[int, RowVerdict] = {}
    # The team's patterns get one time budget for the whole batch, not one per row.
    with match_budget(batch_match_seconds(len(rows))):
        for row in rows:
            verdicts[row.number] = _check_row(row, accounts)
    _refuse_duplicate_names(rows, verdicts)
    _refuse_past_plan_limits(rows, verdicts)
    return verdicts


def _check_row(row: BatchRow, accounts: list[VendorAccount]) -> RowVerdict:
    verdict = RowVerdict()
    account, reason = resolve_account(row.account_given, accounts)
    if account is None:
        verdict.refuse("account", reason)
        return verdict
    row.account = account
    if not account.is_connected:
        verdict.refuse(
            "account",
            f"The account “{account.label}” is {account.get_status_display().lower()}; an "
            "admin must reconnect it before projects can be created.",
        )
    provider = get_provider(account.vendor)
    data = row.data if isinstance(row.data, dict) else {}
    for name, messages in json_field_errors(provider.project_fields, data).items():
        for message in messages:
            verdict.refuse(name, message)
    typed = {k: v for k, v in data.items() if k not in verdict.errors and v is not None}
    # `approval`: a row the account's rule will hold says so before the batch is sent.
    cleaned, field_errors, advice = project_validate(account=account, data=typed, approval=True)
    for name, message in field_errors.items():
        if name not in verdict.errors:
            verdict.refuse(name, message)
    verdict.advice = {name: list(messages) for name, messages in advice.items() if messages}
    name = cleaned.get(provider.name_field)
    if name and provider.name_field not in verdict.errors:
        verdict.held = needs_approval(account, name)  # matched once already: memoized
    secret = {spec.name for spec in provider.project_fields if spec.secret}
    verdict.cleaned = {k: v for k, v in cleaned.items() if k not in secret}
    return verdict


def _refuse_duplicate_names(rows: Sequence[BatchRow], verdicts: dict[int, RowVerdict]) -> None:
    """Two rows that would make projects of the same name at one account: a mistake."""
    by_name: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in rows:
        verdict = verdicts[row.number]
        if row.account is None:
            continue
        name_field = get_provider(row.account.vendor).name_field
        name = verdict.cleaned.get(name_field)
        if isinstance(name, str) and name.strip():
            by_name[(row.account.pk, name.strip().casefold())].append(row.number)
    for numbers in by_name.values():
        if len(numbers) < 2:
            continue
        for number in numbers:
            others = ", ".join(str(n) for n in numbers if n != number)
            row = next(r for r in rows if r.number == number)
            name_field = get_provider(row.account.vendor).name_field
            verdicts[number].refuse(
                name_field, f"Row {others} has the same name at this account; names must differ."
            )


def _refuse_past_plan_limits(rows: Sequence[BatchRow], verdicts: dict[int, RowVerdict]) -> None:
    """A plan's limit counted over the whole batch: the rows past it are refused, and each
    says by how many rows the batch goes past it. Rows held for approval don't count (as
    for a single create): approving one checks the limit then."""
    valid_by_account: dict[int, list[BatchRow]] = defaultdict(list)
    for row in rows:
        verdict = verdicts[row.number]
        if row.account is not None and not verdict.errors and not verdict.held:
            valid_by_account[row.account.pk].append(row)
    active = active_projects(list(valid_by_account), statuses=ACTIVE_STATUSES)
    for account_id, account_rows in valid_by_account.items():
        account = account_rows[0].account
        provider = get_provider(account.vendor)
        limit = provider.plan_limit(account.plan)
        if limit is None:
            continue
        room = max(0, limit - active.get(account_id, 0))
        over = len(account_rows) - room
        if over <= 0:
            continue
        message = (
            f"This batch goes past the plan by {over} row{'s' if over != 1 else ''}: "
            f"“{account.label}” is on {provider.name}'s {provider.plan_label(account.plan)} "
            f"plan, which allows {limit} active projects; it has "
            f"{active.get(account_id, 0)}, and this batch adds {len(account_rows)}."
        )
        for row in account_rows[room:]:
            verdicts[row.number].refuse("account", message)


def batch_row_update(*, row: BatchRow, user, account: str, fields: Mapping[str, Any]) -> BatchRow:
    """Fix a row in place (a draft only); the whole batch is checked again."""
    batch = row.batch
    require_member(user, batch.team_id)
    _require_draft(batch)
    name = unstorable_field(account, fields)
    if name is not None:
        raise ServiceError(field_errors={_shown(name): f"This field {UNSTORABLE} Remove it."})
    row.account_given = str(account).strip()[:ACCOUNT_GIVEN_MAX]
    row.account, _ = resolve_account(row.account_given, _team_accounts(batch.team))
    row.data = dict(fields)
    row.changed_by = user
    with transaction.atomic():
        row.save(update_fields=["account_given", "account", "data", "changed_by"])
        batch_preview(batch)
    row.refresh_from_db()
    return row


def batch_row_remove(*, row: BatchRow, user) -> None:
    """Take a row out of a draft; the rest are checked again."""
    batch = row.batch
    require_member(user, batch.team_id)
    _require_draft(batch)
    with transaction.atomic():
        row.delete()
        if batch.rows.exists():
            batch_preview(batch)


def _shown(name: str) -> str:
    """A field's name as a message can hold it: printable, storable, short."""
    return printable(name).encode("utf-8", "replace").decode()[:60]


def _require_draft(batch: Batch) -> None:
    if batch.status != BatchStatus.DRAFT:
        raise ServiceError("This batch has been sent; its rows can no longer be changed.")


def row_counts(batch: Batch) -> dict[str, int]:
    """How many rows a draft has, and how many of them are valid (for the send button)."""
    counts = batch.rows.aggregate(total=Count("id"), invalid=Count("id", filter=~Q(errors={})))
    return {**counts, "valid": counts["total"] - counts["invalid"]}
