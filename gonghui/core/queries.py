from typing import Any

from django.db.models import QuerySet

from gonghui.accounts.scope import RANK_READ_AUDIT, path_q
from gonghui.core.models import AuditEvent


def list_audit_events(
    *, acting_user: Any, event_type: str | None = None, object_type: str | None = None
) -> QuerySet[AuditEvent]:
    """Audit events about objects in the user's subtree, newest first."""
    events = AuditEvent.objects.filter(
        path_q(acting_user, "unit__path", min_rank=RANK_READ_AUDIT)
    ).select_related("actor", "acting_unit", "unit")
    if event_type:
        events = events.filter(event_type=event_type)
    if object_type:
        events = events.filter(object_type=object_type)
    return events.order_by("-created_at", "-pk")
