"""What every page's header needs to know about the user."""

from django.http import HttpRequest

from dashboard.models import Membership, Role, roles_at_least


def navigation(request: HttpRequest) -> dict:
    def may_create_projects() -> bool:  # asked only by pages that render the header
        user = request.user
        return user.is_authenticated and (
            Membership.objects.filter(user=user, role__in=roles_at_least(Role.MEMBER)).exists()
        )

    return {"may_create_projects": may_create_projects}
