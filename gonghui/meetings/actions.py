"""Writes for 双沟通 meetings: plan (one or a weekly series), edit, hold, close with outcomes, host links,
check-ins, questionnaires (versioned) and their responses. Each function: one durable transaction, one
audit event."""

import datetime
import secrets
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.cards.models import BankBranch
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.core.phones import normalise_phone
from gonghui.core.pii import blind_index, secret_digest
from gonghui.core.text import TextKind, clean_text
from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.enterprises.queries import enterprises_in_scope
from gonghui.meetings.models import (
    Answer,
    Cadence,
    CheckIn,
    FollowUp,
    Meeting,
    MeetingKind,
    MeetingSeries,
    PlaceKind,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseChannel,
)
from gonghui.orgs.models import ROLE_RANK, OrgUnit, Role
from gonghui.orgs.scope import rank_at

# Meetings are held by union chairs and up (a grassroots union holds its own worker meetings).
RANK_MANAGE_MEETINGS = ROLE_RANK[Role.UNION_CHAIR]
# A collector may enter questionnaire answers and check-ins for a meeting in their area.
RANK_COLLECT = ROLE_RANK[Role.COLLECTOR]
MAX_SERIES = 52
MAX_QUESTIONS = 50
MAX_CHOICES = 20
MAX_TEXT_ANSWER = 2000
MAX_HEAD_COUNT = 500
OPEN_STATUSES = (Meeting.Status.PLANNED, Meeting.Status.HELD)


class MeetingTimes(InvalidInput):
    code = "meeting_times"
    default_message = _("The meeting must end after it starts, on the same or the next day.")


class MeetingPlaceRequired(InvalidInput):
    code = "meeting_place_required"
    default_message = _("Say where the meeting takes place: the enterprise, the worksite or the address.")


class EnterpriseMeetingNeedsEnterprise(InvalidInput):
    code = "meeting_enterprise_required"
    default_message = _("An enterprise communication meeting is held with an enterprise: choose it.")


class MeetingNotEditable(Conflict):
    code = "meeting_not_editable"
    default_message = _("A closed or cancelled meeting can no longer be changed.")


class MeetingNotPlanned(Conflict):
    code = "meeting_not_planned"
    default_message = _("Only a planned meeting can be marked as held or cancelled.")


class MeetingNotHeld(Conflict):
    code = "meeting_not_held"
    default_message = _("Mark the meeting as held before closing it with its outcomes.")


class MeetingNotOpen(Conflict):
    code = "meeting_not_open"
    default_message = _("This meeting is closed; check-ins and answers are no longer taken.")


class SeriesLength(InvalidInput):
    code = "meeting_series_length"
    default_message = _("A series has between 2 and %(max)d meetings.")


class NotInSeries(InvalidInput):
    code = "meeting_not_in_series"
    default_message = _("This meeting is not part of a series.")


class FollowUpInvalid(InvalidInput):
    code = "meeting_follow_up_invalid"
    default_message = _("Each follow-up needs what is to be done, who does it and by when.")


class CheckInNameRequired(InvalidInput):
    code = "check_in_name_required"
    default_message = _("Enter your name, or check in without details.")


class HeadCountInvalid(InvalidInput):
    code = "check_in_head_count"
    default_message = _("The head count is a whole number from 1 to %(max)d.")


class QuestionnaireInvalid(InvalidInput):
    code = "questionnaire_invalid"
    default_message = _("The questionnaire is not valid.")


class AnswerRequired(InvalidInput):
    code = "answer_required"
    default_message = _("Please answer this question.")


class AnswerInvalid(InvalidInput):
    code = "answer_invalid"
    default_message = _("This answer is not one of the choices or not in the allowed range.")


class WrongQuestionnaire(InvalidInput):
    code = "response_wrong_questionnaire"
    default_message = _("This questionnaire is not the one used at this meeting.")


class ResponseIdTaken(Conflict):
    code = "response_id_taken"
    default_message = _("This record id has already been used; send the record with a new id.")


class CardBranchNotActive(InvalidInput):
    code = "meeting_card_branch_inactive"
    default_message = _("That bank branch no longer issues cards; choose an active one.")


# --- meetings ----------------------------------------------------------------------------------------


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


# --- questionnaires ----------------------------------------------------------------------------------


@dataclass
class QuestionSpec:
    """One question as the builder, the templates and the API describe it. show_if_position is the
    1-based position of an earlier single-choice question; show_if_choice one of its choices."""

    kind: str
    text: str
    choices: list[str] = field(default_factory=list)
    required: bool = False
    show_if_position: int | None = None
    show_if_choice: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "choices": list(self.choices),
            "required": self.required,
            "show_if_position": self.show_if_position,
            "show_if_choice": self.show_if_choice,
        }


def _invalid(message: Any, position: int | None = None) -> QuestionnaireInvalid:
    if position is not None:
        return QuestionnaireInvalid(_("Question %(n)d: %(problem)s") % {"n": position, "problem": message})
    return QuestionnaireInvalid(message)


def clean_questions(questions: list[QuestionSpec]) -> list[QuestionSpec]:
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise _invalid(_("A questionnaire has from 1 to %(max)d questions.") % {"max": MAX_QUESTIONS})
    cleaned: list[QuestionSpec] = []
    for position, spec in enumerate(questions, start=1):
        text = " ".join(spec.text.split())
        if not text or len(text) > 300:
            raise _invalid(_("the question text is required, at most 300 characters."), position)
        if spec.kind not in QuestionKind.values:
            raise _invalid(_("choose the kind of question."), position)
        choices: list[str] = []
        if spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            choices = [" ".join(c.split()) for c in spec.choices if c and c.strip()]
            if not 2 <= len(choices) <= MAX_CHOICES or len(set(choices)) != len(choices):
                raise _invalid(_("give from 2 to 20 different choices."), position)
            if any(len(c) > 100 for c in choices):
                raise _invalid(_("a choice is at most 100 characters."), position)
        show_pos, show_choice = spec.show_if_position, " ".join((spec.show_if_choice or "").split())
        if show_pos is not None:
            if not 1 <= show_pos < position or cleaned[show_pos - 1].kind != QuestionKind.SINGLE:
                raise _invalid(_("it can only depend on an earlier single-choice question."), position)
            if show_choice not in cleaned[show_pos - 1].choices:
                raise _invalid(_("the condition must be one of that question's choices."), position)
        else:
            show_choice = ""
        cleaned.append(QuestionSpec(spec.kind, text, choices, bool(spec.required), show_pos, show_choice))
    return cleaned


def _write_questions(version: QuestionnaireVersion, questions: list[QuestionSpec]) -> None:
    created: list[Question] = []
    for position, spec in enumerate(questions, start=1):
        created.append(
            Question.objects.create(
                version=version,
                position=position,
                kind=spec.kind,
                text=spec.text,
                choices=spec.choices,
                required=spec.required,
                show_if_question=created[spec.show_if_position - 1] if spec.show_if_position else None,
                show_if_choice=spec.show_if_choice,
            )
        )


@transaction.atomic(durable=True)
def do_create_questionnaire(
    *,
    acting_user: Any,
    owner: OrgUnit,
    title: str,
    questions: list[QuestionSpec],
    description: str = "",
    template_key: str = "",
    now: datetime.datetime | None = None,
) -> Questionnaire:
    now = now or timezone.now()
    _require_manager(acting_user, owner)
    title = " ".join(title.split())
    if not title or len(title) > 200:
        raise InvalidInput(_("Give the questionnaire a title (at most 200 characters)."), field="title")
    questions = clean_questions(questions)
    questionnaire = Questionnaire.objects.create(
        owner=owner,
        title=title,
        description=description.strip()[:2000],
        template_key=template_key,
        created_at=now,
    )
    version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=1, created_at=now)
    _write_questions(version, questions)
    record_event(
        acting_user=acting_user,
        event_type="questionnaire_created",
        obj=questionnaire,
        unit=owner,
        details={"questions": len(questions), "template": template_key},
        now=now,
    )
    return questionnaire


@transaction.atomic(durable=True)
def do_edit_questionnaire(
    *,
    acting_user: Any,
    questionnaire: Questionnaire,
    questions: list[QuestionSpec],
    title: str | None = None,
    description: str | None = None,
    now: datetime.datetime | None = None,
) -> QuestionnaireVersion:
    """New questions for a questionnaire. While nobody has answered the current version it is edited in
    place; once it has answers, the edit becomes a new version, and the answers already given stay
    tied to the questions they answered."""
    now = now or timezone.now()
    questionnaire = Questionnaire.objects.select_for_update().select_related("owner").get(pk=questionnaire.pk)
    _require_manager(acting_user, questionnaire.owner)
    questions = clean_questions(questions)
    if title is not None:
        title = " ".join(title.split())
        if not title or len(title) > 200:
            raise InvalidInput(_("Give the questionnaire a title (at most 200 characters)."), field="title")
        questionnaire.title = title
    if description is not None:
        questionnaire.description = description.strip()[:2000]
    questionnaire.save(update_fields=["title", "description"])
    current = questionnaire.versions.order_by("-number").first()
    assert current is not None  # created with version 1
    if current.responses.exists():
        version = QuestionnaireVersion.objects.create(
            questionnaire=questionnaire, number=current.number + 1, created_at=now
        )
        new_version = True
    else:
        # Dependents first: a question may point at an earlier one of the same version.
        current.questions.filter(show_if_question__isnull=False).delete()
        current.questions.all().delete()
        version, new_version = current, False
    _write_questions(version, questions)
    record_event(
        acting_user=acting_user,
        event_type="questionnaire_edited",
        obj=questionnaire,
        unit=questionnaire.owner,
        changed_fields=["questions", "title", "description"],
        details={"version": version.number, "new_version": new_version},
        now=now,
    )
    return version


def _visible(question: Question, given: dict[int, Any]) -> bool:
    if question.show_if_question_id is None:
        return True
    return given.get(question.show_if_question_id) == question.show_if_choice


def _parse_answer(question: Question, raw: Any) -> Answer | None:
    """The answer to one question, or None when left empty. Raises for a value that is not allowed."""
    field_name = f"q{question.pk}"
    answer = Answer(question=question)
    if question.kind == QuestionKind.MULTIPLE:
        values = raw if isinstance(raw, list) else ([raw] if raw not in (None, "") else [])
        values = [str(v) for v in values if str(v).strip()]
        if not values:
            return None
        if len(set(values)) != len(values) or any(v not in question.choices for v in values):
            raise AnswerInvalid(field=field_name)
        answer.choices = [c for c in question.choices if c in values]
        return answer
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if question.kind == QuestionKind.SINGLE:
        if text not in question.choices:
            raise AnswerInvalid(field=field_name)
        answer.choices = [text]
    elif question.kind == QuestionKind.TEXT:
        if len(text) > MAX_TEXT_ANSWER:
            raise InvalidInput(_("An answer is at most 2000 characters."), field=field_name)
        # Every channel's answers end here (the survey page, the API, the collector phone's sealed ones).
        answer.text = clean_text(text, TextKind.FREE_TEXT, field=field_name)
    elif question.kind == QuestionKind.NUMBER:
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise InvalidInput(_("Enter a number."), field=field_name) from None
        if not number.is_finite() or abs(number) >= Decimal("1e9"):
            raise InvalidInput(_("Enter a number."), field=field_name)
        answer.number = number.quantize(Decimal("0.01"))
    elif question.kind == QuestionKind.RATING:
        if text not in {"1", "2", "3", "4", "5"}:
            raise AnswerInvalid(field=field_name)
        answer.number = Decimal(text)
    return answer


@transaction.atomic(durable=True)
def do_submit_response(
    *,
    version: QuestionnaireVersion,
    answers: dict[int, Any],
    channel: str,
    meeting: Meeting | None = None,
    acting_user: Any = None,
    client_uuid: uuid.UUID | None = None,
    now: datetime.datetime | None = None,
) -> Response:
    """One filled-in questionnaire. `answers` maps question ids of `version` to the value (a choice, a
    list of choices, text, a number or a rating as text). Hidden questions (show-if not met) are
    dropped; required visible ones must be answered.

    Callers: the worker's phone (SELF_SERVICE, no user), the console and API (CONSOLE). The collector
    app's upload (STAFF_MOBILE with the device user and the record's client_uuid, so a record sent twice
    is stored once) calls store_response inside its batch transaction."""
    now = now or timezone.now()
    if channel not in ResponseChannel.values:
        raise InvalidInput(field="channel")
    if channel != ResponseChannel.SELF_SERVICE:
        unit = meeting.organiser if meeting is not None else version.questionnaire.owner
        if rank_at(acting_user, unit) < RANK_COLLECT:
            raise Forbidden()
    return store_response(
        version=version,
        answers=answers,
        channel=channel,
        meeting=meeting,
        acting_user=acting_user,
        client_uuid=client_uuid,
        now=now,
    )


def store_response(
    *,
    version: QuestionnaireVersion,
    answers: dict[int, Any],
    channel: str,
    meeting: Meeting | None,
    acting_user: Any,
    client_uuid: uuid.UUID | None,
    now: datetime.datetime,
) -> Response:
    """do_submit_response's rules without its permission check and its own transaction, for a caller
    that authorised the writer itself and runs inside its own durable transaction: the collector app's
    batch upload (the device may use the meeting; one transaction per batch). Raises DomainError before
    writing anything, so a caller may answer the record and go on with the next one."""
    actor = acting_user if getattr(acting_user, "pk", None) else None
    if client_uuid is not None:
        existing = Response.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            if existing.collected_by_id != (actor.pk if actor else None):
                raise ResponseIdTaken(field="client_uuid")
            return existing
    if meeting is not None:
        meeting = _lock(meeting)
        if meeting.status not in OPEN_STATUSES and channel == ResponseChannel.SELF_SERVICE:
            raise MeetingNotOpen()
        if meeting.questionnaire_id != version.questionnaire_id:
            raise WrongQuestionnaire()
    elif channel == ResponseChannel.SELF_SERVICE:
        raise InvalidInput(field="meeting")
    questions = list(version.questions.order_by("position"))
    known = {q.pk for q in questions}
    if any(key not in known for key in answers):
        raise AnswerInvalid(_("An answer names a question that is not in this questionnaire."))
    given: dict[int, Any] = {}
    parsed: list[Answer] = []
    for question in questions:
        if not _visible(question, given):
            continue
        answer = _parse_answer(question, answers.get(question.pk))
        if answer is None:
            if question.required:
                raise AnswerRequired(field=f"q{question.pk}")
            continue
        if question.kind == QuestionKind.SINGLE:
            given[question.pk] = answer.choices[0]
        parsed.append(answer)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                version=version,
                meeting=meeting,
                channel=channel,
                client_uuid=client_uuid,
                collected_by=actor,
                created_at=now,
            )
    except IntegrityError:
        raise Conflict(_("The same record is being saved right now; try again in a moment.")) from None
    for answer in parsed:
        answer.response = response
    Answer.objects.bulk_create(parsed)
    record_event(
        acting_user=actor,
        event_type="questionnaire_answered",
        obj=response,
        unit=meeting.organiser if meeting is not None else version.questionnaire.owner,
        details={
            "meeting_id": meeting.pk if meeting else None,
            "version": version.number,
            "channel": channel,
        },
        now=now,
    )
    return response


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
