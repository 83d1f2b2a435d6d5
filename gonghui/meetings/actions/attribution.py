"""Applications taken at a meeting without its QR code, attributed to it."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import record_event
from gonghui.core.errors import InvalidInput
from gonghui.meetings.actions.planning import _lock, _require_manager
from gonghui.meetings.models import Meeting


class MembershipNotUnderOrganiser(InvalidInput):
    code = "meeting_membership_outside"
    default_message = _("Only applications to unions under the meeting's organiser can be attributed to it.")


@transaction.atomic(durable=True)
def do_attribute_memberships(
    *, acting_user: Any, meeting: Meeting, memberships: list[Any], now: datetime.datetime | None = None
) -> int:
    """Attribute applications taken at the meeting without its QR code (a collector's phone, a paper form
    entered later) to the meeting, so its funnel counts them. Only unattributed applications to unions
    under the organiser; returns how many were attributed."""
    from gonghui.members.models import Membership

    now = now or timezone.now()
    meeting = _lock(meeting)
    _require_manager(acting_user, meeting.organiser)
    ids = [m.pk for m in memberships]
    rows = Membership.objects.filter(pk__in=ids).select_related("union")
    if any(not row.union.is_within(meeting.organiser) for row in rows) or rows.count() != len(set(ids)):
        raise MembershipNotUnderOrganiser(field="memberships")
    count = rows.filter(meeting__isnull=True).update(meeting=meeting)
    record_event(
        acting_user=acting_user,
        event_type="meeting_memberships_attributed",
        obj=meeting,
        unit=meeting.organiser,
        details={"memberships": count},
        now=now,
    )
    return count
