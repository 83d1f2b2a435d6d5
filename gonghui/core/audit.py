"""The audit helper every action calls exactly once."""

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from gonghui.core.bulk import Same, bulk_insert
from gonghui.core.models import AuditEvent
from gonghui.core.replicas import note_write
from gonghui.core.text import scrub

__all__ = ["build_event", "record_event", "record_events", "record_events_as_columns", "scrub"]


def build_event(
    *,
    acting_user: Any,
    event_type: str,
    obj: models.Model | None = None,
    unit: models.Model | None = None,
    acting_unit: models.Model | None = None,
    changed_fields: Iterable[str] = (),
    details: dict[str, Any] | None = None,
    now: Any = None,
) -> AuditEvent:
    """The audit row, not yet saved: for actions that write one event per record in bulk."""
    details = scrub(details or {})
    fields = sorted(changed_fields)
    label = scrub(str(obj))[:200] if obj is not None else ""
    acting_unit_id = acting_unit.pk if acting_unit is not None else None
    if acting_unit is None and acting_user is not None and unit is not None:
        # From the roles already loaded for this user: no query on the hot path.
        acting_unit_id = acting_user.acting_unit_id_for(unit)
    return AuditEvent(
        created_at=now or timezone.now(),
        actor=acting_user if acting_user is not None and acting_user.pk else None,
        acting_unit_id=acting_unit_id,
        unit_id=unit.pk if unit is not None else None,
        event_type=event_type,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=label,
        changed_fields=fields,
        details=details,
    )


def record_event(
    *,
    acting_user: Any,
    event_type: str,
    obj: models.Model | None = None,
    unit: models.Model | None = None,
    acting_unit: models.Model | None = None,
    changed_fields: Iterable[str] = (),
    details: dict[str, Any] | None = None,
    now: Any = None,
) -> AuditEvent:
    event = build_event(
        acting_user=acting_user,
        event_type=event_type,
        obj=obj,
        unit=unit,
        acting_unit=acting_unit,
        changed_fields=changed_fields,
        details=details,
        now=now,
    )
    event.save(force_insert=True)
    note_write(acting_user)
    return event


def record_events(events: list[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(events)
    for actor in {event.actor for event in events if event.actor is not None}:
        note_write(actor)


def record_events_as_columns(
    *,
    acting_user: Any,
    unit: models.Model,
    object_type: str,
    event_types: list[str],
    object_ids: list[int],
    labels: list[str],
    unit_ids: list[int],
    details: list[dict[str, Any]],
    changed_fields: list[str],
    now: Any,
) -> None:
    """One event per object for a bulk write (an import's rows), given as columns: written with
    core.bulk.bulk_insert, where building an AuditEvent per row would cost about as much as the rows
    themselves. `unit` is where the acting user acted; `unit_ids` where each object lives. Details hold
    only ids and codes (they are not scrubbed); labels are scrubbed like build_event's."""
    bulk_insert(
        AuditEvent,
        {
            "created_at": Same(now),
            "actor_id": Same(acting_user.pk if acting_user is not None and acting_user.pk else None),
            "acting_unit_id": Same(acting_user.acting_unit_id_for(unit) if acting_user is not None else None),
            "unit_id": unit_ids,
            "event_type": event_types,
            "object_type": Same(object_type),
            "object_id": [str(pk) for pk in object_ids],
            "object_label": [scrub(label)[:200] for label in labels],
            "changed_fields": Same(sorted(changed_fields)),
            "details": details,
        },
        len(object_ids),
        ids=False,
    )
    note_write(acting_user)
