from typing import Any

from django.core.management.base import BaseCommand

from gonghui.core.actions import do_rotate_pii_keys
from gonghui.core.pii import key_ring


class Command(BaseCommand):
    help = (
        "Re-encrypt all personal data under the first key of GONGHUI_PII_KEYS. Put the new key first, "
        "keep the old key after it, run this, then remove the old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = do_rotate_pii_keys(acting_user=None)
        total = sum(counts.values())
        detail = ", ".join(f"{label}: {n}" for label, n in counts.items())
        self.stdout.write(f"re-encrypted {total} rows under key {key_ring().primary_id!r} ({detail})")
