"""Create the demo login, a demo team and connected sandbox accounts. Safe to run twice."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dashboard import services
from dashboard.models import GroupMapping, Membership, Role, Team, VendorAccount
from providers.registry import get_provider
from providers.sandbox.server import STAND_INS

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"  # a local demo login on loopback, printed on purpose
DEMO_TEAM = "Demo team"
# The stand-in identity provider's groups (dashboard/sso/stand_in_users.yaml) → roles.
DEMO_GROUPS = {"demo-admins": Role.ADMIN, "demo-members": Role.MEMBER, "demo-viewers": Role.VIEWER}


class Command(BaseCommand):
    help = "Create a demo superuser, a demo team and accounts on the sandbox vendors."

    def add_arguments(self, parser):
        parser.add_argument("--sandbox-url", default="http://127.0.0.1:8100")
        parser.add_argument("--app-url", default="http://127.0.0.1:8000/")
        parser.add_argument(
            "--wait", action="store_true", help="Wait up to 20 s for the sandbox to start."
        )

    def handle(self, *args, sandbox_url: str, app_url: str, wait: bool, **options):
        sandbox_url = sandbox_url.rstrip("/")
        user, team = self._user_and_team()
        # Every stand-in the sandbox serves, with the login it knows.
        accounts = [
            (
                stand_in.slug,
                f"{get_provider(stand_in.slug).name} sandbox",
                f"{sandbox_url}/{stand_in.slug}{stand_in.base_path}",
                stand_in.demo_credentials(),
            )
            for stand_in in STAND_INS
        ]
        for vendor, label, base_url, credentials in accounts:
            if VendorAccount.objects.filter(team=team, vendor=vendor, label=label).exists():
                self.stdout.write(f"{label}: already connected.")
                continue
            deadline = time.monotonic() + (20 if wait else 0)
            while True:
                try:
                    services.account_connect(
                        team=team,
                        user=user,
                        vendor=vendor,
                        label=label,
                        base_url=base_url,
                        credentials_input=credentials,
                    )
                    break
                except services.ServiceError as exc:
                    if time.monotonic() >= deadline:
                        raise CommandError(
                            f"{label}: {exc.message or exc.field_errors}. Is the sandbox running?"
                        ) from None
                    time.sleep(0.5)
            self.stdout.write(f"{label}: connected.")
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo login: {DEMO_USERNAME} / {DEMO_PASSWORD}  →  {app_url}\n")
        )

    @transaction.atomic
    def _user_and_team(self):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        team, _ = Team.objects.get_or_create(name=DEMO_TEAM)
        Membership.objects.get_or_create(user=user, team=team, defaults={"role": Role.ADMIN})
        # People who sign in through the stand-in provider get their place from its groups.
        Team.objects.filter(pk=team.pk).update(managed_by_identity_provider=True)
        for group, role in DEMO_GROUPS.items():
            GroupMapping.objects.get_or_create(group=group, team=team, defaults={"role": role})
        return user, team
