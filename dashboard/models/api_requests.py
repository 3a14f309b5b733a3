"""What the API remembers about requests: Idempotency-Key answers and per-token rate windows.

Both live in the database so that every web process sees the same keys and counts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dashboard.models.teams import Team


class IdempotentRequest(models.Model):
    """One Idempotency-Key, as the IETF draft "The Idempotency-Key HTTP Header Field" uses it:
    the first request's body fingerprint, and once it is answered, that answer."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path and the canonical JSON body.
    fingerprint = models.CharField(max_length=64)
    # Empty while the first request is being processed.
    answer_status = models.PositiveSmallIntegerField(null=True, blank=True)
    answer_body = models.JSONField(null=True, blank=True)
    answer_location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)
    # When a request last took the key; a taker that died lets another take it after a while.
    claimed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user", "key"], name="one_idempotent_request_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"Idempotency-Key {self.key!r} ({self.answer_status or 'in progress'})"


class ApiRateWindow(models.Model):
    """Requests one token made in one fixed window (a minute, by default)."""

    token = models.ForeignKey("dashboard.ApiToken", on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    requests = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "window_start"], name="one_rate_window")
        ]

    def __str__(self) -> str:
        return f"{self.requests} requests from {self.window_start:%H:%M}"
