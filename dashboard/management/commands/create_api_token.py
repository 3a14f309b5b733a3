"""Create an API token for a pipeline, printed once on stdout (and nowhere else).

python manage.py create_api_token --user U --team T --role member [--name N] [--expires-days D]
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboard import services
from dashboard.models import Role, Team
from dashboard.services.api_tokens import DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS


def _expires_days(value: str) -> int | None:
    if value == "never":
        return None
    if not value.isascii() or not value.isdigit():
        raise CommandError(f"--expires-days takes 1 to {MAX_EXPIRY_DAYS}, or never.")
    return int(value)


class Command(BaseCommand):
    help = "Create an API token acting as a user in one team; prints the token once."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="The username the token acts as.")
        parser.add_argument("--team", required=True, help="The team's name (or id).")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", help="What uses it (default: command line and today).")
        parser.add_argument(
            "--expires-days",
            default=str(DEFAULT_EXPIRY_DAYS),
            help=f"1 to {MAX_EXPIRY_DAYS} (default {DEFAULT_EXPIRY_DAYS}); "
            "never, for a team admin.",
        )

    def handle(self, *args, user, team, role, name, expires_days, **options):
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None or not owner.is_active:
            raise CommandError(f"No active user named {user!r}.")
        found = Team.objects.filter(name=team).first()
        if found is None and team.isascii() and team.isdigit():
            found = Team.objects.filter(pk=int(team)).first()
        if found is None:
            raise CommandError(f"No team named {team!r}.")
        try:
            new = services.api_token_create(
                by=owner,
                team=found,
                name=name if name is not None else f"Command line, {timezone.now():%Y-%m-%d}",
                role=role,
                expires_days=_expires_days(expires_days),
            )
        except services.ServiceError as exc:
            if "team" in exc.field_errors:
                raise CommandError(f"{user} is not in {found.name}.") from None
            raise CommandError(" ".join(exc.field_errors.values()) or exc.message) from None
        # The token alone on stdout, so that TOKEN=$(manage.py create_api_token ...) works.
        self.stdout.write(str(new.plaintext))
