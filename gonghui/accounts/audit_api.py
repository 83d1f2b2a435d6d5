import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from gonghui.accounts.queries import list_audit_events
from gonghui.core.api_support import ERRORS, Pagination

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    created_at: datetime.datetime
    actor: str | None
    acting_unit_id: int | None
    unit_id: int | None
    event_type: str
    object_type: str
    object_id: str
    object_label: str
    changed_fields: list[str]
    details: dict

    @staticmethod
    def resolve_actor(obj: object) -> str | None:
        actor = getattr(obj, "actor", None)
        return actor.username if actor else None


@router.get("/events", response={200: list[AuditEventOut], **ERRORS})
@paginate(Pagination)
def audit_events(request: HttpRequest, event_type: str | None = None, object_type: str | None = None):  # type: ignore[no-untyped-def]
    return list_audit_events(acting_user=request.user, event_type=event_type, object_type=object_type)
