"""Writes for the 朋友圈: committees, member units and their staff, work types and deadline classes, and a
need's life (post → claim / co-claim / send back → schedule a service event → record people served →
close → the requester confirms or reopens). Each function: one durable transaction, one audit event.
Every event of a need's life is recorded on the need, so its timeline is one query."""

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.models import User
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from gonghui.core.phones import normalise_phone
from gonghui.core.pii import blind_index
from gonghui.core.sms import send_sms_on_commit
from gonghui.core.text import TextKind, clean_text
from gonghui.core.uploads import PHOTO, check_upload
from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.meetings.models import FollowUp, Meeting, Response
from gonghui.needs.models import (
    Claim,
    Committee,
    DeadlineClass,
    Need,
    NeedSource,
    PartnerStaff,
    PartnerUnit,
    Sector,
    Served,
    ServiceEvent,
    ServicePhoto,
    WorkType,
)
from gonghui.orgs.models import ROLE_RANK, OrgUnit, Role, RoleAssignment
from gonghui.orgs.scope import held_roles, rank_at

# Street officers and up run a committee and post its needs; a city officer sets the deadline policy.
RANK_MANAGE_NEEDS = ROLE_RANK[Role.STREET_OFFICER]
RANK_SET_POLICY = ROLE_RANK[Role.CITY_ADMIN]
MAX_PEOPLE = 100_000
MAX_HEAD_COUNT = 5000
# Statuses in which a need can still be claimed, scheduled and served.
WORKING_STATUSES = (Need.Status.OPEN, Need.Status.CLAIMED, Need.Status.SCHEDULED)


class CommitteeUnionKind(InvalidInput):
    code = "needs_committee_union_kind"
    default_message = _("A coordination committee is held by a street or district union.")


class DeadlineClassUnknown(InvalidInput):
    code = "needs_deadline_class_unknown"
    default_message = _("Choose one of the urgency classes in the list.")


class WorkTypeUnknown(InvalidInput):
    code = "needs_work_type_unknown"
    default_message = _("Choose one of the work types in the list.")


class PlaceRequired(InvalidInput):
    code = "needs_place_required"
    default_message = _("Say where the need is: a worksite or an enterprise.")


class PlaceOutsideUnion(InvalidInput):
    code = "needs_place_outside_union"
    default_message = _("The worksite or enterprise is not in the area of the committee's union.")


class PeopleCountInvalid(InvalidInput):
    code = "needs_people_count"
    default_message = _("The number of people is a whole number from 1 to %(max)d.")


class NeedClosed(Conflict):
    code = "needs_need_closed"
    default_message = _("This need is already delivered or closed; it can no longer be claimed or changed.")


class AlreadyClaimed(Conflict):
    code = "needs_already_claimed"
    default_message = _("Your unit has already claimed this need.")


class NotClaimedByYou(Conflict):
    code = "needs_not_claimed_by_you"
    default_message = _("Your unit has not claimed this need: claim it first.")


class ReasonRequired(InvalidInput):
    code = "needs_reason_required"
    default_message = _("Give the reason.")


class ClaimWorkTypesInvalid(InvalidInput):
    code = "needs_claim_work_types"
    default_message = _("Choose at least one work type your unit offers.")


class ClosureUnknown(InvalidInput):
    code = "needs_closure_unknown"
    default_message = _("Choose how the need is closed: resolved, closed unresolved or not ours.")


class HeadCountInvalid(InvalidInput):
    code = "needs_head_count"
    default_message = _("The number of people served is a whole number from 1 to %(max)d.")


class NotTheRequester(Forbidden):
    code = "needs_not_the_requester"
    default_message = _("Only the person who raised the need can confirm or reopen it.")


class NeedNotClosed(Conflict):
    code = "needs_need_not_closed"
    default_message = _("The need is not closed yet: it can be confirmed or reopened once it is closed.")


class AlreadyConfirmed(Conflict):
    code = "needs_already_confirmed"
    default_message = _("The requester has already confirmed this need.")


class SatisfactionInvalid(InvalidInput):
    code = "needs_satisfaction"
    default_message = _("The satisfaction score is a whole number from 1 to 5.")


class ServiceTimeInvalid(InvalidInput):
    code = "needs_service_time"
    default_message = _("Give the date and time of the service, with its time zone.")


class NameTaken(Conflict):
    code = "needs_name_taken"
    default_message = _("That name is already used here.")


class UsernameTaken(Conflict):
    code = "needs_username_taken"
    default_message = _("The login name is already taken.")


class WeakPassword(InvalidInput):
    code = "needs_weak_password"
    default_message = _("The password is too weak: %(reasons)s")


def _require_officer(user: Any, unit: OrgUnit, *, rank: int = RANK_MANAGE_NEEDS) -> None:
    if rank_at(user, unit) < rank:
        raise Forbidden()


def partner_link(user: Any) -> PartnerStaff | None:
    """The member unit a login works for, if it still holds the member-unit role; else None."""
    if user is None or not user.is_authenticated:
        return None
    if not any(r.role == Role.COMMITTEE_UNIT for r in held_roles(user)):
        return None
    link = PartnerStaff.objects.filter(user=user, unit__is_active=True).select_related("unit").first()
    return link


def _acting_partner(user: Any, need: Need) -> PartnerUnit:
    link = partner_link(user)
    # Not a member of the need's committee: the need does not exist for this unit.
    if link is None or not link.unit.committees.filter(pk=need.committee_id).exists():
        raise NotFound()
    return link.unit


def _lock(need: Need) -> Need:
    return Need.objects.select_for_update().select_related("committee__union").get(pk=need.pk)


def _text(value: str, kind: TextKind, field: str, max_length: int) -> str:
    text = clean_text(value or "", kind, field=field)
    if len(text) > max_length:
        raise InvalidInput(_("At most %(max)d characters."), field=field, max=max_length)
    return text


def _need_event(
    acting_user: Any, event_type: str, need: Need, now: datetime.datetime, **details: Any
) -> None:
    record_event(
        acting_user=acting_user,
        event_type=event_type,
        obj=need,
        unit=need.committee.union,
        details={"status": need.status, **details},
        now=now,
    )


# ---- committees, member units, staff, policy ---------------------------------------------------------


@transaction.atomic(durable=True)
def do_create_committee(
    *,
    acting_user: Any,
    union: OrgUnit,
    name: str,
    sector: str,
    founded_date: datetime.date,
    now: datetime.datetime | None = None,
) -> Committee:
    now = now or timezone.now()
    _require_officer(acting_user, union)
    if union.kind not in (OrgUnit.Kind.STREET, OrgUnit.Kind.DISTRICT):
        raise CommitteeUnionKind(field="union")
    if sector not in Sector.values:
        raise InvalidInput(field="sector")
    name = _text(name, TextKind.NAME, "name", 200)
    if not name:
        raise InvalidInput(_("The name is required."), field="name")
    if Committee.objects.filter(union=union, name=name).exists():
        raise NameTaken(field="name")
    committee = Committee.objects.create(
        union=union,
        name=name,
        sector=sector,
        founded_date=founded_date,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        created_at=now,
    )
    record_event(
        acting_user=acting_user,
        event_type="needs_committee_created",
        obj=committee,
        unit=union,
        changed_fields=["name", "sector", "founded_date"],
        now=now,
    )
    return committee


@dataclass
class PartnerUnitData:
    name: str
    kind: str
    work_types: list[WorkType]
    contact_name: str = ""
    contact_phone: str = ""
    covers: str = ""


@transaction.atomic(durable=True)
def do_add_partner_unit(
    *, acting_user: Any, committee: Committee, data: PartnerUnitData, now: datetime.datetime | None = None
) -> PartnerUnit:
    """Register a member unit of the committee (or add an already registered unit of the same union)."""
    now = now or timezone.now()
    _require_officer(acting_user, committee.union)
    if data.kind not in PartnerUnit.Kind.values:
        raise InvalidInput(field="kind")
    name = _text(data.name, TextKind.NAME, "name", 200)
    if not name:
        raise InvalidInput(_("The name is required."), field="name")
    phone = normalise_phone(data.contact_phone, field="contact_phone") if data.contact_phone.strip() else ""
    if any(not w.is_active for w in data.work_types):
        raise WorkTypeUnknown(field="work_types")
    unit = PartnerUnit.objects.filter(union=committee.union, name=name).first()
    created = unit is None
    if unit is None:
        unit = PartnerUnit.objects.create(
            name=name,
            kind=data.kind,
            union=committee.union,
            contact_name=_text(data.contact_name, TextKind.NAME, "contact_name", 50),
            contact_phone=phone,
            covers=_text(data.covers, TextKind.ADDRESS, "covers", 300),
            created_at=now,
        )
        unit.work_types.set(data.work_types)
    elif unit.committees.filter(pk=committee.pk).exists():
        raise NameTaken(field="name")
    unit.committees.add(committee)
    record_event(
        acting_user=acting_user,
        event_type="needs_partner_unit_added",
        obj=unit,
        unit=committee.union,
        changed_fields=["name", "kind", "work_types", "contact_name", "contact_phone", "covers"]
        if created
        else [],
        details={"committee_id": committee.pk, "created": created},
        now=now,
    )
    return unit


@transaction.atomic(durable=True)
def do_add_partner_staff(
    *,
    acting_user: Any,
    unit: PartnerUnit,
    username: str,
    display_name: str,
    password: str,
    is_unit_admin: bool = False,
    now: datetime.datetime | None = None,
) -> User:
    """A login for a member unit's staff: the COMMITTEE_UNIT role at the unit's union, and the tie to the
    unit that routes what it sees. Officers add the first; the unit's own admin adds colleagues. The
    handed-over password must be changed at first sign-in."""
    now = now or timezone.now()
    link = partner_link(acting_user)
    acting_admin = link is not None and link.unit_id == unit.pk and link.is_unit_admin
    if not acting_admin:
        _require_officer(acting_user, unit.union)
    username = _text(username, TextKind.LABEL, "username", 150)
    if not username:
        raise InvalidInput(_("The login name is required."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(field="username")
    user = User(
        username=username,
        display_name=_text(display_name, TextKind.NAME, "display_name", 100),
        date_joined=now,
        password_change_required=True,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise WeakPassword(field="password", reasons=" ".join(exc.messages)) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise UsernameTaken(field="username") from None
    RoleAssignment.objects.create(
        user=user,
        unit=unit.union,
        role=Role.COMMITTEE_UNIT,
        granted_by=acting_user if getattr(acting_user, "pk", None) else None,
        granted_at=now,
    )
    PartnerStaff.objects.create(user=user, unit=unit, is_unit_admin=is_unit_admin, created_at=now)
    record_event(
        acting_user=acting_user,
        event_type="needs_partner_staff_added",
        obj=user,
        unit=unit.union,
        acting_unit=unit.union if acting_admin else None,
        changed_fields=["username", "display_name", "password", "role"],
        details={"partner_unit_id": unit.pk, "is_unit_admin": is_unit_admin},
        now=now,
    )
    return user


@transaction.atomic(durable=True)
def do_add_work_type(
    *, acting_user: Any, union: OrgUnit, name: str, now: datetime.datetime | None = None
) -> WorkType:
    """Officers extend the list of work types (it is shared: a bank's 反诈 is the same everywhere)."""
    now = now or timezone.now()
    _require_officer(acting_user, union)
    name = _text(name, TextKind.LABEL, "name", 50)
    if not name:
        raise InvalidInput(_("The name is required."), field="name")
    if WorkType.objects.filter(name=name).exists():
        raise NameTaken(field="name")
    work_type = WorkType.objects.create(
        code=f"custom-{secrets.token_hex(6)}", name=name, position=1000, created_at=now
    )
    record_event(
        acting_user=acting_user, event_type="needs_work_type_added", obj=work_type, unit=union, now=now
    )
    return work_type


@transaction.atomic(durable=True)
def do_set_deadline_hours(
    *,
    acting_user: Any,
    deadline_class: DeadlineClass,
    hours: int,
    city: OrgUnit,
    now: datetime.datetime | None = None,
) -> DeadlineClass:
    """The deadline policy is the city's: only a city officer changes how long a class allows. Needs
    already posted keep the deadline they were given."""
    now = now or timezone.now()
    _require_officer(acting_user, city, rank=RANK_SET_POLICY)
    if not isinstance(hours, int) or not 1 <= hours <= 24 * 90:
        raise InvalidInput(_("The hours are a whole number from 1 to 2160."), field="hours")
    before = deadline_class.hours
    deadline_class.hours = hours
    deadline_class.save(update_fields=["hours"])
    record_event(
        acting_user=acting_user,
        event_type="needs_deadline_changed",
        obj=deadline_class,
        unit=city,
        changed_fields=["hours"],
        details={"before": before, "after": hours},
        now=now,
    )
    return deadline_class


# ---- a need's life ---------------------------------------------------------------------------------


@dataclass
class NeedData:
    committee: Committee
    work_type: WorkType
    deadline_class: DeadlineClass
    title: str
    description: str = ""
    people_count: int = 1
    worksite: Worksite | None = None
    enterprise: Enterprise | None = None
    # Raised at a meeting: the meeting, and the questionnaire answer or follow-up it came from.
    meeting: Meeting | None = None
    response: Response | None = None
    follow_up: FollowUp | None = None
    meeting_choice: str = ""


class NotFromThisMeeting(InvalidInput):
    code = "needs_not_from_this_meeting"
    default_message = _("The answer or follow-up does not belong to this meeting.")


def _source_for(data: NeedData, source: str) -> str:
    """A need that links back to a meeting says how it came: from an answer or from a follow-up."""
    if data.response is not None or data.follow_up is not None:
        if data.meeting is None or any(
            link is not None and link.meeting_id != data.meeting.pk
            for link in (data.response, data.follow_up)
        ):
            raise NotFromThisMeeting(field="meeting")
        return NeedSource.MEETING_FOLLOW_UP if data.follow_up is not None else NeedSource.MEETING_ANSWER
    if data.meeting is not None:
        return NeedSource.MEETING_ANSWER
    return source


def _check_place(data: NeedData) -> None:
    union = data.committee.union
    if data.worksite is None and data.enterprise is None:
        raise PlaceRequired(field="worksite")
    if data.worksite is not None and not data.worksite.managing_unit.path.startswith(union.path):
        raise PlaceOutsideUnion(field="worksite")
    if data.enterprise is not None and (
        data.enterprise.managing_unit is None or not data.enterprise.managing_unit.path.startswith(union.path)
    ):
        raise PlaceOutsideUnion(field="enterprise")


def _announce(need: Need) -> None:
    """SMS to every active member unit of the committee with a duty phone, after commit."""
    phones = (
        PartnerUnit.objects.filter(committees=need.committee, is_active=True)
        .exclude(contact_phone="")
        .values_list("contact_phone", flat=True)
    )
    text = str(
        _("[gonghui] %(committee)s posted a need: %(title)s (%(place)s). Open gonghui to claim it.")
        % {"committee": need.committee.name, "title": need.title, "place": need.place_name}
    )
    for phone in sorted(set(phones)):
        send_sms_on_commit(phone=phone, text=text)


@transaction.atomic(durable=True)
def do_post_need(
    *,
    acting_user: Any,
    data: NeedData,
    source: str = NeedSource.OFFICER,
    now: datetime.datetime | None = None,
) -> Need:
    """Post a need to the committee's 朋友圈; its member units are told by SMS after commit."""
    now = now or timezone.now()
    _require_officer(acting_user, data.committee.union)
    if source not in (NeedSource.OFFICER, NeedSource.API):
        raise InvalidInput(field="source")
    source = _source_for(data, source)
    if not data.deadline_class.is_active:
        raise DeadlineClassUnknown(field="deadline_class")
    if not data.work_type.is_active:
        raise WorkTypeUnknown(field="work_type")
    _check_place(data)
    if not isinstance(data.people_count, int) or not 1 <= data.people_count <= MAX_PEOPLE:
        raise PeopleCountInvalid(field="people_count", max=MAX_PEOPLE)
    title = _text(data.title, TextKind.LABEL, "title", 100)
    if not title:
        raise InvalidInput(_("The title is required."), field="title")
    need = Need.objects.create(
        committee=data.committee,
        worksite=data.worksite,
        enterprise=data.enterprise,
        work_type=data.work_type,
        title=title,
        description=_text(data.description, TextKind.FREE_TEXT, "description", 2000),
        people_count=data.people_count,
        deadline_class=data.deadline_class,
        due_at=now + datetime.timedelta(hours=data.deadline_class.hours),
        source=source,
        raised_by=acting_user if getattr(acting_user, "pk", None) else None,
        meeting=data.meeting,
        response=data.response,
        follow_up=data.follow_up,
        meeting_choice=_text(data.meeting_choice, TextKind.LABEL, "meeting_choice", 100)
        if data.meeting
        else "",
        posted_at=now,
        updated_at=now,
    )
    need.committee = data.committee
    _announce(need)
    _need_event(
        acting_user,
        "need_posted",
        need,
        now,
        work_type=data.work_type.code,
        deadline_class=data.deadline_class.code,
        people_count=data.people_count,
        meeting_id=data.meeting.pk if data.meeting else None,
    )
    return need


@transaction.atomic(durable=True)
def do_claim_need(
    *, acting_user: Any, need: Need, work_types: list[WorkType], now: datetime.datetime | None = None
) -> Claim:
    """The acting user's unit takes the need on, for the work types it names (co-claims are welcome)."""
    now = now or timezone.now()
    need = _lock(need)
    unit = _acting_partner(acting_user, need)
    if need.status not in WORKING_STATUSES:
        raise NeedClosed()
    offered = set(unit.work_types.values_list("pk", flat=True))
    if not work_types or any(w.pk not in offered for w in work_types):
        raise ClaimWorkTypesInvalid(field="work_types")
    if need.claims.filter(unit=unit, status=Claim.Status.ACTIVE).exists():
        raise AlreadyClaimed()
    claim = Claim.objects.create(need=need, unit=unit, claimed_by=acting_user, claimed_at=now)
    claim.work_types.set(work_types)
    if need.status == Need.Status.OPEN:
        need.status = Need.Status.CLAIMED
    need.first_claimed_at = need.first_claimed_at or now
    need.updated_at = now
    need.save(update_fields=["status", "first_claimed_at", "updated_at"])
    _need_event(
        acting_user,
        "need_claimed",
        need,
        now,
        claim_id=claim.pk,
        partner_unit_id=unit.pk,
        work_types=sorted(w.code for w in work_types),
    )
    return claim


@transaction.atomic(durable=True)
def do_send_back_need(
    *, acting_user: Any, need: Need, reason: str, now: datetime.datetime | None = None
) -> Claim:
    """The unit gives the need back with its reason; with no other unit on it, it returns to the board."""
    now = now or timezone.now()
    need = _lock(need)
    unit = _acting_partner(acting_user, need)
    if need.status not in WORKING_STATUSES:
        raise NeedClosed()
    claim = need.claims.filter(unit=unit, status=Claim.Status.ACTIVE).first()
    if claim is None:
        raise NotClaimedByYou()
    reason = _text(reason, TextKind.LABEL, "reason", 300)
    if not reason:
        raise ReasonRequired(field="reason")
    claim.status = Claim.Status.SENT_BACK
    claim.reason = reason
    claim.ended_at = now
    claim.save(update_fields=["status", "reason", "ended_at"])
    if not need.claims.filter(status=Claim.Status.ACTIVE).exists():
        # Nobody is on it any more: back to the board (a scheduled event without a unit is void).
        need.status = Need.Status.OPEN
        need.scheduled_at = None
    need.updated_at = now
    need.save(update_fields=["status", "scheduled_at", "updated_at"])
    _need_event(
        acting_user, "need_sent_back", need, now, claim_id=claim.pk, partner_unit_id=unit.pk, reason=reason
    )
    return claim


@transaction.atomic(durable=True)
def do_schedule_service(
    *,
    acting_user: Any,
    need: Need,
    starts_at: datetime.datetime,
    place: str,
    brought: str = "",
    now: datetime.datetime | None = None,
) -> ServiceEvent:
    """A claim becomes a service event; every unit on the need is a provider of it."""
    now = now or timezone.now()
    need = _lock(need)
    unit = _acting_partner(acting_user, need)
    if need.status not in (Need.Status.CLAIMED, Need.Status.SCHEDULED):
        raise NeedClosed() if need.status not in WORKING_STATUSES else NotClaimedByYou()
    if not need.claims.filter(unit=unit, status=Claim.Status.ACTIVE).exists():
        raise NotClaimedByYou()
    if not isinstance(starts_at, datetime.datetime) or timezone.is_naive(starts_at):
        raise ServiceTimeInvalid(field="starts_at")
    place = _text(place, TextKind.ADDRESS, "place", 300) or need.place_name
    event = ServiceEvent.objects.create(
        need=need,
        starts_at=starts_at,
        place=place,
        brought=_text(brought, TextKind.LABEL, "brought", 300),
        public_token=secrets.token_urlsafe(24),
        created_by=acting_user,
        created_at=now,
    )
    event.providers.set(PartnerUnit.objects.filter(claims__need=need, claims__status=Claim.Status.ACTIVE))
    need.status = Need.Status.SCHEDULED
    need.scheduled_at = need.scheduled_at or now
    need.updated_at = now
    need.save(update_fields=["status", "scheduled_at", "updated_at"])
    _need_event(
        acting_user,
        "need_scheduled",
        need,
        now,
        service_event_id=event.pk,
        partner_unit_id=unit.pk,
        starts_at=starts_at.isoformat(),
    )
    return event


@transaction.atomic(durable=True)
def do_record_served(
    *, acting_user: Any, event: ServiceEvent, head_count: int, now: datetime.datetime | None = None
) -> Served:
    """The head count a providing unit recorded at the event; the first record marks the need delivered."""
    now = now or timezone.now()
    need = _lock(event.need)
    unit = _acting_partner(acting_user, need)
    if not event.providers.filter(pk=unit.pk).exists():
        raise NotClaimedByYou()
    if need.status == Need.Status.CLOSED:
        raise NeedClosed()
    if (
        not isinstance(head_count, int)
        or isinstance(head_count, bool)
        or not 1 <= head_count <= MAX_HEAD_COUNT
    ):
        raise HeadCountInvalid(field="head_count", max=MAX_HEAD_COUNT)
    served = Served.objects.create(
        event=event, head_count=head_count, source=Served.Source.UNIT, recorded_by=acting_user, created_at=now
    )
    if event.delivered_at is None:
        ServiceEvent.objects.filter(pk=event.pk).update(delivered_at=now)
        event.delivered_at = now
    if need.status != Need.Status.DELIVERED:
        need.status = Need.Status.DELIVERED
        need.delivered_at = need.delivered_at or now
    need.updated_at = now
    need.save(update_fields=["status", "delivered_at", "updated_at"])
    _need_event(
        acting_user,
        "need_served_recorded",
        need,
        now,
        service_event_id=event.pk,
        partner_unit_id=unit.pk,
        head_count=head_count,
    )
    return served


def _closer(acting_user: Any, need: Need) -> PartnerUnit | None:
    """A unit on the need, or an officer of the committee's union, may close it (None: the officer)."""
    if rank_at(acting_user, need.committee.union) >= RANK_MANAGE_NEEDS:
        return None
    unit = _acting_partner(acting_user, need)
    if not need.claims.filter(unit=unit, status=Claim.Status.ACTIVE).exists():
        raise NotClaimedByYou()
    return unit


@transaction.atomic(durable=True)
def do_close_need(
    *, acting_user: Any, need: Need, closure: str, reason: str = "", now: datetime.datetime | None = None
) -> Need:
    """Resolved, closed unresolved (with its reason) or not ours (with its reason). The requester then
    confirms or reopens."""
    now = now or timezone.now()
    need = _lock(need)
    unit = _closer(acting_user, need)
    if need.status == Need.Status.CLOSED:
        raise NeedClosed()
    if closure not in Need.Closure.values:
        raise ClosureUnknown(field="closure")
    reason = _text(reason, TextKind.LABEL, "reason", 300)
    if closure != Need.Closure.RESOLVED and not reason:
        raise ReasonRequired(field="reason")
    need.status = Need.Status.CLOSED
    need.closure = closure
    need.closure_reason = reason
    need.closed_at = now
    need.updated_at = now
    # A question left unanswered ends with the need.
    need.waiting_since = None
    need.waiting_question = ""
    need.save(
        update_fields=[
            "status",
            "closure",
            "closure_reason",
            "closed_at",
            "updated_at",
            "waiting_since",
            "waiting_question",
        ]
    )
    _need_event(
        acting_user,
        "need_closed",
        need,
        now,
        closure=closure,
        reason=reason,
        partner_unit_id=unit.pk if unit else None,
    )
    return need


def _require_requester(acting_user: Any, need: Need) -> None:
    if need.raised_by_id is None or acting_user is None or need.raised_by_id != acting_user.pk:
        raise NotTheRequester()


@transaction.atomic(durable=True)
def do_confirm_need(
    *, acting_user: Any, need: Need, satisfaction: int, now: datetime.datetime | None = None
) -> Need:
    """The requester accepts the closure and scores it; only this score counts toward satisfaction."""
    now = now or timezone.now()
    need = _lock(need)
    _require_requester(acting_user, need)
    if need.status != Need.Status.CLOSED:
        raise NeedNotClosed()
    if need.confirmed_at is not None:
        raise AlreadyConfirmed()
    if not isinstance(satisfaction, int) or isinstance(satisfaction, bool) or not 1 <= satisfaction <= 5:
        raise SatisfactionInvalid(field="satisfaction")
    need.confirmed_at = now
    need.satisfaction = satisfaction
    need.updated_at = now
    need.save(update_fields=["confirmed_at", "satisfaction", "updated_at"])
    _need_event(acting_user, "need_confirmed", need, now, satisfaction=satisfaction)
    return need


@transaction.atomic(durable=True)
def do_reopen_need(
    *, acting_user: Any, need: Need, reason: str, now: datetime.datetime | None = None
) -> Need:
    """The requester says it was not done: the need goes back to the units on it, or to the board."""
    now = now or timezone.now()
    need = _lock(need)
    _require_requester(acting_user, need)
    if need.status != Need.Status.CLOSED:
        raise NeedNotClosed()
    if need.confirmed_at is not None:
        raise AlreadyConfirmed()
    reason = _text(reason, TextKind.LABEL, "reason", 300)
    if not reason:
        raise ReasonRequired(field="reason")
    previous = need.closure
    has_claim = need.claims.filter(status=Claim.Status.ACTIVE).exists()
    if has_claim and need.events.exists():
        need.status = Need.Status.SCHEDULED
    elif has_claim:
        need.status = Need.Status.CLAIMED
    else:
        need.status = Need.Status.OPEN
    need.closure = ""
    need.closure_reason = ""
    need.closed_at = None
    need.delivered_at = None
    need.reopen_count += 1
    need.updated_at = now
    need.save(
        update_fields=[
            "status",
            "closure",
            "closure_reason",
            "closed_at",
            "delivered_at",
            "reopen_count",
            "updated_at",
        ]
    )
    _need_event(acting_user, "need_reopened", need, now, reason=reason, previous_closure=previous)
    return need


# ---- waiting on the requester (the SLA clock stops) and claims left unscheduled ----------------------


class AlreadyWaiting(Conflict):
    code = "needs_already_waiting"
    default_message = _("A question to the requester is already waiting for an answer.")


class NotWaiting(Conflict):
    code = "needs_not_waiting"
    default_message = _("No question is waiting for the requester's answer.")


def _tell_requester(need: Need, text: str) -> None:
    phone = getattr(need.raised_by, "phone", None) if need.raised_by_id else None
    if phone:
        send_sms_on_commit(phone=phone, text=text)


@transaction.atomic(durable=True)
def do_ask_requester(
    *, acting_user: Any, need: Need, question: str, now: datetime.datetime | None = None
) -> Need:
    """A unit on the need asks the requester something it needs to go on (the exact spot, how many, when
    the shift ends). Until the answer the SLA clock stops: the deadline moves on by the time waited."""
    now = now or timezone.now()
    need = _lock(need)
    unit = _acting_partner(acting_user, need)
    if need.status not in WORKING_STATUSES:
        raise NeedClosed()
    if not need.claims.filter(unit=unit, status=Claim.Status.ACTIVE).exists():
        raise NotClaimedByYou()
    if need.waiting_since is not None:
        raise AlreadyWaiting()
    question = _text(question, TextKind.LABEL, "question", 300)
    if not question:
        raise InvalidInput(_("Write the question."), field="question")
    need.waiting_since = now
    need.waiting_question = question
    need.updated_at = now
    need.save(update_fields=["waiting_since", "waiting_question", "updated_at"])
    _tell_requester(
        need,
        str(
            _("[gonghui] %(unit)s asks about the need %(title)s: %(question)s")
            % {"unit": unit.name, "title": need.title, "question": question}
        ),
    )
    _need_event(acting_user, "need_waiting_on_requester", need, now, partner_unit_id=unit.pk, reason=question)
    return need


@transaction.atomic(durable=True)
def do_answer_unit(
    *, acting_user: Any, need: Need, answer: str, now: datetime.datetime | None = None
) -> Need:
    """The requester answers; the clock runs again with the deadline moved on by the time waited."""
    now = now or timezone.now()
    need = _lock(need)
    _require_requester(acting_user, need)
    if need.waiting_since is None:
        raise NotWaiting()
    answer = _text(answer, TextKind.LABEL, "answer", 300)
    if not answer:
        raise InvalidInput(_("Write the answer."), field="answer")
    waited = max(now - need.waiting_since, datetime.timedelta(0))
    need.due_at = need.due_at + waited
    need.paused_seconds += int(waited.total_seconds())
    need.waiting_since = None
    need.waiting_question = ""
    need.updated_at = now
    need.save(update_fields=["due_at", "paused_seconds", "waiting_since", "waiting_question", "updated_at"])
    _need_event(
        acting_user,
        "need_requester_answered",
        need,
        now,
        reason=answer,
        paused_seconds=int(waited.total_seconds()),
    )
    return need


@transaction.atomic(durable=True)
def do_return_unscheduled_claims(*, need: Need, now: datetime.datetime | None = None) -> int:
    """Claims older than the committee's schedule window on a need still not scheduled end as EXPIRED;
    with nobody left on it the need is back on the board, and the officer who posted it is told. Run by
    `manage.py needs_return_unscheduled` (every few minutes, from cron or a timer). No acting user: it is
    the clock's doing."""
    now = now or timezone.now()
    need = _lock(need)
    if need.status != Need.Status.CLAIMED:
        return 0
    cutoff = now - datetime.timedelta(hours=need.committee.schedule_within_hours)
    expired = list(
        need.claims.filter(status=Claim.Status.ACTIVE, claimed_at__lte=cutoff).select_related("unit")
    )
    if not expired:
        return 0
    reason = str(_("Not scheduled within %(hours)d hours") % {"hours": need.committee.schedule_within_hours})
    Claim.objects.filter(pk__in=[c.pk for c in expired]).update(
        status=Claim.Status.EXPIRED, ended_at=now, reason=reason
    )
    if not need.claims.filter(status=Claim.Status.ACTIVE).exists():
        need.status = Need.Status.OPEN
    need.updated_at = now
    need.save(update_fields=["status", "updated_at"])
    _tell_requester(
        need,
        str(
            _("[gonghui] The need %(title)s was claimed but not scheduled in time; it is back on the board.")
            % {"title": need.title}
        ),
    )
    _need_event(
        None,
        "need_claims_returned",
        need,
        now,
        claim_ids=[c.pk for c in expired],
        partner_unit_ids=[c.unit_id for c in expired],
        reason=reason,
    )
    return len(expired)


def return_unscheduled_claims(*, now: datetime.datetime | None = None) -> int:
    """Every need whose claims outlived their committee's schedule window; each in its own transaction."""
    now = now or timezone.now()
    returned = 0
    for committee in Committee.objects.all().only("pk", "schedule_within_hours"):
        cutoff = now - datetime.timedelta(hours=committee.schedule_within_hours)
        late = (
            Need.objects.filter(
                committee=committee,
                status=Need.Status.CLAIMED,
                claims__status=Claim.Status.ACTIVE,
                claims__claimed_at__lte=cutoff,
            )
            .distinct()
            .order_by("pk")
        )
        for need in late:
            returned += do_return_unscheduled_claims(need=need, now=now)
    return returned


# ---- check-in at a service event (the worker's own phone, by the event's QR code) ---------------------


class ServiceEventNotOpen(Conflict):
    code = "needs_service_event_not_open"
    default_message = _("This service is over; check-ins are no longer taken.")


class CheckInNameRequired(InvalidInput):
    code = "needs_check_in_name_required"
    default_message = _("Enter your name and mobile number.")


@dataclass
class ServedCheckIn:
    served: Served
    created: bool


@transaction.atomic(durable=True)
def do_check_in_served(
    *, event: ServiceEvent, name: str, phone: str, now: datetime.datetime | None = None
) -> ServedCheckIn:
    """A worker served at the event checks in with name and phone, as at a meeting: counted once per
    phone, and followed afterwards (attended a worker meeting → applied → member → card, see
    queries.served_funnel). No acting user: it is the worker's own phone."""
    now = now or timezone.now()
    need = _lock(event.need)
    if need.status == Need.Status.CLOSED:
        raise ServiceEventNotOpen()
    name = _text(name, TextKind.NAME, "name", 50)
    phone = (phone or "").strip()
    if not name or not phone:
        raise CheckInNameRequired(field="name" if not name else "phone")
    phone = normalise_phone(phone, field="phone")
    index = blind_index(phone, purpose="phone")
    served = Served.objects.filter(event=event, phone_index=index).first()
    created = served is None
    if served is None:
        try:
            with transaction.atomic():  # a double tap may race; the second finds the first
                served = Served.objects.create(
                    event=event, name=name, phone=phone, source=Served.Source.SELF, created_at=now
                )
        except IntegrityError:
            served = Served.objects.get(event=event, phone_index=index)
            created = False
    if created and need.status in WORKING_STATUSES:
        # The first worker checking in is proof the service took place.
        need.status = Need.Status.DELIVERED
        need.delivered_at = need.delivered_at or now
        need.updated_at = now
        need.save(update_fields=["status", "delivered_at", "updated_at"])
        ServiceEvent.objects.filter(pk=event.pk, delivered_at__isnull=True).update(delivered_at=now)
    _need_event(
        None,
        "need_served_check_in" if created else "need_served_check_in_repeated",
        need,
        now,
        service_event_id=event.pk,
    )
    return ServedCheckIn(served, created)


# ---- photos as evidence ------------------------------------------------------------------------------

MAX_PHOTOS_PER_EVENT = 20


class TooManyPhotos(Conflict):
    code = "needs_too_many_photos"
    default_message = _("An event keeps at most %(max)d photos.")


@transaction.atomic(durable=True)
def do_add_service_photo(
    *, acting_user: Any, event: ServiceEvent, upload: Any, now: datetime.datetime | None = None
) -> ServicePhoto:
    """A providing unit (or an officer of the committee's union) adds a photo of the service: an image
    only, within the upload size, decoded and re-encoded without EXIF (the location goes with it)."""
    now = now or timezone.now()
    need = _lock(event.need)
    if rank_at(acting_user, need.committee.union) < RANK_MANAGE_NEEDS:
        unit = _acting_partner(acting_user, need)
        if not event.providers.filter(pk=unit.pk).exists():
            raise NotClaimedByYou()
    if event.photos.count() >= MAX_PHOTOS_PER_EVENT:
        raise TooManyPhotos(max=MAX_PHOTOS_PER_EVENT)
    checked = check_upload(upload, accept=PHOTO, field="photo")
    photo = ServicePhoto(
        event=event,
        content_type=checked.content_type,
        uploaded_by=acting_user if getattr(acting_user, "pk", None) else None,
        created_at=now,
    )
    # A name of our own: the uploaded name is the sender's text and may say anything.
    photo.photo.save(
        f"{event.pk}-{now:%Y%m%d%H%M%S%f}.{checked.extension}", ContentFile(checked.content), save=False
    )
    photo.save()
    _need_event(acting_user, "need_photo_added", need, now, service_event_id=event.pk, photo_id=photo.pk)
    return photo
