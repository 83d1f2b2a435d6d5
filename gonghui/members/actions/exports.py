"""Member export: queue an export of the members in the user's area."""

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from gonghui.core.audit import record_event
from gonghui.orgs.models import OrgUnit

if TYPE_CHECKING:
    from gonghui.members.models import ExportJob


@transaction.atomic(durable=True)
def do_request_member_export(
    *,
    acting_user: Any,
    union: OrgUnit | None,
    filters: dict[str, Any],
    file_format: str,
    reveal: bool,
    now: datetime.datetime | None = None,
) -> "ExportJob":
    """Queue an export of the members in the user's area. Full IDs and phones only for a role that may
    reveal them over the whole export (else RevealNotAllowed); either way the export is in the audit log."""
    from gonghui.accounts.actions import RevealNotAllowed
    from gonghui.members.models import ExportJob
    from gonghui.orgs.scope import can_reveal_pii, scope_paths, scope_top_unit_id

    now = now or timezone.now()
    if reveal:
        allowed = (
            can_reveal_pii(acting_user, union)
            if union is not None
            else bool(scope_paths(acting_user))
            and all(can_reveal_pii(acting_user, OrgUnit(path=p)) for p in scope_paths(acting_user))
        )
        if not allowed:
            raise RevealNotAllowed()
    job = ExportJob.objects.create(
        owner=acting_user,
        union=union,
        filters=filters,
        format=file_format,
        reveal=reveal,
        created_at=now,
    )
    # An export of the user's whole area happened at the top of that area: the officers above it see it.
    top = scope_top_unit_id(acting_user)
    place = union if union is not None else OrgUnit.objects.filter(pk=top).first() if top else None
    record_event(
        acting_user=acting_user,
        event_type="members_exported_revealed" if reveal else "members_exported",
        obj=job,
        unit=place,
        details={"filters": filters, "format": file_format, "reveal": reveal},
        now=now,
    )
    return job
