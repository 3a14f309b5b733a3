"""Write a development .env with a fresh encryption key (never overwrites an existing one)."""

import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create .env with a new FIELD_ENCRYPTION_KEYS and SECRET_KEY if .env is missing."

    def add_arguments(self, parser):
        parser.add_argument("--print-key", action="store_true", help="Only print a new Fernet key.")

    def handle(self, *args, **options):
        if options["print_key"]:
            self.stdout.write(Fernet.generate_key().decode())
            return
        path = Path(settings.BASE_DIR) / ".env"
        if path.exists():
            self.stdout.write(".env exists; left as it is.")
            return
        path.write_text(
            "# Written by `manage.py init_env` for development. Keep it out of version control.\n"
            "DEBUG=True\n"
            f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
            f"FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
        )
        path.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} with a new encryption key."))
