"""What a project page shows of a create: each field as sent beside what the vendor answered."""

import json
import re
from dataclasses import dataclass
from typing import Any

from dashboard.models import Project
from providers.base import FieldSpec
from providers.registry import get_provider

NOTHING = "—"


@dataclass(frozen=True)
class ComparedField:
    label: str
    sent: str
    answered: str

    @property
    def differs(self) -> bool:
        both = NOTHING not in (self.sent, self.answered)
        return both and self.sent != self.answered


def sent_and_answered(project: Project) -> list[ComparedField]:
    """One row per vendor field (by its label), then whatever else the vendor answered."""
    answer = dict(project.vendor_response or {})
    rows = []
    for spec in get_provider(project.vendor).project_fields:
        answer_key = spec.answered_as or spec.name
        if spec.name not in project.payload and answer_key not in answer:
            continue
        sent = readable(project.payload.get(spec.name), spec)
        answered = readable(answer.pop(answer_key, None), spec)
        rows.append(ComparedField(spec.label, sent, answered))
    for key, value in answer.items():
        rows.append(ComparedField(humanize_key(key), NOTHING, readable(value)))
    return rows


def readable(value: Any, spec: FieldSpec | None = None) -> str:
    """Yes/No for flags, lists joined by their choice labels, and "—" for nothing."""
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        labels = dict(spec.choices) if spec else {}
        return ", ".join(str(labels.get(item, item)) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def humanize_key(key: str) -> str:
    """A vendor's key as words: "spectrumProjectId" → "Spectrum project id"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(key)).replace("_", " ").split()
    return " ".join(words).capitalize() if words else str(key)
