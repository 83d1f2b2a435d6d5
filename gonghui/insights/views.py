from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gonghui.core.console import staff_required
from gonghui.orgs.queries import get_tree
from gonghui.orgs.scope import held_roles


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    roots = get_tree(acting_user=request.user)
    return render(request, "insights/home.html", {"roles": held_roles(request.user), "roots": roots})
