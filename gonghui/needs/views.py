"""Console pages of the 朋友圈. Officers: the board (open / claimed / scheduled / delivered / overdue /
closed), posting a need (possible duplicates shown first), a need's timeline with close / confirm /
reopen, committees and their member units. Member units, on a phone: "needs for us", and on a need:
claim, send back, schedule, record people served, close."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from gonghui.core.access import parse_id
from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError, NotFound
from gonghui.core.event_labels import EVENT_LABELS
from gonghui.needs import actions, queries
from gonghui.needs.access import (
    access_committee,
    access_need,
    access_need_for_partner,
    access_partner_unit,
    access_service_event,
)
from gonghui.needs.forms import (
    ClaimForm,
    CloseForm,
    ConfirmForm,
    NeedForm,
    PartnerStaffForm,
    PartnerUnitForm,
    ReasonForm,
    ScheduleForm,
    ServedForm,
)
from gonghui.needs.models import Claim, Need, PartnerUnit, WorkType
from gonghui.orgs.scope import rank_at

PAGE_SIZE = 50
TABS = [
    ("", gettext_lazy("Not closed")),
    ("OVERDUE", gettext_lazy("Overdue")),
    ("OPEN", Need.Status.OPEN.label),
    ("CLAIMED", Need.Status.CLAIMED.label),
    ("SCHEDULED", Need.Status.SCHEDULED.label),
    ("DELIVERED", Need.Status.DELIVERED.label),
    ("CLOSED", Need.Status.CLOSED.label),
]
PARTNER_TABS = [
    ("", gettext_lazy("To claim")),
    ("mine", gettext_lazy("Ours")),
    ("closed", pgettext_lazy("need status", "Closed")),
]


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ---- the officer's board -----------------------------------------------------------------------------


@staff_required
def board(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "")
    tab = tab if tab in queries.BOARD_TABS else ""
    committee_id = parse_id(request.GET.get("committee"))
    committee = access_committee(request.user, committee_id) if committee_id else None
    work_type_id = parse_id(request.GET.get("work_type"))
    work_type = WorkType.objects.filter(pk=work_type_id).first() if work_type_id else None
    now = timezone.now()
    needs = queries.list_board(
        acting_user=request.user, tab=tab, committee=committee, work_type=work_type, now=now
    )
    page = _page(request, needs)
    counts = queries.board_counts(acting_user=request.user, committee=committee, now=now)
    return render(
        request,
        "needs/board.html",
        {
            "page": page,
            "total": page.paginator.count,
            "tab": tab,
            "tabs": [(value, label, counts.get(value) if value else None) for value, label in TABS],
            "committee": committee,
            "committees": queries.list_committees(acting_user=request.user),
            "work_type": work_type,
            "work_types": queries.active_work_types(),
            "now": now,
            "query": _query_without_page(request),
            "can_post": queries.committees_to_manage(request.user).exists(),
        },
    )


@staff_required
def need_create(request: HttpRequest) -> HttpResponse:
    form = NeedForm(request.POST or None, acting_user=request.user)
    duplicates: list[Need] = []
    if request.method == "POST" and form.is_valid():
        data = form.to_data()
        duplicates = list(
            queries.possible_duplicates(
                acting_user=request.user,
                committee=data.committee,
                worksite=data.worksite,
                enterprise=data.enterprise,
                work_type=data.work_type,
            )[:10]
        )
        if not duplicates or form.cleaned_data["confirm_duplicate"]:
            try:
                need = actions.do_post_need(acting_user=request.user, data=data)
            except DomainError as error:
                apply_error(form, error)
            else:
                messages.success(
                    request, gettext("Posted to the committee's circle; its member units are told.")
                )
                return redirect("needs:detail", need_id=need.pk)
    return render(request, "needs/need_form.html", {"form": form, "duplicates": duplicates})


def timeline_rows(detail: queries.NeedDetail) -> list[dict[str, Any]]:
    """The need's audit events as the page shows them: when, what (in Chinese), who, and the reason,
    head count or score the event carried. An event without an acting user came from a worker's or
    site contact's own phone."""
    closures = dict(Need.Closure.choices)
    rows = []
    for event in detail.timeline:
        d = event.details or {}
        notes = []
        if d.get("closure"):
            notes.append(str(closures.get(d["closure"], "")))
        if d.get("reason"):
            notes.append(str(d["reason"]))
        if d.get("head_count"):
            notes.append(gettext("%(n)s people served") % {"n": d["head_count"]})
        if d.get("satisfaction"):
            notes.append(gettext("satisfaction %(n)s/5") % {"n": d["satisfaction"]})
        units = {c.unit_id: c.unit.name for c in detail.claims}
        if d.get("partner_unit_id") in units:
            notes.insert(0, units[d["partner_unit_id"]])
        actor = event.actor.display_name or event.actor.username if event.actor else gettext("Own phone")
        rows.append(
            {
                "at": event.created_at,
                "label": EVENT_LABELS.get(event.event_type, event.event_type),
                "actor": actor,
                "notes": "；".join(n for n in notes if n),
            }
        )
    return rows


@staff_required
def need_detail(request: HttpRequest, need_id: int) -> HttpResponse:
    need = access_need(request.user, need_id)
    detail = queries.need_detail(need)
    is_requester = need.raised_by_id == request.user.pk
    return render(
        request,
        "needs/need_detail.html",
        {
            "detail": detail,
            "need": need,
            "timeline": timeline_rows(detail),
            "now": timezone.now(),
            "can_close": rank_at(request.user, need.committee.union) >= actions.RANK_MANAGE_NEEDS
            and need.status != Need.Status.CLOSED,
            "can_answer": is_requester and need.status == Need.Status.CLOSED and need.confirmed_at is None,
            "close_form": CloseForm(),
            "confirm_form": ConfirmForm(),
            "reopen_form": ReasonForm(),
        },
    )


def _after(request: HttpRequest, call: Any, done: str, back: str, **kwargs: Any) -> HttpResponse:
    """Run one action from a small POST form; a domain error comes back as a message on the page."""
    try:
        call()
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(back, **kwargs)


@staff_required
@require_POST
def need_close(request: HttpRequest, need_id: int) -> HttpResponse:
    need = access_need(request.user, need_id)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, gettext("Choose how the need is closed: resolved, closed unresolved or not ours.")
        )
        return redirect("needs:detail", need_id=need.pk)
    return _after(
        request,
        lambda: actions.do_close_need(
            acting_user=request.user,
            need=need,
            closure=form.cleaned_data["closure"],
            reason=form.cleaned_data["reason"],
        ),
        gettext("Closed."),
        "needs:detail",
        need_id=need.pk,
    )


@staff_required
@require_POST
def need_confirm(request: HttpRequest, need_id: int) -> HttpResponse:
    need = access_need(request.user, need_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("The satisfaction score is a whole number from 1 to 5."))
        return redirect("needs:detail", need_id=need.pk)
    return _after(
        request,
        lambda: actions.do_confirm_need(
            acting_user=request.user, need=need, satisfaction=form.cleaned_data["satisfaction"]
        ),
        gettext("Thank you: the closure is confirmed."),
        "needs:detail",
        need_id=need.pk,
    )


@staff_required
@require_POST
def need_reopen(request: HttpRequest, need_id: int) -> HttpResponse:
    need = access_need(request.user, need_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give the reason."))
        return redirect("needs:detail", need_id=need.pk)
    return _after(
        request,
        lambda: actions.do_reopen_need(
            acting_user=request.user, need=need, reason=form.cleaned_data["reason"]
        ),
        gettext("Reopened: the units on it are asked again."),
        "needs:detail",
        need_id=need.pk,
    )


# ---- committees and member units ---------------------------------------------------------------------


@staff_required
def committee_list(request: HttpRequest) -> HttpResponse:
    committees = queries.list_committees(acting_user=request.user)
    page = _page(request, committees)
    return render(request, "needs/committee_list.html", {"page": page, "total": page.paginator.count})


@staff_required
def committee_detail(request: HttpRequest, committee_id: int) -> HttpResponse:
    committee = access_committee(request.user, committee_id)
    can_manage = rank_at(request.user, committee.union) >= actions.RANK_MANAGE_NEEDS
    form = PartnerUnitForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise NotFound()
        if form.is_valid():
            try:
                actions.do_add_partner_unit(
                    acting_user=request.user, committee=committee, data=form.to_data()
                )
            except DomainError as error:
                apply_error(form, error)
            else:
                messages.success(request, gettext("Member unit added."))
                return redirect("needs:committee", committee_id=committee.pk)
    units = committee.members.prefetch_related("work_types", "staff__user").order_by("name", "pk")
    return render(
        request,
        "needs/committee_detail.html",
        {"committee": committee, "units": units, "form": form, "can_manage": can_manage},
    )


@staff_required
def partner_staff_create(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = access_partner_unit(request.user, unit_id)
    form = PartnerStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            actions.do_add_partner_staff(
                acting_user=request.user,
                unit=unit,
                username=c["username"],
                display_name=c["display_name"],
                password=c["password"],
                is_unit_admin=c["is_unit_admin"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, gettext("Login created: hand the name and first password to the unit."))
            committee = unit.committees.order_by("pk").first()
            if committee is not None:
                return redirect("needs:committee", committee_id=committee.pk)
            return redirect("needs:committees")
    return render(request, "needs/partner_staff_form.html", {"unit": unit, "form": form})


# ---- the member unit's phone pages -------------------------------------------------------------------


def _my_unit(request: HttpRequest) -> PartnerUnit:
    unit = queries.partner_unit_of(request.user)
    if unit is None:
        raise NotFound()
    return unit


@staff_required
def unit_home(request: HttpRequest) -> HttpResponse:
    unit = _my_unit(request)
    tab = request.GET.get("tab", "")
    tab = tab if tab in ("mine", "closed") else ""
    page = _page(request, queries.list_needs_for_partner(acting_user=request.user, tab=tab))
    return render(
        request,
        "needs/unit_home.html",
        {
            "unit": unit,
            "page": page,
            "total": page.paginator.count,
            "tab": tab,
            "tabs": PARTNER_TABS,
            "now": timezone.now(),
            "query": _query_without_page(request),
        },
    )


@staff_required
def unit_need(request: HttpRequest, need_id: int) -> HttpResponse:
    unit = _my_unit(request)
    need = access_need_for_partner(request.user, need_id)
    detail = queries.need_detail(need)
    mine = [c for c in detail.claims if c.unit_id == unit.pk and c.status == Claim.Status.ACTIVE]
    my_events = [e for e in detail.events if any(p.pk == unit.pk for p in e.providers.all())]
    return render(
        request,
        "needs/unit_need.html",
        {
            "unit": unit,
            "need": need,
            "detail": detail,
            "timeline": timeline_rows(detail),
            "claimed": bool(mine),
            "my_events": my_events,
            "now": timezone.now(),
            "claim_form": ClaimForm(unit=unit, need=need),
            "reason_form": ReasonForm(),
            "schedule_form": ScheduleForm(initial={"place": need.place_name}),
            "served_form": ServedForm(),
            "close_form": CloseForm(),
        },
    )


@staff_required
@require_POST
def unit_claim(request: HttpRequest, need_id: int) -> HttpResponse:
    unit = _my_unit(request)
    need = access_need_for_partner(request.user, need_id)
    form = ClaimForm(request.POST, unit=unit, need=need)
    if not form.is_valid():
        messages.error(request, gettext("Choose at least one work type your unit offers."))
        return redirect("needs:unit_need", need_id=need.pk)
    return _after(
        request,
        lambda: actions.do_claim_need(
            acting_user=request.user, need=need, work_types=list(form.cleaned_data["work_types"])
        ),
        gettext("Claimed: schedule the service next."),
        "needs:unit_need",
        need_id=need.pk,
    )


@staff_required
@require_POST
def unit_send_back(request: HttpRequest, need_id: int) -> HttpResponse:
    _my_unit(request)
    need = access_need_for_partner(request.user, need_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give the reason."))
        return redirect("needs:unit_need", need_id=need.pk)
    return _after(
        request,
        lambda: actions.do_send_back_need(
            acting_user=request.user, need=need, reason=form.cleaned_data["reason"]
        ),
        gettext("Sent back, with your reason."),
        "needs:unit_home",
    )


@staff_required
@require_POST
def unit_schedule(request: HttpRequest, need_id: int) -> HttpResponse:
    _my_unit(request)
    need = access_need_for_partner(request.user, need_id)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give the date and time of the service, with its time zone."))
        return redirect("needs:unit_need", need_id=need.pk)
    c = form.cleaned_data
    return _after(
        request,
        lambda: actions.do_schedule_service(
            acting_user=request.user,
            need=need,
            starts_at=c["starts_at"],
            place=c["place"],
            brought=c["brought"],
        ),
        gettext("Scheduled."),
        "needs:unit_need",
        need_id=need.pk,
    )


@staff_required
@require_POST
def unit_served(request: HttpRequest, event_id: int) -> HttpResponse:
    _my_unit(request)
    event = access_service_event(request.user, event_id)
    form = ServedForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("The number of people served is a whole number from 1 to 5000."))
        return redirect("needs:unit_need", need_id=event.need_id)
    return _after(
        request,
        lambda: actions.do_record_served(
            acting_user=request.user, event=event, head_count=form.cleaned_data["head_count"]
        ),
        gettext("People served recorded."),
        "needs:unit_need",
        need_id=event.need_id,
    )


@staff_required
@require_POST
def unit_close(request: HttpRequest, need_id: int) -> HttpResponse:
    _my_unit(request)
    need = access_need_for_partner(request.user, need_id)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, gettext("Choose how the need is closed: resolved, closed unresolved or not ours.")
        )
        return redirect("needs:unit_need", need_id=need.pk)
    return _after(
        request,
        lambda: actions.do_close_need(
            acting_user=request.user,
            need=need,
            closure=form.cleaned_data["closure"],
            reason=form.cleaned_data["reason"],
        ),
        gettext("Closed: the requester is asked to confirm."),
        "needs:unit_need",
        need_id=need.pk,
    )
