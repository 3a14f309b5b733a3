"""Sign-in through the company's identity provider (OpenID Connect): who a person is there,
and which team and role each of its groups gives."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dashboard.models.teams import Role, Team


class Identity(models.Model):
    """A user's account at an identity provider: the issuer and its `sub` name one person
    for good (an email can move from one person to another; a `sub` never does)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_identity"),
            # Linking by email never gives one account two people of the same provider.
            models.UniqueConstraint(fields=["issuer", "user"], name="one_identity_per_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class GroupMapping(models.Model):
    """Members of `group` at the identity provider get `role` in `team`, when the team is
    managed by the identity provider. A person in several mapped groups gets the highest."""

    group = models.CharField(
        max_length=255, help_text="The group's name, as the provider sends it."
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="group_mappings")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        ordering = ["group", "team__name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "team"], name="one_role_per_group_and_team")
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.team} ({self.role})"
