"""A team's account at a vendor: its encrypted credentials and its standing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from dashboard.models.teams import Team, TeamScopedQuerySet
from providers.encryption import EncryptedJSONField
from providers.registry import vendor_choices


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Connected"
    NEEDS_RECONNECT = "needs_reconnect", "Needs new credentials"
    DISCONNECTED = "disconnected", "Disconnected"


class VendorAccount(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="accounts")
    vendor = models.CharField(max_length=20, choices=vendor_choices)
    label = models.CharField(max_length=100)
    base_url = models.URLField(max_length=300)
    credentials = EncryptedJSONField(default=dict, editable=False)
    # The only form of the credentials ever displayed, e.g. "rk_abc123.••••".
    credential_hint = models.CharField(max_length=100, blank=True)
    identity = models.CharField(
        max_length=200, blank=True, help_text="Who the vendor says this is."
    )
    # Subscription plan, for vendors that limit projects by plan (slugs from the provider).
    plan = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=20, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)  # every project listed
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "vendor", "label"]
        indexes = [models.Index(fields=["team", "vendor", "status"])]

    def __str__(self) -> str:
        return f"{self.get_vendor_display()}: {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("dashboard:account_detail", args=[self.pk])

    @property
    def is_connected(self) -> bool:
        """Usable for any vendor call: creating, refreshing, importing, regenerating."""
        return self.status == AccountStatus.ACTIVE

    @property
    def credentials_unreadable(self) -> bool:
        """No configured key opens the stored credentials: the account needs attention."""
        return getattr(self.credentials, "unreadable", False)
