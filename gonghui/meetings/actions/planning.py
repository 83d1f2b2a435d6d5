"""Meetings planned, edited, held or cancelled."""

import datetime
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.cards.models import BankBranch
from gonghui.core.audit import record_event
from gonghui.core.errors import Forbidden, InvalidInput
from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.enterprises.queries import enterprises_in_scope
from gonghui.meetings.actions.errors import (
    MAX_SERIES,
    OPEN_STATUSES,
    RANK_MANAGE_MEETINGS,
    CardBranchNotActive,
    EnterpriseMeetingNeedsEnterprise,
    MeetingNotEditable,
    MeetingNotPlanned,
    MeetingPlaceRequired,
    MeetingTimes,
    NotInSeries,
    SeriesLength,
)
from gonghui.meetings.models import Cadence, Meeting, MeetingKind, MeetingSeries, PlaceKind, Questionnaire
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import rank_at


@dataclass
class MeetingData:
    """What a person fills in for a meeting; the same for console and API."""

    kind: str
    title: str
    organiser: OrgUnit
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place_kind: str
    enterprise: Enterprise | None = None
    worksite: Worksite | None = None
    address: str = ""
    cadence: str = Cadence.ONE_OFF
    partner_units: str = ""
    target_enterprises: list[Enterprise] = field(default_factory=list)
    questionnaire: Questionnaire | None = None
    card_branch: BankBranch | None = None


EDITABLE_FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "place_kind",
    "enterprise",
    "worksite",
    "address",
    "cadence",
    "partner_units",
    "questionnaire",
    "card_branch",
)


def _require_manager(acting_user: Any, unit: OrgUnit) -> None:
    if rank_at(acting_user, unit) < RANK_MANAGE_MEETINGS:
        raise Forbidden()


def _clean_meeting(acting_user: Any, data: MeetingData) -> MeetingData:
    _require_manager(acting_user, data.organiser)
    data.title = " ".join(data.title.split())[:200]
    if not data.title:
        raise InvalidInput(_("Give the meeting a title."), field="title")
    if data.kind not in MeetingKind.values:
        raise InvalidInput(field="kind")
    if data.cadence not in Cadence.values:
        raise InvalidInput(field="cadence")
    if data.place_kind not in PlaceKind.values:
        raise InvalidInput(field="place_kind")
    if not (data.starts_at < data.ends_at <= data.starts_at + datetime.timedelta(hours=24)):
        raise MeetingTimes(field="ends_at")
    data.address = " ".join(data.address.split())[:300]
    # Keep only the place that was chosen, so a stale enterprise never rides along with an address.
    if data.place_kind != PlaceKind.ENTERPRISE:
        data.enterprise = None if data.kind == MeetingKind.WORKER else data.enterprise
    if data.place_kind != PlaceKind.WORKSITE:
        data.worksite = None
    if (
        (data.place_kind == PlaceKind.ENTERPRISE and data.enterprise is None)
        or (data.place_kind == PlaceKind.WORKSITE and data.worksite is None)
        or (data.place_kind == PlaceKind.ADDRESS and not data.address)
    ):
        raise MeetingPlaceRequired(field="place_kind")
    if data.kind == MeetingKind.ENTERPRISE and data.enterprise is None:
        raise EnterpriseMeetingNeedsEnterprise(field="enterprise")
    visible = enterprises_in_scope(acting_user)
    wanted = {e.pk for e in data.target_enterprises} | ({data.enterprise.pk} if data.enterprise else set())
    if wanted and visible.filter(pk__in=wanted).count() != len(wanted):
        raise InvalidInput(_("Choose enterprises in your area."), field="target_enterprises")
    if data.worksite is not None and rank_at(acting_user, data.worksite.managing_unit) == 0:
        raise InvalidInput(_("Choose a worksite in your area."), field="worksite")
    if data.questionnaire is not None and not (
        data.organiser.is_within(data.questionnaire.owner)
        or rank_at(acting_user, data.questionnaire.owner) > 0
    ):
        raise InvalidInput(_("Choose a questionnaire your union may use."), field="questionnaire")
    # Any active branch may be named, also one serving another district: branches are the bank's, not a
    # union's records, and an officer may route an application to any active branch by hand as well.
    if (
        data.card_branch is not None
        and not BankBranch.objects.filter(pk=data.card_branch.pk, is_active=True).exists()
    ):
        raise CardBranchNotActive(field="card_branch")
    data.partner_units = "\n".join(
        " ".join(line.split())[:100] for line in data.partner_units.splitlines() if line.strip()
    )[:2000]
    return data


def _targets(data: MeetingData) -> list[Enterprise]:
    targets = {e.pk: e for e in data.target_enterprises}
    if data.enterprise is not None:
        # The enterprise met is always among the targets: the funnel counts enterprises met from there.
        targets[data.enterprise.pk] = data.enterprise
    return list(targets.values())


def new_public_token() -> str:
    return secrets.token_urlsafe(12)


def _create_meeting(
    acting_user: Any, data: MeetingData, now: datetime.datetime, series: MeetingSeries | None
) -> Meeting:
    meeting = Meeting.objects.create(
        organiser=data.organiser,
        series=series,
        public_token=new_public_token(),
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        created_at=now,
        updated_at=now,
        **{name: getattr(data, name) for name in EDITABLE_FIELDS},
    )
    meeting.target_enterprises.set(_targets(data))
    return meeting


@transaction.atomic(durable=True)
def do_plan_meeting(*, acting_user: Any, data: MeetingData, now: datetime.datetime | None = None) -> Meeting:
    now = now or timezone.now()
    data = _clean_meeting(acting_user, data)
    meeting = _create_meeting(acting_user, data, now, None)
    record_event(
        acting_user=acting_user,
        event_type="meeting_planned",
        obj=meeting,
        unit=meeting.organiser,
        changed_fields=[*EDITABLE_FIELDS, "target_enterprises"],
        details={"kind": meeting.kind, "starts_at": meeting.starts_at.isoformat()},
        now=now,
    )
    return meeting


@transaction.atomic(durable=True)
def do_plan_meeting_series(
    *, acting_user: Any, data: MeetingData, count: int, now: datetime.datetime | None = None
) -> MeetingSeries:
    """`count` weekly meetings from data.starts_at, same weekday and time (the street's weekly
    职工沟通会). Each occurrence is a meeting of its own from then on."""
    now = now or timezone.now()
    if not 2 <= count <= MAX_SERIES:
        raise SeriesLength(field="count", max=MAX_SERIES)
    data.cadence = Cadence.WEEKLY
    data = _clean_meeting(acting_user, data)
    series = MeetingSeries.objects.create(
        organiser=data.organiser,
        title=data.title,
        kind=data.kind,
        cadence=Cadence.WEEKLY,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        created_at=now,
    )
    first_start, first_end = data.starts_at, data.ends_at
    for week in range(count):
        data.starts_at = first_start + datetime.timedelta(weeks=week)
        data.ends_at = first_end + datetime.timedelta(weeks=week)
        _create_meeting(acting_user, data, now, series)
    record_event(
        acting_user=acting_user,
        event_type="meeting_series_planned",
        obj=series,
        unit=series.organiser,
        details={"count": count, "first_starts_at": first_start.isoformat()},
        now=now,
    )
    return series


def _set_times_keeping_date(meeting: Meeting, data: MeetingData) -> None:
    """For the rest of a series: each meeting keeps its own date and takes the new time of day."""
    tz = timezone.get_current_timezone()
    local_day = timezone.localtime(meeting.starts_at, tz).date()
    start_local = timezone.localtime(data.starts_at, tz)
    duration = data.ends_at - data.starts_at
    meeting.starts_at = datetime.datetime.combine(local_day, start_local.time(), tzinfo=tz)
    meeting.ends_at = meeting.starts_at + duration


@transaction.atomic(durable=True)
def do_update_meeting(
    *,
    acting_user: Any,
    meeting: Meeting,
    data: MeetingData,
    rest_of_series: bool = False,
    now: datetime.datetime | None = None,
) -> Meeting:
    """Edit one meeting, or (rest_of_series) this one and every later *planned* meeting of its series:
    these take the new title, place, partners, questionnaire, card branch and time of day, and keep their dates.
    Held and closed meetings of the series are history and stay as they were."""
    now = now or timezone.now()
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("organiser").get(pk=meeting.pk)
    _require_manager(acting_user, meeting.organiser)
    if meeting.status not in OPEN_STATUSES:
        raise MeetingNotEditable()
    if rest_of_series and meeting.series_id is None:
        raise NotInSeries(field="rest_of_series")
    if data.organiser.pk != meeting.organiser_id:
        # Moving a meeting to another organiser would move its records out of one area into another.
        raise InvalidInput(_("The organising union of a meeting cannot be changed."), field="organiser")
    data = _clean_meeting(acting_user, data)
    changed = [name for name in EDITABLE_FIELDS if getattr(meeting, name) != getattr(data, name)]
    targets = _targets(data)
    meetings = [meeting]
    if rest_of_series:
        meetings += list(
            Meeting.objects.select_for_update()
            .filter(
                series_id=meeting.series_id, status=Meeting.Status.PLANNED, starts_at__gt=meeting.starts_at
            )
            .order_by("starts_at")
        )
    for index, item in enumerate(meetings):
        for name in EDITABLE_FIELDS:
            if name in ("starts_at", "ends_at"):
                continue
            setattr(item, name, getattr(data, name))
        if index == 0:
            item.starts_at, item.ends_at = data.starts_at, data.ends_at
        else:
            _set_times_keeping_date(item, data)
        item.updated_at = now
        item.save()
        item.target_enterprises.set(targets)
    record_event(
        acting_user=acting_user,
        event_type="meeting_updated",
        obj=meeting,
        unit=meeting.organiser,
        changed_fields=changed,
        details={"meetings_changed": len(meetings), "rest_of_series": rest_of_series},
        now=now,
    )
    return meeting


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("organiser").get(pk=meeting.pk)


@transaction.atomic(durable=True)
def do_hold_meeting(*, acting_user: Any, meeting: Meeting, now: datetime.datetime | None = None) -> Meeting:
    now = now or timezone.now()
    meeting = _lock(meeting)
    _require_manager(acting_user, meeting.organiser)
    if meeting.status != Meeting.Status.PLANNED:
        raise MeetingNotPlanned()
    meeting.status = Meeting.Status.HELD
    meeting.held_at = now
    meeting.updated_at = now
    meeting.save(update_fields=["status", "held_at", "updated_at"])
    record_event(
        acting_user=acting_user,
        event_type="meeting_held",
        obj=meeting,
        unit=meeting.organiser,
        changed_fields=["status", "held_at"],
        now=now,
    )
    return meeting


@transaction.atomic(durable=True)
def do_cancel_meeting(*, acting_user: Any, meeting: Meeting, now: datetime.datetime | None = None) -> Meeting:
    now = now or timezone.now()
    meeting = _lock(meeting)
    _require_manager(acting_user, meeting.organiser)
    if meeting.status != Meeting.Status.PLANNED:
        raise MeetingNotPlanned()
    meeting.status = Meeting.Status.CANCELLED
    meeting.host_token_digest = None
    meeting.updated_at = now
    meeting.save(update_fields=["status", "host_token_digest", "updated_at"])
    record_event(
        acting_user=acting_user,
        event_type="meeting_cancelled",
        obj=meeting,
        unit=meeting.organiser,
        changed_fields=["status"],
        now=now,
    )
    return meeting
