"""A team's own rules for one of its accounts: a naming pattern, required fields, defaults."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from dashboard.models.accounts import VendorAccount

# validation/team_patterns.PATTERN_MAX, which refuses a longer one (a test keeps them equal;
# models import nothing beyond models).
PATTERN_MAX = 200


class PolicySeverity(models.TextChoices):
    ERROR = "error", "Error: a name that doesn't match is refused"
    ADVICE = "advice", "Advice: a name that doesn't match is only warned about"


class AccountPolicy(models.Model):
    """One per account, at most; no row means no team rules. Written only by
    `services.policy_save`, which checks every value (the pattern compiled and probed)."""

    account = models.OneToOneField(VendorAccount, on_delete=models.CASCADE, related_name="policy")
    name_pattern = models.CharField(max_length=PATTERN_MAX, blank=True)
    # What the pattern means in plain words, said in every message about it.
    name_pattern_description = models.CharField(max_length=200, blank=True)
    name_pattern_severity = models.CharField(
        max_length=10, choices=PolicySeverity.choices, default=PolicySeverity.ERROR
    )
    # The vendor's field names the team requires beyond the vendor's own.
    required_fields = models.JSONField(default=list, blank=True)
    # field -> value, cleaned by the vendor's field specs; used when a create leaves it empty.
    defaults = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Policy of {self.account}"

    def get_absolute_url(self) -> str:
        return reverse("dashboard:account_policy", args=[self.account_id])
