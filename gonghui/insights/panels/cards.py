"""Service cards: applied, issued, activated in the period, median minutes per card at each bank branch,
applications waiting now (definitions in docs/insights.md)."""

import statistics
from collections import defaultdict

from django.db.models import Count
from django.utils.translation import gettext as _

from gonghui.cards.models import BankBranch, Card, CardApplication
from gonghui.insights.panels.base import Chart, PanelResult, Stat, Table, TableRow, View, child_table

KEY = "cards"
WAITING = (
    CardApplication.Status.SUBMITTED,
    CardApplication.Status.ROUTED,
    CardApplication.Status.CALLED,
    CardApplication.Status.ID_VERIFIED,
    CardApplication.Status.AUTHORISED,
)


def compute(view: View) -> PanelResult:
    applications = CardApplication.objects.using(view.db).filter(view.under("union__path"))
    applied = applications.filter(view.in_period("submitted_at"))
    waiting = applications.filter(status__in=WAITING)
    cards = Card.objects.using(view.db).filter(view.under("application__union__path"))
    issued = cards.filter(view.in_period("issued_at"))
    activated = cards.filter(view.in_period("activated_at"))

    # Minutes on the pad per card: from calling the worker up to handing the card over.
    minutes: dict[int, list[float]] = defaultdict(list)
    for branch_id, called_at, completed_at in applications.filter(
        view.in_period("completed_at"), called_at__isnull=False, branch__isnull=False
    ).values_list("branch_id", "called_at", "completed_at"):
        if called_at is not None and completed_at is not None:  # filtered so; the types do not know
            minutes[branch_id].append((completed_at - called_at).total_seconds() / 60)
    branches = {
        b.pk: b for b in BankBranch.objects.using(view.db).filter(pk__in=list(minutes)).order_by("code")
    }
    branch_rows = [
        TableRow([f"{b.bank_name} {b.name}", len(minutes[pk]), round(statistics.median(minutes[pk]), 1)])
        for pk, b in branches.items()
    ]
    all_minutes = [m for values in minutes.values() for m in values]

    def by_child(queryset: object, field: str) -> dict[int, int]:
        rows = queryset.values_list(field).annotate(n=Count("pk")).order_by()  # type: ignore[attr-defined]
        return view.child_totals(rows)

    n_applied, n_issued, n_activated = applied.count(), issued.count(), activated.count()
    return PanelResult(
        key=KEY,
        title=_("Service cards"),
        stats=[
            Stat("applied", _("Applied for in the period"), n_applied),
            Stat("issued", _("Issued in the period"), n_issued),
            Stat("activated", _("Activated in the period"), n_activated),
            Stat(
                "median_minutes",
                _("Median minutes per card"),
                round(statistics.median(all_minutes), 1) if all_minutes else "—",
                note=_("from calling the worker up to handing the card over"),
            ),
            Stat("waiting", _("Applications waiting"), waiting.count()),
        ],
        tables=[
            child_table(
                view,
                key="by_unit",
                title=_("By union below"),
                columns=[_("Union"), _("Applied for"), _("Issued"), _("Applications waiting")],
                values=[
                    by_child(applied, "union__path"),
                    by_child(issued, "application__union__path"),
                    by_child(waiting, "union__path"),
                ],
            ),
            Table(
                key="by_branch",
                title=_("Minutes per card by bank branch"),
                columns=[_("Bank branch"), _("Cards handed over"), _("Median minutes per card")],
                rows=branch_rows,
            ),
        ],
        chart=Chart(
            kind="bar",
            categories=[_("Applied for"), _("Issued"), _("Activated")],
            series=[{"name": _("Service cards"), "data": [n_applied, n_issued, n_activated]}],
        ),
        note=_(
            "Applied, issued and activated: events in the period, by the union of the application. Waiting: "
            "applications not yet issued, rejected or cancelled, now."
        ),
    )
