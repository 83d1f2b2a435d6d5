from django import template

from gonghui.core.event_labels import EVENT_LABELS, FIELD_DIFFERS, WARNING_LABELS

register = template.Library()


@register.filter
def event_label(event_type: str) -> str:
    return str(EVENT_LABELS.get(event_type, event_type))


@register.filter
def warning_label(code: str) -> str:
    if code.startswith("field_differs:"):
        return str(FIELD_DIFFERS) % {"field": code.partition(":")[2]}
    return str(WARNING_LABELS.get(code, code))
