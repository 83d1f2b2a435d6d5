"""Reads for the leaders' dashboards, always scoped to the acting user, on the standby when there is one.

The unit looked at has been access-checked by the caller (orgs.access.access_org_unit); on top of that,
every panel filters by the viewer's scope itself (View.under), so a unit outside it could show nothing.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from gonghui.core.replicas import ReadSource, read_source
from gonghui.insights.panels.base import PanelResult, View
from gonghui.insights.panels.registry import PANELS
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.queries import list_ancestors, list_children, units_in_scope
from gonghui.orgs.scope import scope_paths


@dataclass
class Dashboard:
    view: View
    panels: list[PanelResult]
    # Ancestors of the unit looked at that the viewer may see, top first (the breadcrumb).
    breadcrumb: list[OrgUnit]
    source: ReadSource


def default_unit(*, acting_user: Any) -> OrgUnit | None:
    """The one unit at the top of the viewer's area, or None when they hold roles in separate subtrees
    (then the dashboard shows all of them, each as a row to drill into)."""
    paths = scope_paths(acting_user)
    if len(paths) != 1:
        return None
    return units_in_scope(acting_user).filter(path=paths[0]).first()


def _view(
    *,
    acting_user: Any,
    unit: OrgUnit | None,
    start: datetime.date,
    end: datetime.date,
    now: datetime.datetime,
) -> tuple[View, ReadSource]:
    source = read_source(acting_user)
    if unit is not None:
        children = list(
            list_children(acting_user=acting_user, unit=unit).filter(status=OrgUnit.Status.ACTIVE)
        )
    else:
        tops = scope_paths(acting_user)
        children = list(units_in_scope(acting_user).filter(path__in=tops).order_by("path"))
    view = View(
        acting_user=acting_user, unit=unit, children=children, start=start, end=end, now=now, db=source.alias
    )
    return view, source


def get_dashboard(
    *,
    acting_user: Any,
    unit: OrgUnit | None,
    start: datetime.date,
    end: datetime.date,
    now: datetime.datetime,
) -> Dashboard:
    view, source = _view(acting_user=acting_user, unit=unit, start=start, end=end, now=now)
    breadcrumb = list(list_ancestors(acting_user=acting_user, unit=unit)) if unit is not None else []
    return Dashboard(
        view=view,
        panels=[compute(view) for compute in PANELS.values()],
        breadcrumb=breadcrumb,
        source=source,
    )


def get_panel(
    *,
    acting_user: Any,
    key: str,
    unit: OrgUnit | None,
    start: datetime.date,
    end: datetime.date,
    now: datetime.datetime,
) -> tuple[View, PanelResult]:
    """One panel (for its export); `key` must be one of PANELS (the URL only routes those)."""
    view, _source = _view(acting_user=acting_user, unit=unit, start=start, end=end, now=now)
    return view, PANELS[key](view)
