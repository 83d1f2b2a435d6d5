from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from gonghui.demo.story import DEMO_PASSWORD, load_demo_story


class Command(BaseCommand):
    help = "Load the 双沟通 demo story (regions, union tree, enterprises, staff); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_regions")
        story = load_demo_story()
        self.stdout.write(f"demo story: {len(story.units)} unions, {len(story.enterprises)} enterprises")
        for login in story.logins:
            self.stdout.write(
                f"  {login.username:<12} / {DEMO_PASSWORD}  {login.role_label} · {login.unit_name}"
            )
