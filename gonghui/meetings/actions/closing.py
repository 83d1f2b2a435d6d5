"""A held meeting: check-ins, closing with outcomes, follow-ups, host links and codes."""

import datetime
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import record_event
from gonghui.core.errors import Forbidden, InvalidInput
from gonghui.core.phones import normalise_phone
from gonghui.core.pii import blind_index, secret_digest
from gonghui.meetings.actions.errors import (
    MAX_HEAD_COUNT,
    OPEN_STATUSES,
    RANK_COLLECT,
    CheckInNameRequired,
    FollowUpInvalid,
    HeadCountInvalid,
    MeetingNotHeld,
    MeetingNotOpen,
)
from gonghui.meetings.actions.planning import _lock, _require_manager, new_public_token
from gonghui.meetings.models import CheckIn, FollowUp, Meeting
from gonghui.orgs.scope import rank_at


@dataclass
class FollowUpData:
    text: str
    owner_name: str
    due_date: datetime.date


@dataclass
class MeetingOutcome:
    """What is recorded at close. attendance None: the checked-in head count is taken."""

    attendance: int | None = None
    consultations: int = 0
    materials_handed_out: int = 0
    notes: str = ""
    management_attendees: str = ""
    concerns: str = ""
    service_package: str = ""
    follow_ups: list[FollowUpData] = field(default_factory=list)


def checked_in_count(meeting: Meeting) -> int:
    from django.db.models import Sum

    return int(meeting.check_ins.aggregate(n=Sum("head_count"))["n"] or 0)


@transaction.atomic(durable=True)
def do_close_meeting(
    *, acting_user: Any, meeting: Meeting, outcome: MeetingOutcome, now: datetime.datetime | None = None
) -> Meeting:
    now = now or timezone.now()
    meeting = _lock(meeting)
    _require_manager(acting_user, meeting.organiser)
    if meeting.status != Meeting.Status.HELD:
        raise MeetingNotHeld()
    for name in ("attendance", "consultations", "materials_handed_out"):
        value = getattr(outcome, name)
        if value is not None and not 0 <= value <= 100_000:
            raise InvalidInput(_("Enter a number from 0 to 100000."), field=name)
    follow_ups = []
    for item in outcome.follow_ups:
        text, owner = " ".join(item.text.split())[:300], " ".join(item.owner_name.split())[:100]
        if not (text and owner and item.due_date):
            raise FollowUpInvalid(field="follow_ups")
        follow_ups.append(FollowUp(meeting=meeting, text=text, owner_name=owner, due_date=item.due_date))
    meeting.attendance = outcome.attendance if outcome.attendance is not None else checked_in_count(meeting)
    meeting.consultations = outcome.consultations
    meeting.materials_handed_out = outcome.materials_handed_out
    meeting.notes = outcome.notes.strip()[:5000]
    meeting.management_attendees = outcome.management_attendees.strip()[:2000]
    meeting.concerns = outcome.concerns.strip()[:5000]
    meeting.service_package = outcome.service_package.strip()[:5000]
    meeting.status = Meeting.Status.CLOSED
    meeting.closed_at = now
    # The host link is for the day itself; a closed meeting takes no more check-ins.
    meeting.host_token_digest = None
    meeting.updated_at = now
    meeting.save()
    FollowUp.objects.bulk_create(follow_ups)
    record_event(
        acting_user=acting_user,
        event_type="meeting_closed",
        obj=meeting,
        unit=meeting.organiser,
        changed_fields=[
            "status",
            "attendance",
            "consultations",
            "materials_handed_out",
            "notes",
            "follow_ups",
        ],
        details={"attendance": meeting.attendance, "follow_ups": len(follow_ups)},
        now=now,
    )
    return meeting


@transaction.atomic(durable=True)
def do_complete_follow_up(
    *, acting_user: Any, follow_up: FollowUp, now: datetime.datetime | None = None
) -> FollowUp:
    now = now or timezone.now()
    follow_up = FollowUp.objects.select_for_update().select_related("meeting__organiser").get(pk=follow_up.pk)
    _require_manager(acting_user, follow_up.meeting.organiser)
    if follow_up.done_at is None:
        follow_up.done_at = now
        follow_up.save(update_fields=["done_at"])
    record_event(
        acting_user=acting_user,
        event_type="meeting_follow_up_done",
        obj=follow_up,
        unit=follow_up.meeting.organiser,
        changed_fields=["done_at"],
        now=now,
    )
    return follow_up


@transaction.atomic(durable=True)
def do_issue_host_link(
    *, acting_user: Any, meeting: Meeting, now: datetime.datetime | None = None
) -> tuple[Meeting, str]:
    """A new host link for the meeting; the token is returned once and only its digest kept. Any
    earlier host link stops working at once."""
    now = now or timezone.now()
    meeting = _lock(meeting)
    _require_manager(acting_user, meeting.organiser)
    if meeting.status not in OPEN_STATUSES:
        raise MeetingNotOpen()
    token = secrets.token_urlsafe(24)
    meeting.host_token_digest = secret_digest(token)
    meeting.host_token_issued_at = now
    meeting.save(update_fields=["host_token_digest", "host_token_issued_at"])
    record_event(
        acting_user=acting_user,
        event_type="meeting_host_link_issued",
        obj=meeting,
        unit=meeting.organiser,
        changed_fields=["host_token_digest"],
        now=now,
    )
    return meeting, token


@transaction.atomic(durable=True)
def do_regenerate_meeting_codes(
    *, acting_user: Any, meeting: Meeting, now: datetime.datetime | None = None
) -> Meeting:
    """A new token for the printed check-in and questionnaire codes (a poster photographed and passed
    around, say): posters printed before stop working."""
    now = now or timezone.now()
    meeting = _lock(meeting)
    _require_manager(acting_user, meeting.organiser)
    meeting.public_token = new_public_token()
    meeting.save(update_fields=["public_token"])
    record_event(
        acting_user=acting_user,
        event_type="meeting_codes_regenerated",
        obj=meeting,
        unit=meeting.organiser,
        changed_fields=["public_token"],
        now=now,
    )
    return meeting


@dataclass
class CheckInOutcome:
    """created False: this phone had already checked in (answered the same way, so a repeat scan is
    harmless and says nothing about who else is here)."""

    check_in: CheckIn
    created: bool
    total: int


@transaction.atomic(durable=True)
def do_check_in(
    *,
    meeting: Meeting,
    source: str,
    name: str = "",
    phone: str = "",
    head_count: int = 1,
    acting_user: Any = None,
    now: datetime.datetime | None = None,
) -> CheckInOutcome:
    """A worker's arrival: named (name and phone) or anonymous. From the worker's own phone (SELF)
    one person at a time; the host link (HOST) or staff (STAFF) may also add an anonymous head count."""
    now = now or timezone.now()
    meeting = _lock(meeting)
    if source not in CheckIn.Source.values:
        raise InvalidInput(field="source")
    if source == CheckIn.Source.STAFF and rank_at(acting_user, meeting.organiser) < RANK_COLLECT:
        raise Forbidden()
    if meeting.status not in OPEN_STATUSES:
        raise MeetingNotOpen()
    name = " ".join((name or "").split())
    if len(name) > 50:
        raise InvalidInput(_("The name is at most 50 characters."), field="name")
    phone = (phone or "").strip()
    if phone:
        phone = normalise_phone(phone, field="phone")
        if not name:
            raise CheckInNameRequired(field="name")
        head_count = 1
    elif name:
        # A name without a phone cannot be told apart from a namesake; it is kept as said.
        head_count = 1
    if not isinstance(head_count, int) or not 1 <= head_count <= MAX_HEAD_COUNT:
        raise HeadCountInvalid(field="head_count", max=MAX_HEAD_COUNT)
    if source == CheckIn.Source.SELF and head_count != 1:
        raise HeadCountInvalid(field="head_count", max=1)
    created = True
    check_in = None
    if phone:
        check_in = CheckIn.objects.filter(
            meeting=meeting, phone_index=blind_index(phone, purpose="phone")
        ).first()
        created = check_in is None
    if check_in is None:
        try:
            with transaction.atomic():  # a double tap may race; the second finds the first
                check_in = CheckIn.objects.create(
                    meeting=meeting,
                    name=name,
                    phone=phone or None,
                    head_count=head_count,
                    source=source,
                    created_at=now,
                )
        except IntegrityError:
            check_in = CheckIn.objects.get(meeting=meeting, phone_index=blind_index(phone, purpose="phone"))
            created = False
    total = checked_in_count(meeting)
    record_event(
        acting_user=acting_user if source == CheckIn.Source.STAFF else None,
        event_type="meeting_check_in" if created else "meeting_check_in_repeated",
        obj=check_in,
        unit=meeting.organiser,
        details={"meeting_id": meeting.pk, "source": source, "head_count": head_count, "named": bool(name)},
        now=now,
    )
    return CheckInOutcome(check_in, created, total)
