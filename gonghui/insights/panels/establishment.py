"""建会: enterprises with 100 or more employees, how many have a union, the 建会率, letters of intent from
those without one, and unions set up in the period — from the enterprise register and the union tree
until the establishment cases land (definitions in docs/insights.md)."""

from django.db.models import Count
from django.utils.translation import gettext as _

from gonghui.enterprises.models import Enterprise, IntentLetter
from gonghui.insights.panels.base import Chart, PanelResult, Stat, View, child_table, rate
from gonghui.orgs.models import OrgUnit

KEY = "establishment"
# Beijing's coverage target: enterprises of 100+ employees should have a union.
LARGE_ENTERPRISE = 100


def compute(view: View) -> PanelResult:
    enterprises = Enterprise.objects.using(view.db).filter(view.under("managing_unit__path"))
    large = enterprises.filter(employee_count__gte=LARGE_ENTERPRISE)
    large_with_union = large.filter(union__isnull=False)
    # In the pipeline: no union yet, but a letter of intent signed (at any time).
    large_with_intent = large.filter(
        union__isnull=True,
        pk__in=IntentLetter.objects.using(view.db).values("enterprise_id"),
    )
    new_unions = OrgUnit.objects.using(view.db).filter(
        view.under("path"),
        view.in_period("created_at"),
        kind__in=[OrgUnit.Kind.GRASSROOTS, OrgUnit.Kind.JOINT],
    )

    def by_child(queryset: object, field: str) -> dict[int, int]:
        rows = queryset.values_list(field).annotate(n=Count("pk")).order_by()  # type: ignore[attr-defined]
        return view.child_totals(rows)

    n_large, n_with = large.count(), large_with_union.count()
    large_by = by_child(large, "managing_unit__path")
    with_by = by_child(large_with_union, "managing_unit__path")
    rate_by = {pk: rate(with_by.get(pk, 0), n) for pk, n in large_by.items()}
    n_intent = large_with_intent.count()
    return PanelResult(
        key=KEY,
        title=_("Union establishment"),
        stats=[
            Stat("enterprises", _("Enterprises"), enterprises.count()),
            Stat("large", _("Enterprises with 100+ employees"), n_large),
            Stat("large_with_union", _("of which with a union"), n_with),
            Stat("coverage", _("Establishment rate"), rate(n_with, n_large), note=f"{n_with} / {n_large}"),
            Stat("large_with_intent", _("Without a union, letter of intent signed"), n_intent),
            Stat("new_unions", _("Unions set up in the period"), new_unions.count()),
        ],
        tables=[
            child_table(
                view,
                key="by_unit",
                title=_("By union below"),
                columns=[
                    _("Union"),
                    _("Enterprises with 100+ employees"),
                    _("of which with a union"),
                    _("Establishment rate"),
                    _("Unions set up in the period"),
                ],
                values=[large_by, with_by, rate_by, by_child(new_unions, "path")],
            )
        ],
        chart=Chart(
            kind="funnel",
            categories=[],
            series=[
                {"name": _("Enterprises with 100+ employees"), "value": n_large},
                {"name": _("Letter of intent or union"), "value": n_with + n_intent},
                {"name": _("With a union"), "value": n_with},
            ],
        ),
        note=_(
            "Enterprises by the union that manages them; the establishment rate is enterprises with 100 or "
            "more employees that have a union, over all of them. Counts are as of now, except unions set up "
            "in the period."
        ),
    )
