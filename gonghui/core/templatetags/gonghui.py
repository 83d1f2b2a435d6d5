from typing import Any

from django import template

from gonghui.core.event_labels import (
    EVENT_LABELS,
    FIELD_DIFFERS,
    WARNING_LABELS,
    describe_actor,
    describe_field,
    describe_object,
)
from gonghui.core.pii import mask_phone, mask_resident_id

register = template.Library()


@register.filter
def event_label(event_type: str) -> str:
    return str(EVENT_LABELS.get(event_type, event_type))


@register.filter
def warning_label(code: str) -> str:
    if code.startswith("field_differs:"):
        # The differing field is one of the person's (enrolment data), named as the enrol form names it.
        return str(FIELD_DIFFERS) % {"field": describe_field("members.person", code.partition(":")[2])}
    return str(WARNING_LABELS.get(code, code))


# Every page that shows audit events renders them through these three, so an event any action can write
# (with or without an acting user) renders the same way everywhere.
@register.filter
def event_actor(event: Any) -> str:
    return describe_actor(event)


@register.filter
def event_object(event: Any) -> str:
    return describe_object(event)


@register.filter
def event_fields(event: Any) -> str:
    return "、".join(describe_field(event.object_type, name) for name in event.changed_fields or [])


# Whom a record was for, without revealing them: 110112********1236, 138****5678 (DESIGN §3).
@register.filter
def masked_resident_id(value: str | None) -> str:
    return mask_resident_id(value)


@register.filter
def masked_phone(value: str | None) -> str:
    return mask_phone(value)
