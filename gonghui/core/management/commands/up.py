from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from gonghui.core.demo import DEMO_PASSWORD, load_demo_story


class Command(BaseCommand):
    help = "Migrate, load regions and the demo story (idempotent), print the logins, and serve on :8000."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="prepare the database only")

    def handle(self, *args: Any, **options: Any) -> None:
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
        if not options["no_serve"]:
            call_command("runserver", options["addrport"], use_reloader=False)
