"""Which creates at an account wait for a team admin's approval before they are sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from dashboard.models.accounts import VendorAccount


class ApprovalMode(models.TextChoices):
    NONE = "none", "No approval needed"
    EVERY = "every", "Every create needs approval"
    PATTERN = "pattern", "A create needs approval when its name matches a pattern"


class ApprovalRule(models.Model):
    # One per account; no row means no approval needed.
    account = models.OneToOneField(
        VendorAccount, on_delete=models.CASCADE, related_name="approval_rule"
    )
    mode = models.CharField(max_length=10, choices=ApprovalMode.choices, default=ApprovalMode.NONE)
    # A team admin's regular expression (dashboard.validation.team_patterns), probed when saved.
    pattern = models.CharField(max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.account}: {self.get_mode_display()}"

    def get_absolute_url(self) -> str:
        return reverse("dashboard:approval_rule", args=[self.account_id])
