"""Console pages of the 朋友圈. Officers: the board (open / claimed / scheduled / delivered / overdue /
closed), posting a need (possible duplicates shown first), a need's timeline with close / confirm /
reopen, committees and their member units. Member units, on a phone: "needs for us", and on a need:
claim, send back, schedule, record people served, close."""

import datetime
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from gonghui.core.access import get_in_scope, parse_id
from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError, NotFound
from gonghui.core.event_labels import EVENT_LABELS
from gonghui.core.text import TextKind, clean_text
from gonghui.core.uploads import private_file_response
from gonghui.meetings.access import access_meeting
from gonghui.meetings.models import FollowUp, Meeting, Response
from gonghui.needs import actions, queries
from gonghui.needs.access import (
    access_committee,
    access_need,
    access_need_for_partner,
    access_partner_unit,
    access_service_event,
    access_service_photo,
)
from gonghui.needs.forms import (
    AnswerForm,
    ClaimForm,
    CloseForm,
    ConfirmForm,
    NeedForm,
    PartnerStaffForm,
    PartnerUnitForm,
    QuestionForm,
    ReasonForm,
    ScheduleForm,
    ServedForm,
)
from gonghui.needs.models import Claim, Need, PartnerUnit, WorkType
from gonghui.orgs.scope import rank_at

PAGE_SIZE = 50


@dataclass
class MeetingLinks:
    meeting: Meeting | None = None
    response: Response | None = None
    follow_up: FollowUp | None = None
    choice: str = ""


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


def _meeting_links(request: HttpRequest, params: Any) -> MeetingLinks:
    """The meeting, answer, follow-up and choice a "post as a need" link carries, each checked: a
    meeting outside the user's area, or an answer of another meeting, is not found."""
    meeting_id = parse_id(params.get("meeting"))
    if meeting_id is None:
        return MeetingLinks()
    meeting = access_meeting(request.user, meeting_id)
    response_id = parse_id(params.get("response"))
    follow_up_id = parse_id(params.get("follow_up"))
    try:
        choice = clean_text(str(params.get("meeting_choice", ""))[:100], TextKind.LABEL)
    except DomainError:
        choice = ""
    return MeetingLinks(
        meeting=meeting,
        response=get_in_scope(Response.objects.filter(meeting=meeting), response_id) if response_id else None,
        follow_up=get_in_scope(FollowUp.objects.filter(meeting=meeting), follow_up_id)
        if follow_up_id
        else None,
        choice=choice,
    )


def _initial_from_meeting(links: MeetingLinks, people: Any) -> dict[str, Any]:
    meeting = links.meeting
    if meeting is None:
        return {}
    if links.follow_up is not None:
        heard = links.follow_up.text
    elif links.response is not None:
        heard = " ".join(a.text for a in links.response.answers.exclude(text="").order_by("pk"))
    else:
        heard = links.choice
    try:
        count = max(1, min(int(people), 100_000))
    except (TypeError, ValueError):
        count = 1
    work_type = queries.guess_work_type(heard)
    return {
        "meeting": meeting.pk,
        "response": links.response.pk if links.response else None,
        "follow_up": links.follow_up.pk if links.follow_up else None,
        "meeting_choice": links.choice,
        "title": heard[:100],
        "description": gettext("Heard at %(meeting)s: %(text)s") % {"meeting": meeting.title, "text": heard},
        "people_count": count,
        "worksite": meeting.worksite_id,
        "enterprise": meeting.enterprise_id,
        "work_type": work_type.pk if work_type else None,
    }


@staff_required
def need_create(request: HttpRequest) -> HttpResponse:
    links = _meeting_links(request, request.POST if request.method == "POST" else request.GET)
    form = NeedForm(
        request.POST or None,
        acting_user=request.user,
        initial=_initial_from_meeting(links, request.GET.get("people")),
    )
    duplicates: list[Need] = []
    if request.method == "POST" and form.is_valid():
        data = form.to_data()
        data.meeting, data.response, data.follow_up = links.meeting, links.response, links.follow_up
        data.meeting_choice = links.choice
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
    return render(
        request, "needs/need_form.html", {"form": form, "duplicates": duplicates, "meeting": links.meeting}
    )


@staff_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Meetings of the area that heard something: the way from a meeting to the committee's circle."""
    page = _page(request, queries.recent_meetings_with_sources(request.user))
    return render(
        request,
        "needs/meeting_list.html",
        {"page": page, "total": page.paginator.count, "query": _query_without_page(request)},
    )


@staff_required
def from_meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """What a meeting heard — follow-ups, the services workers ticked (with how many), written answers —
    each one click from becoming a need that links back to it."""
    meeting = access_meeting(request.user, meeting_id)
    return render(
        request,
        "needs/from_meeting.html",
        {
            "meeting": meeting,
            "sources": queries.meeting_sources(meeting),
            "can_post": queries.committees_to_manage(request.user).exists(),
        },
    )


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
            "funnel": queries.served_funnel(need.events.all()),
            "now": timezone.now(),
            "can_close": rank_at(request.user, need.committee.union) >= actions.RANK_MANAGE_NEEDS
            and need.status != Need.Status.CLOSED,
            "can_answer": is_requester and need.status == Need.Status.CLOSED and need.confirmed_at is None,
            "can_reply": is_requester and need.waiting_since is not None,
            "answer_form": AnswerForm(),
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
def need_answer(request: HttpRequest, need_id: int) -> HttpResponse:
    need = access_need(request.user, need_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Write the answer."))
        return redirect("needs:detail", need_id=need.pk)
    return _after(
        request,
        lambda: actions.do_answer_unit(
            acting_user=request.user, need=need, answer=form.cleaned_data["answer"]
        ),
        gettext("Answered: the deadline runs again."),
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
            "is_unit_admin": queries.is_unit_admin(request.user),
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
            "question_form": QuestionForm(),
        },
    )


@staff_required
@require_POST
def unit_ask(request: HttpRequest, need_id: int) -> HttpResponse:
    _my_unit(request)
    need = access_need_for_partner(request.user, need_id)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Write the question."))
        return redirect("needs:unit_need", need_id=need.pk)
    return _after(
        request,
        lambda: actions.do_ask_requester(
            acting_user=request.user, need=need, question=form.cleaned_data["question"]
        ),
        gettext("Asked: the deadline waits for the answer."),
        "needs:unit_need",
        need_id=need.pk,
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


# ---- rates -------------------------------------------------------------------------------------------


def _day(value: str | None) -> datetime.datetime | None:
    try:
        day = datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    if day is None or not 2000 <= day.year <= 2100:
        return None
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


OVERDUE_ROWS = 20


@staff_required
def rates_page(request: HttpRequest) -> HttpResponse:
    """Overdue needs first, then the rates per street, per committee and per member unit of the area."""
    start, end = _day(request.GET.get("start")), _day(request.GET.get("end"))
    now = timezone.now()
    report = queries.area_rates(acting_user=request.user, start=start, end=end, now=now)
    overdue = queries.list_board(acting_user=request.user, tab="OVERDUE", now=now)
    tables = [
        (gettext("In all"), [report.total], gettext("Area")),
        (gettext("By street"), report.by_street, gettext("Street")),
        (gettext("By committee"), report.by_committee, gettext("Committee")),
        (gettext("By member unit"), report.by_unit, gettext("Member unit")),
    ]
    return render(
        request,
        "needs/rates.html",
        {
            "start": start,
            "end": end,
            "overdue": list(overdue[:OVERDUE_ROWS]),
            "overdue_total": report.total.overdue,
            "tables": tables,
            "funnel": queries.served_funnel(queries.service_events_in_scope(request.user)),
            "can_post": queries.committees_to_manage(request.user).exists(),
        },
    )


def _public_url(request: HttpRequest, path: str) -> str:
    """As printed in a QR code: GONGHUI_PUBLIC_BASE_URL pins the host, as for meeting posters."""
    base = getattr(settings, "GONGHUI_PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


@staff_required
def unit_event_qr(request: HttpRequest, event_id: int) -> HttpResponse:
    """The event's check-in QR code on the unit's phone: workers scan it (the meeting check-in flow)."""
    unit = _my_unit(request)
    event = access_service_event(request.user, event_id)
    url = _public_url(request, reverse("needs:served_check_in", args=[event.public_token]))
    return render(
        request,
        "needs/event_qr.html",
        {
            "unit": unit,
            "event": event,
            "url": url,
            "qr": segno.make(url, error="m").svg_inline(scale=6, border=2, omitsize=True),
            "checked_in": event.served.filter(source="SELF").count(),
        },
    )


@staff_required
@require_POST
def unit_photo(request: HttpRequest, event_id: int) -> HttpResponse:
    _my_unit(request)
    event = access_service_event(request.user, event_id)
    upload = request.FILES.get("photo")
    if upload is None:
        messages.error(request, gettext("Choose a photo."))
        return redirect("needs:unit_need", need_id=event.need_id)
    return _after(
        request,
        lambda: actions.do_add_service_photo(acting_user=request.user, event=event, upload=upload),
        gettext("Photo added."),
        "needs:unit_need",
        need_id=event.need_id,
    )


@staff_required
def service_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    """A photo of a service, to who may see its need (officer or a unit of its committee)."""
    photo = access_service_photo(request.user, photo_id)
    return private_file_response(  # type: ignore[return-value]  # a streaming response, served like any other
        photo.photo, content_type=photo.content_type, filename=f"photo-{photo.pk}"
    )


@staff_required
def unit_staff_create(request: HttpRequest) -> HttpResponse:
    """The unit's own admin adds a colleague's login (the action checks the admin flag)."""
    unit = _my_unit(request)
    form = PartnerStaffForm(request.POST or None)
    form.fields.pop("is_unit_admin")
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            actions.do_add_partner_staff(
                acting_user=request.user,
                unit=unit,
                username=c["username"],
                display_name=c["display_name"],
                password=c["password"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(
                request, gettext("Login created: hand the name and first password to your colleague.")
            )
            return redirect("needs:unit_home")
    return render(request, "needs/unit_staff_form.html", {"unit": unit, "form": form})
