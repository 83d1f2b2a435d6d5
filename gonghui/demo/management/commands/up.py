import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from gonghui.demo.story import DEMO_PASSWORD, load_demo_story


class Command(BaseCommand):
    help = "Migrate, load regions and the demo story (idempotent), print the logins, and serve on :8000."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="prepare the database only")
        parser.add_argument("--no-worker", action="store_true", help="serve without a job worker")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            # The story publishes its logins' password in the README: never in a real federation.
            raise CommandError(
                "The demo story is not loaded in production (its logins share a published password). "
                "Start a federation with `manage.py bootstrap` (docs/operations.md)."
            )
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_regions")
        story = load_demo_story()
        self.stdout.write(self.style.SUCCESS("\ngonghui 工会 — demo story ready"))
        self.stdout.write(
            f"  console: http://{options['addrport']}/      API docs: http://{options['addrport']}/api/v1/docs"
        )
        self.stdout.write(f"  every demo login uses the password: {DEMO_PASSWORD}")
        for login in story.logins:
            self.stdout.write(
                f"  {login.username:<12} {login.role_label:<10} {login.unit_name}  {login.person}"
            )
        if not settings.GONGHUI_2FA_REQUIRED:
            self.stdout.write(
                "  (TOTP second factor is off for this development server; GONGHUI_2FA_REQUIRED=1 turns it on)"
            )
        if options["no_serve"]:
            return
        # Roster imports and exports run as jobs: a worker beside the development server makes them work
        # with `make run`; it stops with the server.
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "gonghui", "db_worker"])
            self.stdout.write(f"  job worker: pid {worker.pid} (manage.py db_worker)")
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
