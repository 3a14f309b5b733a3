"""Serve the vendor stand-ins on loopback: python manage.py sandbox --port 8100."""

from django.core.management.base import BaseCommand, CommandError

from providers.sandbox.server import Sandbox


class Command(BaseCommand):
    help = "Run the loopback stand-ins of the vendors (for make run and manual testing)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--host", default="127.0.0.1", help="Keep it on loopback.")
        parser.add_argument(
            "--latency",
            type=float,
            default=0.0,
            help="Seconds every request waits before it is answered; a reset keeps it.",
        )

    def handle(self, *args, **options):
        if options["latency"] < 0:
            raise CommandError("--latency is 0 or more seconds.")
        sandbox = Sandbox(options["host"], options["port"], latency=options["latency"])
        self.stdout.write(f"Vendor sandbox on {sandbox.url}")
        for slug in sandbox.vendors:
            self.stdout.write(f"  {slug}: {sandbox.base_url(slug)}")
        self.stdout.write("  accounts: /<vendor>~<tag>/... (e.g. /r4~a1/...), counted apart")
        if options["latency"]:
            self.stdout.write(f"  latency: {options['latency']} s per request")
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.httpd.server_close()
