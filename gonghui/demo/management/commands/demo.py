from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from gonghui.demo.story import DEMO_PASSWORD, load_demo_story


class Command(BaseCommand):
    help = "Load the 双沟通 demo story (regions, union tree, enterprises, staff); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            # The story publishes its logins' password in the README: never in a real federation.
            raise CommandError(
                "The demo story is not loaded in production (its logins share a published password). "
                "Start a federation with `manage.py bootstrap` (docs/operations.md)."
            )
        call_command("load_regions")
        story = load_demo_story()
        self.stdout.write(f"demo story: {len(story.units)} unions, {len(story.enterprises)} enterprises")
        for login in story.logins:
            self.stdout.write(
                f"  {login.username:<12} / {DEMO_PASSWORD}  {login.role_label} · {login.unit_name}"
            )
