"""A team's project templates: defaults for an account's fields and a name pattern."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from dashboard.models.accounts import VendorAccount
from dashboard.models.teams import Team, TeamScopedQuerySet


class ProjectTemplate(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="project_templates")
    account = models.ForeignKey(
        VendorAccount, on_delete=models.CASCADE, related_name="project_templates"
    )
    name = models.CharField(max_length=100)
    # e.g. "{app}-{env}": placeholders are filled from the values a batch expands over.
    name_pattern = models.CharField(max_length=255, blank=True)
    # Any of the vendor's project fields, as the create form would post them.
    defaults = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="one_template_name_per_team")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dashboard:template_edit", args=[self.pk])
