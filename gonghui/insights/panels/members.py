"""Members: active total, new members per month by channel, transfers in and out, pending review and
its age (definitions in docs/insights.md)."""

import datetime
from collections import Counter

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.insights.panels.base import Chart, PanelResult, Stat, Table, TableRow, View, child_table
from gonghui.members.models import Channel, Membership, Transfer

KEY = "members"
# Accepted at some time: still active, or since moved on (the meetings funnel counts "approved" alike).
ACCEPTED = (Membership.Status.ACTIVE, Membership.Status.TRANSFERRED_OUT, Membership.Status.ENDED)
# Pending review, by days waiting: (label, fewest days, most days or None).
AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("0–3", 0, 3),
    ("4–7", 4, 7),
    ("8–30", 8, 30),
    ("30+", 31, None),
]


def months_of(start: datetime.date, end: datetime.date) -> list[str]:
    months: list[str] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def compute(view: View) -> PanelResult:
    memberships = Membership.objects.using(view.db).filter(view.under("union__path"))
    active = memberships.filter(status=Membership.Status.ACTIVE)
    # New: accepted with a join date in the period; a membership that arrived by transfer is the same
    # member moving, not a new one.
    new = memberships.filter(
        view.in_period_dates("joined_date"), status__in=ACCEPTED, transfer_in__isnull=True
    )
    pending = memberships.filter(status=Membership.Status.PENDING)

    months = months_of(view.start, view.end)
    per_month: Counter[tuple[str, str]] = Counter()
    for joined, channel, n in new.values_list("joined_date", "channel").annotate(n=Count("pk")).order_by():
        per_month[(f"{joined.year}-{joined.month:02d}", channel)] += n
    series = [
        {"name": str(label), "data": [per_month[(month, value)] for month in months]}
        for value, label in Channel.choices
    ]

    today = timezone.localdate(view.now)
    ages = [(today - timezone.localdate(at)).days for at in pending.values_list("applied_at", flat=True)]
    band_counts = [
        sum(1 for age in ages if low <= age and (high is None or age <= high))
        for _label, low, high in AGE_BANDS
    ]

    transfers = Transfer.objects.using(view.db).filter(
        view.in_period("decided_at"), status=Transfer.Status.APPROVED
    )
    to_here = view.under("to_membership__union__path")
    from_here = view.under("from_membership__union__path")
    transfers_in = transfers.filter(to_here).exclude(from_here).count()
    transfers_out = transfers.filter(from_here).exclude(to_here).count()
    transfers_within = transfers.filter(to_here & from_here).count()

    def by_child(queryset: object) -> dict[int, int]:
        rows = queryset.values_list("union__path").annotate(n=Count("pk")).order_by()  # type: ignore[attr-defined]
        return view.child_totals(rows)

    channel_table = Table(
        key="new_by_channel",
        title=_("New members by channel"),
        columns=[_("Month"), *(str(label) for _value, label in Channel.choices), _("Total")],
        rows=[
            TableRow(
                [
                    month,
                    *(per_month[(month, v)] for v in Channel.values),
                    sum(per_month[(month, v)] for v in Channel.values),
                ]
            )
            for month in months
        ],
    )
    age_table = Table(
        key="pending_age",
        title=_("Pending review by days waiting"),
        columns=[_("Days waiting"), _("Applications")],
        rows=[TableRow([label, n]) for (label, _low, _high), n in zip(AGE_BANDS, band_counts, strict=True)],
    )
    return PanelResult(
        key=KEY,
        title=_("Members"),
        stats=[
            Stat("active", _("Active members"), active.count()),
            Stat("new", _("New members in the period"), sum(per_month.values())),
            Stat("transfers_in", _("Transferred in"), transfers_in),
            Stat("transfers_out", _("Transferred out"), transfers_out),
            Stat("transfers_within", _("Transfers within"), transfers_within),
            Stat("pending", _("Awaiting review"), len(ages)),
            Stat(
                "pending_oldest_days",
                _("Longest wait (days)"),
                max(ages, default=0),
                note=_("days since the oldest application awaiting review"),
            ),
        ],
        tables=[
            child_table(
                view,
                key="by_unit",
                title=_("By union below"),
                columns=[_("Union"), _("Active members"), _("New in the period"), _("Awaiting review")],
                values=[by_child(active), by_child(new), by_child(pending)],
            ),
            channel_table,
            age_table,
        ],
        chart=Chart(kind="bar", categories=months, series=series),
        note=_(
            "New: memberships accepted with a join date in the period, not counting moves by transfer. "
            "Active and awaiting review: now, whatever the period."
        ),
    )
