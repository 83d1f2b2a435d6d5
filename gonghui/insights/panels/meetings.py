"""Meetings: held against Beijing's cadence (a worker meeting weekly per street, a district 沟通日 monthly,
a city meeting every half-year), attendance, the funnel attended → answered → applied → approved → card,
letters of intent signed (definitions in docs/insights.md).

The funnel stages are those of the meetings pages (meetings/queries.py), computed here on `view.db` so
that they can run on the standby; a test keeps the two equal."""

import datetime
from collections.abc import Callable

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.cards.models import Card
from gonghui.enterprises.models import IntentLetter
from gonghui.insights.panels.base import Chart, PanelResult, Stat, Table, TableRow, View, child_table, rate
from gonghui.meetings.models import CheckIn, Meeting, Response
from gonghui.members.models import Membership
from gonghui.orgs.models import OrgUnit

KEY = "meetings"
HELD = (Meeting.Status.HELD, Meeting.Status.CLOSED)
ACCEPTED = (Membership.Status.ACTIVE, Membership.Status.TRANSFERRED_OUT, Membership.Status.ENDED)


def week_of(day: datetime.date) -> tuple[int, int]:
    year, week, _weekday = day.isocalendar()
    return (year, week)


def month_of(day: datetime.date) -> tuple[int, int]:
    return (day.year, day.month)


def half_year_of(day: datetime.date) -> tuple[int, int]:
    return (day.year, (day.month - 1) // 6)


# (organiser kind, its cadence's label, the period a date falls in).
CADENCES = [
    (OrgUnit.Kind.STREET, "weekly", week_of),
    (OrgUnit.Kind.DISTRICT, "monthly", month_of),
    (OrgUnit.Kind.CITY, "half_yearly", half_year_of),
]


def periods_between(start: datetime.date, end: datetime.date, period_of: object) -> int:
    """How many periods (weeks, months, half-years) the dates start..end touch."""
    seen = set()
    day = start
    while day <= end:
        seen.add(period_of(day))  # type: ignore[operator]
        day += datetime.timedelta(days=1)
    return len(seen)


def attended(meetings: QuerySet[Meeting], db: str) -> int:
    """The attendance recorded at close; for a meeting not closed yet, the head count checked in."""
    recorded = meetings.filter(attendance__isnull=False).aggregate(n=Sum("attendance"))["n"] or 0
    checked_in = (
        CheckIn.objects.using(db)
        .filter(meeting__in=meetings.filter(attendance__isnull=True))
        .aggregate(n=Sum("head_count"))["n"]
        or 0
    )
    return int(recorded) + int(checked_in)


def compute(view: View) -> PanelResult:
    db = view.db
    meetings = (
        Meeting.objects.using(db)
        .filter(view.under("organiser__path"), view.in_period("starts_at"))
        .exclude(status=Meeting.Status.CANCELLED)
    )
    held = meetings.filter(status__in=HELD)

    tz = timezone.get_current_timezone()
    held_periods: dict[str, set[tuple[int, tuple[int, int]]]] = {kind: set() for kind, _c, _p in CADENCES}
    period_fns: dict[str, Callable[[datetime.date], tuple[int, int]]] = {
        kind: fn for kind, _c, fn in CADENCES
    }
    for organiser_id, kind, starts_at in held.values_list("organiser_id", "organiser__kind", "starts_at"):
        if kind in period_fns:
            held_periods[kind].add((organiser_id, period_fns[kind](timezone.localtime(starts_at, tz).date())))
    units = OrgUnit.objects.using(db).filter(view.under("path"), status=OrgUnit.Status.ACTIVE)
    cadence_labels = {
        "weekly": _("Streets, weekly"),
        "monthly": _("Districts, monthly communication day"),
        "half_yearly": _("City, half-yearly"),
    }
    cadence_rows: list[TableRow] = []
    covered_total = expected_total = 0
    for kind, cadence, period_of in CADENCES:
        n_units = units.filter(kind=kind).count()
        if not n_units:
            continue
        expected = n_units * periods_between(view.start, view.end, period_of)
        covered = len(held_periods[kind])
        covered_total += covered
        expected_total += expected
        cadence_rows.append(
            TableRow([cadence_labels[cadence], n_units, expected, covered, rate(covered, expected)])
        )

    stages = [
        ("attended", _("Attended"), attended(meetings, db)),
        (
            "answered",
            _("Questionnaires answered"),
            Response.objects.using(db).filter(meeting__in=meetings).count(),
        ),
        ("applied", _("Applications"), Membership.objects.using(db).filter(meeting__in=meetings).count()),
        (
            "approved",
            _("Approved"),
            Membership.objects.using(db).filter(meeting__in=meetings, status__in=ACCEPTED).count(),
        ),
        (
            "cards_issued",
            _("Cards issued"),
            Card.objects.using(db).filter(application__membership__meeting__in=meetings).count(),
        ),
    ]
    intents = IntentLetter.objects.using(db).filter(
        view.under("enterprise__managing_unit__path"), view.in_period_dates("signed_date")
    )

    def by_child(queryset: object, field: str) -> dict[int, int]:
        rows = queryset.values_list(field).annotate(n=Count("pk")).order_by()  # type: ignore[attr-defined]
        return view.child_totals(rows)

    n_held = held.count()
    return PanelResult(
        key=KEY,
        title=_("Communication meetings"),
        stats=[
            Stat("meetings", _("Meetings in the period"), meetings.count()),
            Stat("held", _("Meetings held"), n_held),
            Stat(
                "cadence",
                _("Held against the cadence"),
                rate(covered_total, expected_total),
                note=f"{covered_total} / {expected_total}",
            ),
            *(Stat(key, str(label), count) for key, label, count in stages),
            Stat("intents_signed", _("Letters of intent signed"), intents.count()),
        ],
        tables=[
            child_table(
                view,
                key="by_unit",
                title=_("By union below"),
                columns=[_("Union"), _("Meetings held"), _("Letters of intent signed")],
                values=[
                    by_child(held, "organiser__path"),
                    by_child(intents, "enterprise__managing_unit__path"),
                ],
            ),
            Table(
                key="cadence",
                title=_("Held against the cadence"),
                columns=[
                    _("Cadence"),
                    _("Unions"),
                    _("Meetings due"),
                    _("Periods with a meeting held"),
                    _("Rate"),
                ],
                rows=cadence_rows,
            ),
            Table(
                key="funnel",
                title=_("Funnel"),
                columns=[_("Stage"), _("People")],
                rows=[TableRow([str(label), count]) for _key, label, count in stages],
            ),
        ],
        chart=Chart(
            kind="funnel",
            categories=[],
            series=[{"name": str(label), "value": count} for _key, label, count in stages],
        ),
        note=_(
            "Meetings starting in the period, not cancelled. Cadence: for each street (weekly), district "
            "(monthly) and the city (half-yearly), the periods in which that union itself held at least one "
            "meeting, over the periods due."
        ),
    )
