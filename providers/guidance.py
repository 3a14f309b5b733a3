"""Naming guidance: advice shown while typing, never an error. Vendors opt in.

Rules follow Dev Kit for AI's create page: descriptive and unique names that
say the environment or the client/product, under 50 characters, nothing that
looks like a secret, and none of # ? & (they break URLs).
"""

from __future__ import annotations

import re
from collections.abc import Callable

DISPLAY_LENGTH = 50
# The same rules in words, for clients that check names themselves (the API's vendor list).
NAMING_ADVICE = (
    "Say what the project is for: the environment or the client/product, "
    "e.g. “Staging - Mobile App”.",
    f"Keep names under {DISPLAY_LENGTH} characters: longer ones get cut off in lists.",
    "Avoid # ? and & in names: they break URLs.",
    "Keep keys, passwords and internal IDs out of names.",
    "Use a name no other project on the account has.",
)
_GENERIC = re.compile(
    r"^(new|my|test|testing|demo|sample|example|untitled|default|temp|tmp)?\s*"
    r"(project|app|application|test|demo|thing|stuff)?\s*[-_#]?\s*\d*$",
    re.IGNORECASE,
)
_SECRET_PATTERNS = (
    # Key-like tokens: a known prefix, then 8+ characters including a digit (not "api-gateway").
    re.compile(r"\b(sk|pk|rk|dk|api|key|token|secret)[-_](?=[\w\-]*\d)[\w\-]{8,}", re.IGNORECASE),
    re.compile(r"(password|passwd|pwd|secret|token|api[-_]?key)\s*[=:]", re.IGNORECASE),
    re.compile(r"\b[A-Fa-f0-9]{24,}\b"),
    re.compile(r"[A-Za-z0-9+/_\-]{32,}={0,2}"),
)
_CONTEXT_WORDS = re.compile(
    r"\b(prod|production|staging|stage|dev|development|qa|uat|test|sandbox|preview|beta|live|"
    r"internal|client|customer|portal|platform|api|app|web|mobile|ios|android|backend|frontend)\b",
    re.IGNORECASE,
)


def naming_guidance(
    name: str, *, name_taken: Callable[[str], bool] = lambda name: False
) -> list[str]:
    """Advice for one name. `name_taken` answers "does this account already have it?" (any case)."""
    name = (name or "").strip()
    if not name:
        return []
    advice = []
    if _GENERIC.match(name):
        advice.append(f"“{name}” is generic. Say what it is for, e.g. “Staging - Mobile App”.")
    if len(name) > DISPLAY_LENGTH:
        advice.append(
            f"Names over {DISPLAY_LENGTH} characters get cut off in lists; this one is {len(name)}."
        )
    bad = sorted({c for c in name if c in "#?&"})
    if bad:
        advice.append(f"Avoid {' '.join(bad)} in names: they break URLs.")
    if any(pattern.search(name) for pattern in _SECRET_PATTERNS):
        advice.append(
            "This looks like it contains a key, password or internal ID. Keep secrets out of names."
        )
    if name_taken(name):
        advice.append("Another project on this account already has this name.")
    if not _GENERIC.match(name) and not _CONTEXT_WORDS.search(name) and " - " not in name:
        advice.append(
            "Consider naming the environment or the client/product, "
            "e.g. “Acme Corp - Customer Portal”."
        )
    return advice
