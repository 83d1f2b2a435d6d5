"""Return to the board the needs claimed but not scheduled within their committee's window, and tell the
officers who posted them. Run it every few minutes (cron or a systemd timer; docs/needs.md)."""

from typing import Any

from django.core.management.base import BaseCommand

from gonghui.needs.actions import return_unscheduled_claims


class Command(BaseCommand):
    help = "Return needs claimed but not scheduled in time to the board."

    def handle(self, *args: Any, **options: Any) -> None:
        returned = return_unscheduled_claims()
        self.stdout.write(f"{returned} claim(s) returned")
