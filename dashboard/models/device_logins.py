"""Device sign-ins (RFC 8628) in progress, for vendors that offer them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from dashboard.models.accounts import VendorAccount
from dashboard.models.teams import Team
from providers.encryption import EncryptedJSONField
from providers.registry import vendor_choices


class DeviceLoginStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    EXPIRED = "expired", "Expired"
    FAILED = "failed", "Failed"


class DeviceLogin(models.Model):
    """A device sign-in (RFC 8628) in progress. The device code never leaves the server; the
    user code is shown only to the admin who started it, on its own page (anyone holding
    it could approve it with their own vendor login while it lasts)."""

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="device_logins")
    # Set when the sign-in renews an existing account instead of connecting a new one.
    account = models.ForeignKey(
        VendorAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    vendor = models.CharField(max_length=20, choices=vendor_choices)
    label = models.CharField(max_length=100)
    base_url = models.URLField(max_length=300)
    secrets = EncryptedJSONField(default=dict, editable=False)  # {"device_code": ...}
    user_code = models.CharField(max_length=32)
    verification_uri = models.URLField(max_length=500)
    verification_uri_complete = models.URLField(max_length=600)
    interval = models.PositiveIntegerField()
    expires_at = models.DateTimeField()
    next_poll_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=DeviceLoginStatus.choices, default=DeviceLoginStatus.PENDING
    )
    message = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_vendor_display()} sign-in “{self.label}” ({self.status})"
