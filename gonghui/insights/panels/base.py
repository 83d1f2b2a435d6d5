"""What every dashboard panel shares: the view it is computed for, and the shape of its result.

A panel is a module with one function `compute(view) -> PanelResult`, registered in panels/registry.py. It
reads only through `view.db` (the standby when there is one, see core/replicas.py) and only rows under
`view.under(<path field>)`, which is the viewer's scope and the unit being looked at — so a panel cannot
forget the scope, and every number in it is the viewer's subtree.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import path_q

Cell = str | int | float | None


@dataclass(frozen=True)
class View:
    """The viewer, the unit looked at (None: all the viewer's areas), the period [start, end] (dates,
    both included, in local time) and the database alias to read from."""

    acting_user: Any
    unit: OrgUnit | None
    children: list[OrgUnit]
    start: datetime.date
    end: datetime.date
    now: datetime.datetime
    db: str

    def under(self, field: str) -> Q:
        """Rows whose materialised path `field` is in the viewer's scope and under the unit looked at."""
        q = path_q(self.acting_user, field)
        if self.unit is not None:
            q &= Q(**{f"{field}__startswith": self.unit.path})
        return q

    @property
    def start_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.start, datetime.time(), tzinfo=timezone.get_current_timezone())

    @property
    def end_at(self) -> datetime.datetime:
        """The first moment after the period (the end date is included)."""
        day_after = self.end + datetime.timedelta(days=1)
        return datetime.datetime.combine(day_after, datetime.time(), tzinfo=timezone.get_current_timezone())

    def in_period(self, field: str) -> Q:
        """A datetime `field` falling in the period."""
        return Q(**{f"{field}__gte": self.start_at, f"{field}__lt": self.end_at})

    def in_period_dates(self, field: str) -> Q:
        """A date `field` falling in the period."""
        return Q(**{f"{field}__gte": self.start, f"{field}__lte": self.end})

    def child_totals(self, rows: Iterable[tuple[str, int]]) -> dict[int, int]:
        """Sum (path, count) rows into the drill-down children: the child whose path starts the row's.
        Rows not under any child (the unit's own rows) are left out, as the unit is not a child."""
        by_path = {child.path: child.pk for child in self.children}
        totals: dict[int, int] = {child.pk: 0 for child in self.children}
        for path, count in rows:
            parts = path.split("/")
            for n in range(1, len(parts)):
                child_id = by_path.get("/".join(parts[:n]) + "/")
                if child_id is not None:
                    totals[child_id] += count
                    break
        return totals


@dataclass
class Stat:
    key: str
    label: str
    value: Cell
    # A short line under the number (a rate's parts, an age's meaning).
    note: str = ""


@dataclass
class TableRow:
    cells: list[Cell]
    # The union this row is about: the page links its first cell to the dashboard of that union.
    unit_id: int | None = None


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[TableRow] = field(default_factory=list)


@dataclass
class Chart:
    """Data for one ECharts chart (insights-charts.js draws it): kind "bar" (stacked when several
    series), "line" or "funnel"."""

    kind: str
    categories: list[str]
    series: list[dict[str, Any]]


@dataclass
class PanelResult:
    key: str
    title: str
    stats: list[Stat]
    tables: list[Table]
    chart: Chart | None = None
    # What the numbers mean, shown under the panel (docs/insights.md has the full definitions).
    note: str = ""

    def stat(self, key: str) -> Cell:
        return next(s.value for s in self.stats if s.key == key)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def child_table(
    view: View, *, key: str, title: str, columns: list[str], values: Sequence[Mapping[int, Cell]]
) -> Table:
    """The drill-down table: one row per child unit, its name first, then one column per dict."""
    rows = [
        TableRow([child.name, *(v.get(child.pk, 0) for v in values)], unit_id=child.pk)
        for child in view.children
    ]
    return Table(key=key, title=title, columns=columns, rows=rows)


def rate(part: int, whole: int) -> str:
    """A percentage with one decimal, or "—" when there is nothing to divide by."""
    return f"{100 * part / whole:.1f}%" if whole else "—"
