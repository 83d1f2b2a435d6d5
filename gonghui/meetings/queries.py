"""Reads for meetings, always scoped to the acting user: meetings by their organising union's subtree;
questionnaires by their owner (units below may use an ancestor's); responses by their meeting."""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gonghui.cards.models import Card
from gonghui.enterprises.models import Enterprise, IntentLetter
from gonghui.meetings.models import (
    Answer,
    CheckIn,
    Meeting,
    MeetingKind,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireVersion,
    Response,
)
from gonghui.members.models import Membership
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import RANK_READ, path_q, scope_paths

# A meeting still open this long after its end is overdue: held but not closed, or never marked held.
OVERDUE_AFTER = datetime.timedelta(days=2)


def meetings_in_scope(acting_user: Any, *, min_rank: int = RANK_READ) -> QuerySet[Meeting]:
    return Meeting.objects.filter(path_q(acting_user, "organiser__path", min_rank=min_rank))


def list_meetings(
    *,
    acting_user: Any,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    kind: str | None = None,
    status: str | None = None,
    unit: OrgUnit | None = None,
) -> QuerySet[Meeting]:
    meetings = _narrowed(meetings_in_scope(acting_user), unit=unit, start=start, end=end, kind=kind)
    if status:
        meetings = meetings.filter(status=status)
    return meetings.select_related("organiser", "enterprise", "worksite").order_by("starts_at", "pk")


def _narrowed(
    meetings: QuerySet[Meeting],
    *,
    unit: OrgUnit | None,
    start: datetime.datetime | None,
    end: datetime.datetime | None,
    kind: str | None,
) -> QuerySet[Meeting]:
    """Meetings organised under `unit`, starting in [start, end), of one kind — each only if given."""
    if unit is not None:
        meetings = meetings.filter(organiser__path__startswith=unit.path)
    if start is not None:
        meetings = meetings.filter(starts_at__gte=start)
    if end is not None:
        meetings = meetings.filter(starts_at__lt=end)
    if kind:
        meetings = meetings.filter(kind=kind)
    return meetings


def list_overdue_meetings(*, acting_user: Any, now: datetime.datetime | None = None) -> QuerySet[Meeting]:
    now = now or timezone.now()
    return (
        meetings_in_scope(acting_user)
        .filter(status__in=[Meeting.Status.PLANNED, Meeting.Status.HELD], ends_at__lt=now - OVERDUE_AFTER)
        .select_related("organiser", "enterprise", "worksite")
        .order_by("ends_at", "pk")
    )


@dataclass
class CalendarDay:
    date: datetime.date
    in_month: bool
    meetings: list[Meeting] = field(default_factory=list)


def month_calendar(*, acting_user: Any, year: int, month: int) -> list[list[CalendarDay]]:
    """Weeks (Monday first) covering the month, each day with its meetings in the user's scope."""
    first = datetime.date(year, month, 1)
    start = first - datetime.timedelta(days=first.weekday())
    next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
    end = next_month + datetime.timedelta(days=(7 - next_month.weekday()) % 7)
    tz = timezone.get_current_timezone()
    by_day: dict[datetime.date, list[Meeting]] = {}
    for meeting in list_meetings(
        acting_user=acting_user,
        start=datetime.datetime.combine(start, datetime.time(), tzinfo=tz),
        end=datetime.datetime.combine(end, datetime.time(), tzinfo=tz),
    ):
        by_day.setdefault(timezone.localtime(meeting.starts_at, tz).date(), []).append(meeting)
    weeks: list[list[CalendarDay]] = []
    day = start
    while day < end:
        weeks.append(
            [
                CalendarDay(d, d.month == month, by_day.get(d, []))
                for d in (day + datetime.timedelta(days=i) for i in range(7))
            ]
        )
        day += datetime.timedelta(days=7)
    return weeks


def check_in_total(meeting: Meeting) -> int:
    return int(CheckIn.objects.filter(meeting=meeting).aggregate(n=Sum("head_count"))["n"] or 0)


def list_check_ins(meeting: Meeting) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(meeting=meeting).order_by("-created_at", "-pk")


# --- the funnel --------------------------------------------------------------------------------------
# Each stage is one small function of the meetings in view, so a new stage is one function and one
# line in WORKER_STAGES / ENTERPRISE_STAGES. Counts come from the records themselves.


def stage_attended(meetings: QuerySet[Meeting]) -> int:
    """The attendance recorded at close; for a meeting not closed yet, the head count checked in."""
    recorded = meetings.filter(attendance__isnull=False).aggregate(n=Sum("attendance"))["n"] or 0
    checked_in = (
        CheckIn.objects.filter(meeting__in=meetings.filter(attendance__isnull=True)).aggregate(
            n=Sum("head_count")
        )["n"]
        or 0
    )
    return int(recorded) + int(checked_in)


def stage_answered(meetings: QuerySet[Meeting]) -> int:
    return Response.objects.filter(meeting__in=meetings).count()


def stage_applications(meetings: QuerySet[Meeting]) -> int:
    return Membership.objects.filter(meeting__in=meetings).count()


APPROVED_STATUSES = (Membership.Status.ACTIVE, Membership.Status.TRANSFERRED_OUT, Membership.Status.ENDED)


def stage_approved(meetings: QuerySet[Meeting]) -> int:
    """Applications made at the meetings that were accepted (still active, or since moved on)."""
    return Membership.objects.filter(meeting__in=meetings, status__in=APPROVED_STATUSES).count()


def stage_cards_issued(meetings: QuerySet[Meeting]) -> int:
    """Service cards handed out to members who joined at the meetings. "Issued" means a card was handed
    over, so every Card row counts once, whatever became of it since (activated, reported lost,
    cancelled); a replacement card is a second card handed out and counts as well."""
    return Card.objects.filter(application__membership__meeting__in=meetings).count()


def stage_enterprises_met(meetings: QuerySet[Meeting]) -> int:
    held = meetings.filter(
        kind=MeetingKind.ENTERPRISE, status__in=[Meeting.Status.HELD, Meeting.Status.CLOSED]
    )
    return Enterprise.objects.filter(meetings_targeted__in=held).distinct().count()


def stage_intents_signed(meetings: QuerySet[Meeting]) -> int:
    return IntentLetter.objects.filter(meeting__in=meetings).values("enterprise").distinct().count()


WORKER_STAGES: list[tuple[str, Promise, Any]] = [
    ("attended", _("Attended"), stage_attended),
    ("answered", _("Questionnaires answered"), stage_answered),
    ("applied", _("Applications"), stage_applications),
    ("approved", _("Approved"), stage_approved),
    ("cards_issued", _("Cards issued"), stage_cards_issued),
]
ENTERPRISE_STAGES: list[tuple[str, Promise, Any]] = [
    ("enterprises_met", _("Enterprises met"), stage_enterprises_met),
    ("intents_signed", _("Letters of intent signed"), stage_intents_signed),
]


@dataclass
class FunnelStage:
    key: str
    label: str
    count: int


@dataclass
class Funnel:
    meetings: int
    people: list[FunnelStage]
    enterprises: list[FunnelStage]


def funnel_of(meetings: QuerySet[Meeting]) -> Funnel:
    meetings = meetings.exclude(status=Meeting.Status.CANCELLED)
    return Funnel(
        meetings=meetings.count(),
        people=[FunnelStage(key, str(label), fn(meetings)) for key, label, fn in WORKER_STAGES],
        enterprises=[FunnelStage(key, str(label), fn(meetings)) for key, label, fn in ENTERPRISE_STAGES],
    )


def meeting_funnel(meeting: Meeting) -> Funnel:
    return funnel_of(Meeting.objects.filter(pk=meeting.pk))


def area_funnel(
    *,
    acting_user: Any,
    unit: OrgUnit | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    kind: str | None = None,
) -> Funnel:
    """Over the meetings in the user's scope, under `unit` (already access-checked), starting in
    [start, end)."""
    return funnel_of(_narrowed(meetings_in_scope(acting_user), unit=unit, start=start, end=end, kind=kind))


# --- questionnaires ----------------------------------------------------------------------------------


def _ancestor_paths(paths: list[str]) -> set[str]:
    """Every prefix path of the given paths ("1/5/12/" -> "1/", "1/5/", "1/5/12/")."""
    found: set[str] = set()
    for path in paths:
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            found.add("/".join(parts[:i]) + "/")
    return found


def questionnaires_in_scope(acting_user: Any) -> QuerySet[Questionnaire]:
    """Owned by a union in the user's subtree, or by one above it (a district's questionnaire is used
    by its streets)."""
    paths = scope_paths(acting_user)
    return Questionnaire.objects.filter(
        path_q(acting_user, "owner__path") | Q(owner__path__in=_ancestor_paths(paths))
    )


def list_questionnaires(*, acting_user: Any) -> QuerySet[Questionnaire]:
    return (
        questionnaires_in_scope(acting_user)
        .select_related("owner")
        .annotate(version_count=Count("versions", distinct=True))
        .order_by("owner__path", "title", "pk")
    )


def current_version(questionnaire: Questionnaire) -> QuestionnaireVersion:
    version = questionnaire.versions.order_by("-number").first()
    assert version is not None  # every questionnaire is created with version 1
    return version


def version_questions(version: QuestionnaireVersion) -> list[Question]:
    return list(version.questions.order_by("position"))


def questionnaire_definition(version: QuestionnaireVersion) -> dict[str, Any]:
    """The questionnaire as JSON for the collector app and the API: answers are sent back keyed by
    the question ids of this version."""
    questions = version_questions(version)
    return {
        "questionnaire_id": version.questionnaire_id,
        "title": version.questionnaire.title,
        "description": version.questionnaire.description,
        "version_id": version.pk,
        "version": version.number,
        "questions": [
            {
                "id": q.pk,
                "position": q.position,
                "kind": q.kind,
                "text": q.text,
                "choices": q.choices,
                "required": q.required,
                "show_if": (
                    {"question_id": q.show_if_question_id, "choice": q.show_if_choice}
                    if q.show_if_question_id
                    else None
                ),
            }
            for q in questions
        ],
    }


def responses_in_scope(acting_user: Any) -> QuerySet[Response]:
    """Responses given at a meeting in the user's area; responses without a meeting by the
    questionnaire owner's area."""
    return Response.objects.filter(
        path_q(acting_user, "meeting__organiser__path")
        | (Q(meeting__isnull=True) & path_q(acting_user, "version__questionnaire__owner__path"))
    )


@dataclass
class QuestionResult:
    question: Question
    answered: int
    counts: list[tuple[str, int]] = field(default_factory=list)
    average: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    texts: list[str] = field(default_factory=list)


@dataclass
class Results:
    version: QuestionnaireVersion
    responses: int
    questions: list[QuestionResult]


def results_for(version: QuestionnaireVersion, responses: QuerySet[Response]) -> Results:
    """Per question of `version`: how many answered, and per choice / rating, or the numbers' spread,
    or the latest texts — over `responses` (already scoped)."""
    responses = responses.filter(version=version)
    answers = Answer.objects.filter(response__in=responses)
    results = []
    for question in version_questions(version):
        mine = answers.filter(question=question)
        result = QuestionResult(question, mine.count())
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            tally: Counter[str] = Counter()
            for chosen in mine.values_list("choices", flat=True):
                tally.update(chosen)
            result.counts = [(choice, tally.get(choice, 0)) for choice in question.choices]
        elif question.kind == QuestionKind.RATING:
            tally_r = Counter(int(n) for n in mine.values_list("number", flat=True) if n is not None)
            result.counts = [(str(score), tally_r.get(score, 0)) for score in range(1, 6)]
            if result.answered:
                result.average = (Decimal(sum(k * v for k, v in tally_r.items())) / result.answered).quantize(
                    Decimal("0.01")
                )
        elif question.kind == QuestionKind.NUMBER:
            numbers = [n for n in mine.values_list("number", flat=True) if n is not None]
            if numbers:
                result.average = (sum(numbers, Decimal(0)) / len(numbers)).quantize(Decimal("0.01"))
                result.minimum, result.maximum = min(numbers), max(numbers)
        else:
            result.texts = list(
                mine.order_by("-response__created_at", "-pk").values_list("text", flat=True)[:50]
            )
        results.append(result)
    return Results(version, responses.count(), results)


def _cell(text: str) -> str:
    """A worker's free text as a spreadsheet shows it, never as a formula (=, +, -, @ start one in Excel)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_rows(
    version: QuestionnaireVersion, responses: QuerySet[Response]
) -> tuple[list[str], list[list[str]]]:
    """A header and one row per response of `version` (already scoped): time, meeting, channel, and the
    answer to every question (choices joined with '；')."""
    questions = version_questions(version)
    header = [
        "response_id",
        "created_at",
        "meeting",
        "channel",
        *[f"Q{q.position} {q.text}" for q in questions],
    ]
    rows = []
    responses = responses.filter(version=version).select_related("meeting").order_by("created_at", "pk")
    by_response: dict[int, dict[int, Answer]] = {}
    for answer in Answer.objects.filter(response__in=responses):
        by_response.setdefault(answer.response_id, {})[answer.question_id] = answer
    for response in responses:
        given = by_response.get(response.pk, {})
        cells = []
        for q in questions:
            a = given.get(q.pk)
            if a is None:
                cells.append("")
            elif q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                cells.append("；".join(a.choices))
            elif q.kind in (QuestionKind.NUMBER, QuestionKind.RATING):
                cells.append(str(a.number.normalize()) if a.number is not None else "")
            else:
                cells.append(_cell(a.text))
        rows.append(
            [
                str(response.pk),
                timezone.localtime(response.created_at).strftime("%Y-%m-%d %H:%M"),
                response.meeting.title if response.meeting else "",
                response.channel,
                *cells,
            ]
        )
    return header, rows


def list_intent_letters(meeting: Meeting) -> QuerySet[IntentLetter]:
    return (
        IntentLetter.objects.filter(meeting=meeting)
        .select_related("enterprise")
        .order_by("signed_date", "pk")
    )


def meeting_join_links(meeting: Meeting) -> QuerySet[Any]:
    return meeting.join_links.filter(is_active=True).select_related("union").order_by("pk")


def unattributed_applications(*, acting_user: Any, meeting: Meeting) -> QuerySet[Membership]:
    """Applications to unions under the organiser, made on the meeting's day (local), attributed to no
    meeting: those a collector's phone or a paper form brought in, for the officer to attribute."""
    tz = timezone.get_current_timezone()
    day = timezone.localtime(meeting.starts_at, tz).date()
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=tz)
    end_day = timezone.localtime(meeting.ends_at, tz).date() + datetime.timedelta(days=1)
    return (
        Membership.objects.filter(
            path_q(acting_user, "union__path"),
            union__path__startswith=meeting.organiser.path,
            meeting__isnull=True,
            applied_at__gte=start,
            applied_at__lt=datetime.datetime.combine(end_day, datetime.time(), tzinfo=tz),
        )
        .select_related("person", "union")
        .order_by("applied_at", "pk")
    )
