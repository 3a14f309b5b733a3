"""What every page's header needs to know about the user."""

from functools import cache

from django.http import HttpRequest

from dashboard.models import Membership, Project, ProjectStatus, Role, roles_at_least


def navigation(request: HttpRequest) -> dict:
    @cache
    def roles() -> frozenset[str]:  # one query, asked only by pages that render the header
        user = request.user
        if not user.is_authenticated:
            return frozenset()
        return frozenset(Membership.objects.filter(user=user).values_list("role", flat=True))

    def may_create_projects() -> bool:
        return bool(roles() & set(roles_at_least(Role.MEMBER)))

    def approves_creates() -> bool:  # team admins approve held creates
        return Role.ADMIN in roles()

    def awaiting_approval() -> int:  # asked only for a team admin's header
        awaiting = Project.objects.for_user(request.user, role=Role.ADMIN)
        return awaiting.filter(status=ProjectStatus.AWAITING).count()

    return {
        "may_create_projects": may_create_projects,
        "approves_creates": approves_creates,
        "awaiting_approval": awaiting_approval,
    }
