"""Cross-cutting actions: revealing a personal value (logged), rotating the PII keys."""

from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.scope import can_reveal_pii
from gonghui.core.audit import record_event
from gonghui.core.errors import Forbidden
from gonghui.core.fields import EncryptedTextField

ROTATE_BATCH = 500


class RevealNotAllowed(Forbidden):
    code = "pii_reveal_forbidden"
    default_message = _("Your role may only see this value masked.")


@transaction.atomic(durable=True)
def do_reveal_pii(*, acting_user: Any, obj: models.Model, field_name: str, unit: Any) -> str:
    """Return the full value of an encrypted field and log that this user saw it."""
    field = obj._meta.get_field(field_name)
    if not isinstance(field, EncryptedTextField):
        raise ValueError(f"{field_name} is not an encrypted field")
    if not can_reveal_pii(acting_user, unit):
        raise RevealNotAllowed()
    record_event(
        acting_user=acting_user,
        event_type="pii_revealed",
        obj=obj,
        unit=unit,
        changed_fields=[],
        details={"field": field_name},
    )
    return getattr(obj, field_name) or ""


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
