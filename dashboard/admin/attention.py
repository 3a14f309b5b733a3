"""What needs a person: the same conditions for the admin's filters and its index counts."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from dashboard.models import AccountStatus, Project, ProjectStatus, ProjectTally, VendorAccount


def stuck_since():
    return timezone.now() - timedelta(seconds=settings.PROJECT_PENDING_TIMEOUT_SECONDS)


# key → (label, condition). Each is answered by an index or a tally, at any size.
PROJECT_ATTENTION = {
    "unknown": ("Outcome unknown", lambda: Q(status=ProjectStatus.UNKNOWN)),
    "failed": ("Failed", lambda: Q(status=ProjectStatus.FAILED)),
    "missing": ("Missing at the vendor", lambda: Q(missing_at_vendor=True)),
    "stuck": (
        "Pending past its timeout",
        lambda: (
            Q(status=ProjectStatus.PENDING)
            & (
                Q(attempted_at__lt=stuck_since())
                | Q(attempted_at=None, queued_at__lt=stuck_since())
            )
        ),
    ),
}
ACCOUNT_ATTENTION = {
    "reconnect": ("Needs new credentials", lambda: Q(status=AccountStatus.NEEDS_RECONNECT)),
}


def attention_counts() -> list[tuple[str, str, str, int]]:
    """(model, key, label, count) for the admin index; statuses come from the tallies."""
    by_status = dict(ProjectTally.objects.values_list("status").annotate(n=Sum("count")).order_by())
    counts = []
    for key, (label, condition) in PROJECT_ATTENTION.items():
        if key in ProjectStatus.values:
            n = by_status.get(key, 0)
        else:  # few rows, each kind with its own partial index
            n = Project.objects.filter(condition()).count()
        counts.append(("project", key, label, n))
    for key, (label, condition) in ACCOUNT_ATTENTION.items():
        counts.append(
            ("vendoraccount", key, label, VendorAccount.objects.filter(condition()).count())
        )
    return counts
