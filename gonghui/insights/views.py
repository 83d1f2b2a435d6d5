from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gonghui.core.console import staff_required
from gonghui.insights.home import get_home_day
from gonghui.orgs.queries import get_tree


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    day = get_home_day(acting_user=request.user)
    roots = get_tree(acting_user=request.user) if day.has_area else []
    return render(request, "insights/home.html", {"roles": day.roles, "roots": roots, "day": day})
