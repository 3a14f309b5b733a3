"""Teams, who belongs to them and in what role, and the querysets that start from the user.

Every queryset a view touches starts from the user (`for_user`), so an object of another
team is simply not found.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import QuerySet


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"  # reads
    MEMBER = "member", "Member"  # creates projects
    ADMIN = "admin", "Admin"  # manages accounts and members


ROLE_RANK = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2}


def roles_at_least(role: str) -> list[str]:
    return [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[role]]


def team_ids_for(user, *, role: str = Role.VIEWER) -> QuerySet:
    return Membership.objects.filter(user=user, role__in=roles_at_least(role)).values("team_id")


def admin_teams(user) -> QuerySet:
    """Teams where the user may connect accounts and manage members."""
    return Team.objects.filter(pk__in=team_ids_for(user, role=Role.ADMIN))


def role_in(user, team_id: int) -> str | None:
    """The user's role in one team, or None for an outsider."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, team_id=team_id).values_list("role", flat=True).first()
    )


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    # Each sign-in through the identity provider sets a member's place in this team from
    # their groups (dashboard/models/identity.py's GroupMapping): added, re-roled or removed.
    managed_by_identity_provider = models.BooleanField(
        default=False,
        help_text="Each sign-in through the identity provider sets the person's membership "
        "from their groups (the group mappings): added, role changed, or removed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A team with a single admin may let that admin approve their own creates (explicit,
    # audited); otherwise an approver is always a second person.
    self_approval = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class TeamScopedQuerySet(models.QuerySet):
    def for_user(self, user, *, role: str = Role.VIEWER):
        """Rows of teams where `user` holds at least `role`."""
        if not user.is_authenticated:
            return self.none()
        # A subquery, not a join: no duplicate rows, and one query for a single-object lookup.
        return self.filter(team_id__in=team_ids_for(user, role=role))
