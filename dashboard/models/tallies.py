"""How many projects each (team, account, vendor, status) holds, for the list's counts.

Counting a million rows on every page view grows with the table; these few rows don't.
They are kept by database triggers (migration 0010: row triggers on SQLite, statement
triggers on PostgreSQL), so every write path counts, bulk inserts, conditional updates
and cascades included, and nothing in Python can forget to.
"""

from __future__ import annotations

from django.db import models


class ProjectTally(models.Model):
    # No database constraint: checking one locks the account row (KEY SHARE) at commit,
    # behind a create holding it FOR UPDATE while it waits for this very tally row — a
    # deadlock. Tallies are derived from projects, whose own keys are constrained.
    team = models.ForeignKey(
        "dashboard.Team", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    account = models.ForeignKey(
        "dashboard.VendorAccount", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    vendor = models.CharField(max_length=20)
    status = models.CharField(max_length=10)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "account", "vendor", "status"], name="one_tally_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor}/{self.status}: {self.count}"
