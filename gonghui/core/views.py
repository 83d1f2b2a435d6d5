from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gonghui.accounts.scope import held_roles
from gonghui.core.console import staff_required
from gonghui.core.queries import list_audit_events
from gonghui.orgs.queries import get_tree

AUDIT_PAGE_SIZE = 100


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    roots = get_tree(acting_user=request.user)
    return render(request, "core/home.html", {"roles": held_roles(request.user), "roots": roots})


@staff_required
def audit_log(request: HttpRequest) -> HttpResponse:
    event_type = request.GET.get("event_type", "")
    scoped = list_audit_events(acting_user=request.user)
    events = scoped.filter(event_type=event_type) if event_type else scoped
    event_types = scoped.order_by("event_type").values_list("event_type", flat=True).distinct()
    return render(
        request,
        "core/audit_log.html",
        {"events": events[:AUDIT_PAGE_SIZE], "event_type": event_type, "event_types": event_types},
    )
