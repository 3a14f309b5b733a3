"""Serve the vendor stand-ins on loopback: python manage.py sandbox --port 8100."""

from django.core.management.base import BaseCommand

from providers.sandbox.server import Sandbox


class Command(BaseCommand):
    help = "Run the loopback stand-ins of the vendors (for make run and manual testing)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--host", default="127.0.0.1", help="Keep it on loopback.")

    def handle(self, *args, **options):
        sandbox = Sandbox(options["host"], options["port"])
        self.stdout.write(f"Vendor sandbox on {sandbox.url}")
        for slug in sandbox.vendors:
            self.stdout.write(f"  {slug}: {sandbox.base_url(slug)}")
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.httpd.server_close()
