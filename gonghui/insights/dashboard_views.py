"""The leaders' dashboards: every panel for the viewer's subtree, drilled down by union, over a period;
one panel as .xlsx; the same panels full-screen for the big screen (大屏). Reads only."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from gonghui.core.access import parse_id
from gonghui.core.console import staff_required
from gonghui.core.errors import NotFound
from gonghui.insights import queries
from gonghui.insights.dashboard_forms import DashboardFilterForm
from gonghui.insights.exports import panel_workbook
from gonghui.insights.panels.registry import PANELS
from gonghui.orgs.access import access_org_unit
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import scope_paths

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit(request: HttpRequest) -> OrgUnit | None:
    """The unit asked for (404 unless in the viewer's subtree), else the top of the viewer's area. A login
    without any area (a bank operator) has no dashboard."""
    if not scope_paths(request.user):
        raise NotFound()
    if "unit" in request.GET:
        return access_org_unit(request.user, parse_id(request.GET["unit"]))
    return queries.default_unit(acting_user=request.user)


def _dashboard(request: HttpRequest, template: str) -> HttpResponse:
    unit = _unit(request)
    now = timezone.now()
    form = DashboardFilterForm(request.GET or None, today=timezone.localdate(now))
    start, end = form.period()
    dashboard = queries.get_dashboard(acting_user=request.user, unit=unit, start=start, end=end, now=now)
    charts = [
        {"key": p.key, "kind": p.chart.kind, "categories": p.chart.categories, "series": p.chart.series}
        for p in dashboard.panels
        if p.chart is not None
    ]
    return render(
        request, template, {"form": form, "dashboard": dashboard, "view": dashboard.view, "charts": charts}
    )


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "insights/dashboard.html")


@staff_required
def dashboard_screen(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, "insights/dashboard_screen.html")


@staff_required
def panel_export(request: HttpRequest, key: str) -> HttpResponse:
    if key not in PANELS:
        raise Http404
    unit = _unit(request)
    now = timezone.now()
    start, end = DashboardFilterForm(request.GET or None, today=timezone.localdate(now)).period()
    view, panel = queries.get_panel(
        acting_user=request.user, key=key, unit=unit, start=start, end=end, now=now
    )
    name = f"{panel.title}-{view.unit.name if view.unit else ''}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    response = HttpResponse(panel_workbook(view, panel), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
