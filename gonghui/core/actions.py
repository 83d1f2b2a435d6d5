"""Cross-cutting actions: rotating the PII keys."""

from typing import Any

from django.apps import apps
from django.db import models, transaction

from gonghui.core.audit import record_event
from gonghui.core.fields import EncryptedTextField

ROTATE_BATCH = 500


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


@transaction.atomic(durable=True)
def do_rotate_pii_keys(*, acting_user: Any = None) -> dict[str, int]:
    """Re-encrypt every encrypted value under the primary key (the first in GONGHUI_PII_KEYS).

    Values decrypt with whichever key id they carry, so rotation is: put the new key first, keep the
    old one after it, run this, then drop the old key. One transaction: all rows move, or none do.
    """
    counts: dict[str, int] = {}
    for model, names in encrypted_fields():
        rows = 0
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), ROTATE_BATCH):
            batch = list(
                model._default_manager.filter(pk__in=pks[start : start + ROTATE_BATCH]).only("pk", *names)
            )
            # Saving re-encrypts: get_prep_value always seals under the primary key.
            model._default_manager.bulk_update(batch, names)
            rows += len(batch)
        counts[model._meta.label] = rows
    record_event(acting_user=acting_user, event_type="pii_keys_rotated", details={"rows": counts})
    return counts
