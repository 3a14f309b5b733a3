"""A batch row as its table shows it: each field with its label, its value in words, and
the preview's errors and advice beside it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dashboard.listing.batches import row_state
from dashboard.models import BatchRow
from providers.registry import get_provider

ACCOUNT = "account"
# A row's state (`row_state`) in words.
STATE_LABELS = {
    "ready": "Ready",
    "invalid": "Has errors",
    "skipped": "Skipped",
    "waiting": "Waiting",
    "sending": "Sending",
    "created": "Created",
    "failed": "Failed",
    "unknown": "Outcome unknown",
    "cancelled": "Cancelled",
}


@dataclass
class FieldShown:
    name: str
    label: str
    value: str
    errors: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)


@dataclass
class RowShown:
    row: BatchRow
    account: str
    account_errors: list[str]
    fields: list[FieldShown]
    state: str

    @property
    def number(self) -> int:
        return self.row.number

    @property
    def project(self):
        return self.row.project

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


def rows_shown(rows: list[BatchRow]) -> list[RowShown]:
    return [row_shown(row) for row in rows]


def row_shown(row: BatchRow) -> RowShown:
    data = row.data if isinstance(row.data, dict) else {}
    errors = row.errors if isinstance(row.errors, dict) else {}
    advice = row.advice if isinstance(row.advice, dict) else {}
    specs = get_provider(row.account.vendor).project_fields if row.account else ()
    by_name = {spec.name: spec for spec in specs}
    # The vendor's fields in its order, then any other column the row has or is told about.
    names = [spec.name for spec in specs if spec.name in data or spec.name in errors]
    names += [str(n) for n in [*data, *errors] if n not in by_name and n != ACCOUNT]
    shown = []
    for name in dict.fromkeys(names):
        spec = by_name.get(name)
        value = data.get(name)
        shown.append(
            FieldShown(
                name=name,
                label=spec.label if spec else name,
                value="••••••" if spec and spec.secret and value else _in_words(value),
                errors=list(errors.get(name, [])),
                advice=list(advice.get(name, [])),
            )
        )
    return RowShown(
        row=row,
        account=row.account.label if row.account else row.account_given,
        account_errors=list(errors.get(ACCOUNT, [])),
        fields=shown,
        state=row_state(row),
    )


def _in_words(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "; ".join(value)
    return json.dumps(value, ensure_ascii=False)
