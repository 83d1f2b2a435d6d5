"""Console pages for meetings: list, calendar, overdue, plan/edit, the meeting page (hold, close with
outcomes, check-ins, host link, join poster, letter of intent), the QR poster, the funnel. The
questionnaires' pages are in questionnaire_views."""

import datetime
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from gonghui.core.access import parse_id
from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError, NotFound
from gonghui.core.pii import mask_phone
from gonghui.core.uploads import private_file_response
from gonghui.enterprises.actions import do_record_intent_letter
from gonghui.meetings import actions, queries
from gonghui.meetings.access import access_follow_up, access_intent_letter, access_meeting
from gonghui.meetings.actions import RANK_MANAGE_MEETINGS
from gonghui.meetings.forms import (
    CloseForm,
    IntentLetterForm,
    MeetingCreateForm,
    MeetingEditForm,
    MeetingJoinLinkForm,
    StaffCheckInForm,
)
from gonghui.meetings.models import CheckIn, Meeting, MeetingKind, Response, ResponseChannel
from gonghui.meetings.public_views import posted_answers, survey_rows
from gonghui.members.actions import do_create_join_link
from gonghui.orgs.access import access_org_unit
from gonghui.orgs.queries import units_in_scope
from gonghui.orgs.scope import rank_at

PAGE_SIZE = 200


def _public_url(request: HttpRequest, path: str) -> str:
    """As printed in a QR code: GONGHUI_PUBLIC_BASE_URL pins the host, as for join posters."""
    base = getattr(settings, "GONGHUI_PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def _qr(url: str) -> str:
    # No fixed size (a viewBox only), so every code on a poster prints at the same width.
    return segno.make(url, error="m").svg_inline(scale=6, border=2, omitsize=True)


def _month(value: str) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in value.split("-"))
        datetime.date(year, month, 1)
    except ValueError:
        return today.year, today.month
    return (year, month) if 2000 <= year <= 2100 else (today.year, today.month)


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@staff_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    meetings = queries.list_meetings(
        acting_user=request.user,
        kind=kind if kind in MeetingKind.values else None,
        status=status if status in Meeting.Status.values else None,
    ).order_by("-starts_at", "-pk")
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "meetings": meetings[:PAGE_SIZE],
            "kind": kind,
            "status": status,
            "kinds": MeetingKind.choices,
            "statuses": Meeting.Status.choices,
            "can_plan": units_in_scope(request.user, min_rank=RANK_MANAGE_MEETINGS).exists(),
        },
    )


@staff_required
def meeting_calendar(request: HttpRequest) -> HttpResponse:
    year, month = _month(request.GET.get("month", ""))
    first = datetime.date(year, month, 1)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "meetings/calendar.html",
        {
            "weeks": queries.month_calendar(acting_user=request.user, year=year, month=month),
            "first": first,
            "previous": previous,
            "following": following,
            "today": timezone.localdate(),
        },
    )


@staff_required
def meeting_overdue(request: HttpRequest) -> HttpResponse:
    meetings = queries.list_overdue_meetings(acting_user=request.user)[:PAGE_SIZE]
    return render(request, "meetings/overdue.html", {"meetings": meetings})


@staff_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    form = MeetingCreateForm(request.POST or None, acting_user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            count = form.cleaned_data["weekly_count"]
            if count:
                series = actions.do_plan_meeting_series(
                    acting_user=request.user, data=form.to_data(), count=count
                )
                first = series.meetings.order_by("starts_at").first()
                assert first is not None
                messages.success(request, gettext("%(n)d weekly meetings were planned.") % {"n": count})
                return redirect("meetings:detail", meeting_id=first.pk)
            meeting = actions.do_plan_meeting(acting_user=request.user, data=form.to_data())
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form})


@staff_required
def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id, write=True)
    initial = {
        "kind": meeting.kind,
        "title": meeting.title,
        "organiser": meeting.organiser_id,
        "starts_at": timezone.localtime(meeting.starts_at),
        "ends_at": timezone.localtime(meeting.ends_at),
        "cadence": meeting.cadence,
        "place_kind": meeting.place_kind,
        "enterprise": meeting.enterprise_id,
        "worksite": meeting.worksite_id,
        "address": meeting.address,
        "target_enterprises": list(meeting.target_enterprises.values_list("pk", flat=True)),
        "partner_units": meeting.partner_units,
        "questionnaire": meeting.questionnaire_id,
        "card_branch": meeting.card_branch_id,
    }
    form = MeetingEditForm(request.POST or None, initial=initial, acting_user=request.user)
    if meeting.series_id is None:
        del form.fields["rest_of_series"]
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_meeting(
                acting_user=request.user,
                meeting=meeting,
                data=form.to_data(),
                rest_of_series=bool(form.cleaned_data.get("rest_of_series")),
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


def _detail_context(request: HttpRequest, meeting: Meeting, **extra: Any) -> dict[str, Any]:
    can_manage = rank_at(request.user, meeting.organiser) >= RANK_MANAGE_MEETINGS
    funnel = queries.meeting_funnel(meeting)
    check_ins = [
        {
            "name": c.name,
            "phone": mask_phone(c.phone),
            "head_count": c.head_count,
            "source": c.get_source_display(),
            "at": c.created_at,
        }
        for c in queries.list_check_ins(meeting)[:100]
    ]
    context = {
        "meeting": meeting,
        "can_manage": can_manage,
        "funnel": funnel,
        "funnel_data": [{"name": s.label, "value": s.count} for s in funnel.people],
        "check_in_total": queries.check_in_total(meeting),
        "check_ins": check_ins,
        "follow_ups": meeting.follow_ups.order_by("due_date", "pk"),
        "targets": meeting.target_enterprises.order_by("name"),
        "letters": queries.list_intent_letters(meeting),
        "join_links": queries.meeting_join_links(meeting),
        "response_count": Response.objects.filter(meeting=meeting).count(),
        "is_open": meeting.status in actions.OPEN_STATUSES,
        "unattributed": list(
            queries.unattributed_applications(acting_user=request.user, meeting=meeting)[:200]
        )
        if can_manage
        else [],
    }
    if can_manage and meeting.status == Meeting.Status.HELD:
        context.setdefault("close_form", CloseForm(enterprise_meeting=meeting.kind == MeetingKind.ENTERPRISE))
    if can_manage and meeting.status in actions.OPEN_STATUSES:
        context.setdefault("check_in_form", StaffCheckInForm())
        context.setdefault("join_form", MeetingJoinLinkForm(acting_user=request.user, meeting=meeting))
    if meeting.kind == MeetingKind.ENTERPRISE and meeting.status != Meeting.Status.PLANNED:
        context.setdefault("letter_form", IntentLetterForm(meeting=meeting))
    context.update(extra)
    return context


def _detail_with_invalid(request: HttpRequest, meeting: Meeting, **form: Any) -> HttpResponse:
    """The meeting page again, with the refused form (one of _detail_context's form slots) showing why."""
    return render(
        request, "meetings/meeting_detail.html", _detail_context(request, meeting, **form), status=400
    )


@staff_required
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id)
    return render(request, "meetings/meeting_detail.html", _detail_context(request, meeting))


@staff_required
@require_POST
def meeting_hold(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id, write=True)
    try:
        actions.do_hold_meeting(acting_user=request.user, meeting=meeting)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("meetings:detail", meeting_id=meeting.pk)


@staff_required
@require_POST
def meeting_cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id, write=True)
    try:
        actions.do_cancel_meeting(acting_user=request.user, meeting=meeting)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("meetings:detail", meeting_id=meeting.pk)


@staff_required
@require_POST
def meeting_close(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id, write=True)
    form = CloseForm(request.POST, enterprise_meeting=meeting.kind == MeetingKind.ENTERPRISE)
    if form.is_valid():
        try:
            actions.do_close_meeting(acting_user=request.user, meeting=meeting, outcome=form.to_outcome())
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, gettext("The meeting was closed with its outcomes."))
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return _detail_with_invalid(request, meeting, close_form=form)


@staff_required
@require_POST
def follow_up_done(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    follow_up = access_follow_up(request.user, follow_up_id)
    actions.do_complete_follow_up(acting_user=request.user, follow_up=follow_up)
    return redirect("meetings:detail", meeting_id=follow_up.meeting_id)


@staff_required
@require_POST
def meeting_check_in(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id)
    form = StaffCheckInForm(request.POST)
    if form.is_valid():
        try:
            outcome = actions.do_check_in(
                meeting=meeting,
                source=CheckIn.Source.STAFF,
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                head_count=form.cleaned_data["head_count"],
                acting_user=request.user,
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, gettext("Checked in. %(n)d so far.") % {"n": outcome.total})
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return _detail_with_invalid(request, meeting, check_in_form=form)


@staff_required
@require_POST
def meeting_host_link(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """A new host link, shown on this page only (just its digest is stored)."""
    meeting = access_meeting(request.user, meeting_id, write=True)
    try:
        meeting, token = actions.do_issue_host_link(acting_user=request.user, meeting=meeting)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("meetings:detail", meeting_id=meeting.pk)
    url = _public_url(request, reverse("meetings_public:host", kwargs={"token": token}))
    return render(request, "meetings/host_link.html", {"meeting": meeting, "url": url, "qr_svg": _qr(url)})


@staff_required
@require_POST
def meeting_regenerate_codes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id, write=True)
    actions.do_regenerate_meeting_codes(acting_user=request.user, meeting=meeting)
    messages.success(request, gettext("New QR codes were made; posters with the old ones no longer work."))
    return redirect("meetings:poster", meeting_id=meeting.pk)


@staff_required
@require_POST
def meeting_join_link(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id, write=True)
    form = MeetingJoinLinkForm(request.POST, acting_user=request.user, meeting=meeting)
    if form.is_valid():
        try:
            do_create_join_link(
                acting_user=request.user,
                union=form.cleaned_data["union"],
                worksite=meeting.worksite,
                label=meeting.title,
                meeting=meeting,
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("meetings:poster", meeting_id=meeting.pk)
    return _detail_with_invalid(request, meeting, join_form=form)


@staff_required
@require_POST
def meeting_intent_letter(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id)
    form = IntentLetterForm(request.POST, request.FILES, meeting=meeting)
    if form.is_valid():
        try:
            do_record_intent_letter(
                acting_user=request.user,
                enterprise=form.cleaned_data["enterprise"],
                meeting=meeting,
                signatory_name=form.cleaned_data["signatory_name"],
                signatory_title=form.cleaned_data["signatory_title"],
                signed_date=form.cleaned_data["signed_date"],
                scan=form.cleaned_data["scan"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, gettext("The letter of intent was recorded."))
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return _detail_with_invalid(request, meeting, letter_form=form)


@staff_required
@require_POST
def meeting_attribute(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Attribute the ticked applications of the meeting's day to the meeting."""
    meeting = access_meeting(request.user, meeting_id, write=True)
    wanted = {
        pk for pk in (parse_id(value) for value in request.POST.getlist("membership")) if pk is not None
    }
    memberships = list(
        queries.unattributed_applications(acting_user=request.user, meeting=meeting).filter(pk__in=wanted)
    )
    try:
        count = actions.do_attribute_memberships(
            acting_user=request.user, meeting=meeting, memberships=memberships
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, gettext("%(n)d applications were attributed to this meeting.") % {"n": count}
        )
    return redirect("meetings:detail", meeting_id=meeting.pk)


@staff_required
def intent_letter_scan(request: HttpRequest, letter_id: int) -> HttpResponse:
    """The scan, to staff whose area covers the enterprise only; never from a public URL."""
    letter = access_intent_letter(request.user, letter_id)
    if not letter.scan:
        raise NotFound()
    extension = (letter.scan.name or "").rsplit(".", 1)[-1]
    return private_file_response(  # type: ignore[return-value]  # a streaming response, served like any other
        letter.scan, content_type=letter.scan_content_type, filename=f"intent-letter-{letter.pk}.{extension}"
    )


@staff_required
def meeting_enter_response(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Type in a paper questionnaire collected at the meeting (channel CONSOLE), also after it closed."""
    meeting = access_meeting(request.user, meeting_id)
    if meeting.questionnaire is None:
        raise NotFound()
    version = queries.current_version(meeting.questionnaire)
    questions = queries.version_questions(version)
    submitted: dict[int, Any] = {}
    errors: dict[str, str] = {}
    general_error = ""
    if request.method == "POST":
        submitted = posted_answers(request, questions)
        try:
            actions.do_submit_response(
                version=version,
                meeting=meeting,
                answers=submitted,
                channel=ResponseChannel.CONSOLE,
                acting_user=request.user,
            )
        except DomainError as error:
            if error.field:
                errors[error.field] = error.message
            else:
                general_error = error.message
        else:
            messages.success(request, gettext("The questionnaire was saved. Enter the next one."))
            return redirect("meetings:enter_response", meeting_id=meeting.pk)
    return render(
        request,
        "meetings/enter_response.html",
        {
            "meeting": meeting,
            "version": version,
            "rows": survey_rows(questions, submitted, errors),
            "general_error": general_error,
            "entered": Response.objects.filter(meeting=meeting, channel=ResponseChannel.CONSOLE).count(),
        },
        status=400 if (errors or general_error) else 200,
    )


@staff_required
def meeting_poster(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id)
    codes = []
    if meeting.status in actions.OPEN_STATUSES:
        check_in_url = _public_url(
            request, reverse("meetings_public:check_in", kwargs={"token": meeting.public_token})
        )
        codes.append((gettext("Check in"), "", check_in_url, _qr(check_in_url)))
        if meeting.questionnaire_id:
            survey_url = _public_url(
                request, reverse("meetings_public:survey", kwargs={"token": meeting.public_token})
            )
            codes.append(
                (
                    gettext("Questionnaire"),
                    meeting.questionnaire.title if meeting.questionnaire else "",
                    survey_url,
                    _qr(survey_url),
                )
            )
        for link in queries.meeting_join_links(meeting):
            join_url = _public_url(request, reverse("join:form", kwargs={"token": link.token}))
            codes.append((gettext("Join the union"), link.union.name, join_url, _qr(join_url)))
    return render(request, "meetings/poster.html", {"meeting": meeting, "codes": codes})


@staff_required
def funnel_page(request: HttpRequest) -> HttpResponse:
    unit_id = parse_id(request.GET.get("unit"))
    unit = access_org_unit(request.user, unit_id) if unit_id else None
    start, end = _date(request.GET.get("start", "")), _date(request.GET.get("end", ""))
    kind = request.GET.get("kind", "")
    tz = timezone.get_current_timezone()
    funnel = queries.area_funnel(
        acting_user=request.user,
        unit=unit,
        start=datetime.datetime.combine(start, datetime.time(), tzinfo=tz) if start else None,
        # The end date is included: meetings starting before the next day.
        end=datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
        if end
        else None,
        kind=kind if kind in MeetingKind.values else None,
    )
    return render(
        request,
        "meetings/funnel.html",
        {
            "funnel": funnel,
            "people_data": [{"name": s.label, "value": s.count} for s in funnel.people],
            "enterprise_data": [{"name": s.label, "value": s.count} for s in funnel.enterprises],
            "units": units_in_scope(request.user).order_by("path")[:500],
            "unit": unit,
            "start": start,
            "end": end,
            "kind": kind,
            "kinds": MeetingKind.choices,
        },
    )
