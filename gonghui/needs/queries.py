"""Reads for the 朋友圈, always scoped: officers see the committees (and their needs) of unions in their
subtree; member-unit staff see only the needs of the committees their unit belongs to, routed by their
PartnerStaff link, never by subtree."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.models import AuditEvent
from gonghui.meetings.models import Answer, CheckIn, Meeting, MeetingKind, QuestionKind
from gonghui.meetings.queries import meetings_in_scope
from gonghui.members.models import Membership, Person
from gonghui.needs import rates
from gonghui.needs.actions import RANK_MANAGE_NEEDS, partner_link
from gonghui.needs.models import (
    Claim,
    Committee,
    DeadlineClass,
    Need,
    PartnerUnit,
    Served,
    ServiceEvent,
    WorkType,
)
from gonghui.orgs.scope import path_q

# The board's tabs: the working statuses, plus "overdue" (not yet delivered, past its deadline).
BOARD_TABS = ("OPEN", "CLAIMED", "SCHEDULED", "DELIVERED", "OVERDUE", "CLOSED")
NOT_DELIVERED = (Need.Status.OPEN, Need.Status.CLAIMED, Need.Status.SCHEDULED)


def committees_in_scope(acting_user: Any) -> QuerySet[Committee]:
    return Committee.objects.filter(path_q(acting_user, "union__path"))


def committees_to_manage(acting_user: Any) -> QuerySet[Committee]:
    return Committee.objects.filter(path_q(acting_user, "union__path", min_rank=RANK_MANAGE_NEEDS))


def needs_in_scope(acting_user: Any) -> QuerySet[Need]:
    """An officer's needs: those of committees held in their subtree."""
    return Need.objects.filter(path_q(acting_user, "committee__union__path"))


def partner_units_in_scope(acting_user: Any) -> QuerySet[PartnerUnit]:
    return PartnerUnit.objects.filter(path_q(acting_user, "union__path"))


def service_events_in_scope(acting_user: Any) -> QuerySet[ServiceEvent]:
    return ServiceEvent.objects.filter(need__in=needs_in_scope(acting_user))


# ---- member units --------------------------------------------------------------------------------


def partner_unit_of(acting_user: Any) -> PartnerUnit | None:
    link = partner_link(acting_user)
    return link.unit if link is not None else None


def is_unit_admin(acting_user: Any) -> bool:
    link = partner_link(acting_user)
    return link is not None and link.is_unit_admin


def needs_for_partner(acting_user: Any) -> QuerySet[Need]:
    """The needs posted to committees the user's unit belongs to (nothing for anyone else)."""
    unit = partner_unit_of(acting_user)
    if unit is None:
        return Need.objects.none()
    return Need.objects.filter(committee__in=unit.committees.all())


def events_for_partner(acting_user: Any) -> QuerySet[ServiceEvent]:
    return ServiceEvent.objects.filter(need__in=needs_for_partner(acting_user))


def list_needs_for_partner(*, acting_user: Any, tab: str = "") -> QuerySet[Need]:
    """ "Needs for us": open ones to claim, and the ones our unit is on (active claim)."""
    unit = partner_unit_of(acting_user)
    needs = needs_for_partner(acting_user).select_related("work_type", "worksite", "enterprise", "committee")
    if unit is None:
        return needs
    mine = Q(claims__unit=unit, claims__status=Claim.Status.ACTIVE)
    if tab == "mine":
        needs = needs.filter(mine).exclude(status=Need.Status.CLOSED)
    elif tab == "closed":
        needs = needs.filter(status=Need.Status.CLOSED, claims__unit=unit)
    else:
        needs = needs.filter(status__in=NOT_DELIVERED).exclude(mine)
    return needs.distinct().order_by("due_at", "pk")


# ---- the board -----------------------------------------------------------------------------------


def list_board(
    *,
    acting_user: Any,
    tab: str = "",
    committee: Committee | None = None,
    work_type: WorkType | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Need]:
    """The street officer's board; overdue needs come first in every tab, then by deadline."""
    now = now or timezone.now()
    needs = needs_in_scope(acting_user).select_related(
        "work_type", "worksite", "enterprise", "committee", "deadline_class"
    )
    if committee is not None:
        needs = needs.filter(committee=committee)
    if work_type is not None:
        needs = needs.filter(work_type=work_type)
    if tab == "OVERDUE":
        needs = needs.filter(status__in=NOT_DELIVERED, due_at__lt=now, waiting_since__isnull=True)
    elif tab in Need.Status.values:
        needs = needs.filter(status=tab)
    else:
        needs = needs.exclude(status=Need.Status.CLOSED)
    return needs.order_by("due_at", "pk")


def board_counts(
    *, acting_user: Any, committee: Committee | None = None, now: datetime.datetime | None = None
) -> dict[str, int]:
    now = now or timezone.now()
    needs = needs_in_scope(acting_user)
    if committee is not None:
        needs = needs.filter(committee=committee)
    counts = dict.fromkeys(BOARD_TABS, 0)
    for row in needs.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    counts["OVERDUE"] = needs.filter(
        status__in=NOT_DELIVERED, due_at__lt=now, waiting_since__isnull=True
    ).count()
    return counts


def possible_duplicates(
    *, acting_user: Any, committee: Committee, worksite: Any, enterprise: Any, work_type: WorkType
) -> QuerySet[Need]:
    """Needs still open at the same place for the same work type: shown before posting another."""
    needs = (
        needs_in_scope(acting_user)
        .filter(committee=committee, work_type=work_type)
        .exclude(status=Need.Status.CLOSED)
    )
    if worksite is not None:
        needs = needs.filter(worksite=worksite)
    elif enterprise is not None:
        needs = needs.filter(enterprise=enterprise)
    else:
        return Need.objects.none()
    return needs.order_by("-posted_at")


@dataclass
class NeedDetail:
    need: Need
    claims: list[Claim]
    events: list[Any]
    served_total: int
    timeline: list[AuditEvent]


def need_detail(need: Need) -> NeedDetail:
    """What a need page shows: its claims (sent back ones too), events with people served, and the
    timeline of everything that happened to it, oldest first."""
    claims = list(
        need.claims.select_related("unit").prefetch_related("work_types").order_by("claimed_at", "pk")
    )
    events = list(
        need.events.prefetch_related("providers", "photos")
        .annotate(served_total=Sum("served__head_count"))
        .order_by("starts_at", "pk")
    )
    served_total = sum(e.served_total or 0 for e in events)  # type: ignore[attr-defined]
    timeline = list(
        AuditEvent.objects.filter(object_type="needs.need", object_id=str(need.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    return NeedDetail(need, claims, events, served_total, timeline)


def served_total(event: ServiceEvent) -> int:
    return Served.objects.filter(event=event).aggregate(n=Sum("head_count"))["n"] or 0


def active_work_types() -> QuerySet[WorkType]:
    return WorkType.objects.filter(is_active=True).order_by("position", "pk")


def active_deadline_classes() -> QuerySet[DeadlineClass]:
    return DeadlineClass.objects.filter(is_active=True).order_by("position", "pk")


def list_committees(*, acting_user: Any) -> QuerySet[Committee]:
    return (
        committees_in_scope(acting_user)
        .select_related("union")
        .annotate(unit_count=Count("members", distinct=True))
        .order_by("union__path", "name")
    )


@dataclass
class AreaRates:
    total: rates.Rates
    by_street: list[rates.Rates]
    by_committee: list[rates.Rates]
    by_unit: list[rates.Rates]


def area_rates(
    *,
    acting_user: Any,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> AreaRates:
    """The rates of every need in the user's area: in all, per street, per committee, per member unit."""
    now = now or timezone.now()
    needs = needs_in_scope(acting_user)
    return AreaRates(
        total=rates.rates_total(needs, start=start, end=end, now=now),
        by_street=rates.rates_by(
            needs, group="committee__union_id", name="committee__union__name", start=start, end=end, now=now
        ),
        by_committee=rates.rates_by(
            needs, group="committee_id", name="committee__name", start=start, end=end, now=now
        ),
        by_unit=rates.rates_by_unit(needs, start=start, end=end, now=now),
    )


# ---- from a meeting ----------------------------------------------------------------------------------

# Words in an answer or a follow-up that point to a work type (the first match is proposed; the officer
# may change it on the form).
WORK_TYPE_HINTS = [
    ("理发", "HAIRCUT"),
    ("诈骗", "FINANCE_ANTI_FRAUD"),
    ("金融", "FINANCE_ANTI_FRAUD"),
    ("法律", "LEGAL"),
    ("欠薪", "RIGHTS"),
    ("工伤", "RIGHTS"),
    ("维权", "RIGHTS"),
    ("体检", "HEALTH_CHECK"),
    ("培训", "SKILLS"),
    ("清凉", "COOLING"),
    ("防暑", "COOLING"),
]


def guess_work_type(text: str) -> WorkType | None:
    for word, code in WORK_TYPE_HINTS:
        if word in text:
            return WorkType.objects.filter(code=code, is_active=True).first()
    return None


@dataclass
class MeetingSource:
    """One thing heard at a meeting that can become a need in one click."""

    kind: str  # "choice", "text" or "follow_up"
    text: str
    people: int
    response_id: int | None = None
    follow_up_id: int | None = None
    need_ids: list[int] = field(default_factory=list)


def meeting_sources(meeting: Meeting) -> list[MeetingSource]:
    """The meeting's follow-ups, the choices workers ticked on its questionnaire's multiple-choice
    questions (with how many ticked each) and their written answers; each with the needs already posted
    from it, so nothing is posted twice by accident."""
    posted = list(
        Need.objects.filter(meeting=meeting).values_list(
            "pk", "response_id", "follow_up_id", "meeting_choice"
        )
    )
    sources: list[MeetingSource] = []
    for follow_up in meeting.follow_ups.order_by("due_date", "pk"):
        sources.append(
            MeetingSource(
                "follow_up",
                follow_up.text,
                1,
                follow_up_id=follow_up.pk,
                need_ids=[pk for pk, _r, f, _t in posted if f == follow_up.pk],
            )
        )
    counts: dict[str, int] = {}
    answers = Answer.objects.filter(response__meeting=meeting).select_related("question")
    for answer in answers.filter(question__kind=QuestionKind.MULTIPLE).order_by("pk"):
        for choice in answer.choices or []:
            counts[str(choice)] = counts.get(str(choice), 0) + 1
    for choice, people in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        sources.append(
            MeetingSource("choice", choice, people, need_ids=[pk for pk, _r, _f, c in posted if c == choice])
        )
    for answer in answers.filter(question__kind=QuestionKind.TEXT).exclude(text="").order_by("pk"):
        sources.append(
            MeetingSource(
                "text",
                answer.text,
                1,
                response_id=answer.response_id,
                need_ids=[pk for pk, r, _f, _t in posted if r == answer.response_id],
            )
        )
    return sources


def recent_meetings_with_sources(acting_user: Any) -> QuerySet[Meeting]:
    """Meetings in the user's area that heard something (a follow-up or a questionnaire answer), newest first."""
    return (
        meetings_in_scope(acting_user)
        .filter(Q(follow_ups__isnull=False) | Q(responses__isnull=False))
        .distinct()
        .select_related("organiser")
        .order_by("-starts_at", "-pk")
    )


# ---- what became of the people served ----------------------------------------------------------------


@dataclass
class FunnelStage:
    key: str
    label: str
    count: int


def served_funnel(events: QuerySet[ServiceEvent]) -> list[FunnelStage]:
    """The workers who checked in at these service events with their phone, followed by that phone:
    served → attended a worker meeting → applied to join → member → card issued. A cohort (the same
    people at each stage), matched on the phone's blind index; nobody's number is read."""
    phones = (
        Served.objects.filter(event__in=events, phone_index__isnull=False)
        .values_list("phone_index", flat=True)
        .distinct()
    )
    served_count = phones.count()
    attended = (
        CheckIn.objects.filter(phone_index__in=phones, meeting__kind=MeetingKind.WORKER)
        .values("phone_index")
        .distinct()
        .count()
    )
    people = Person.objects.filter(phone_index__in=phones)
    applied = people.filter(memberships__isnull=False).distinct().count()
    members = people.filter(memberships__status=Membership.Status.ACTIVE).distinct().count()
    cards = people.filter(cards__isnull=False).distinct().count()
    return [
        FunnelStage("served", str(_("Checked in at the service")), served_count),
        FunnelStage("attended", str(_("Attended a worker meeting")), attended),
        FunnelStage("applied", str(_("Applied to join")), applied),
        FunnelStage("member", str(_("Members")), members),
        FunnelStage("card", str(_("Cards issued")), cards),
    ]


def service_event_by_token(token: str) -> ServiceEvent | None:
    """The event a QR poster names, while its need is open (not closed)."""
    if not token or len(token) > 64:
        return None
    return (
        ServiceEvent.objects.filter(public_token=token)
        .exclude(need__status=Need.Status.CLOSED)
        .select_related("need__worksite", "need__enterprise", "need__work_type")
        .first()
    )
