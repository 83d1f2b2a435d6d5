"""The worker's and the host's pages, no login: /m/<token>/ check in, /m/<token>/survey/ answer the
meeting's questionnaire, /m/host/<token>/ the host's check-in desk (a link given to a host without an
account; only its digest is stored, and a new link retires the old one).

Like the join pages: rate-limited per client address, neutral answers (checking in twice with the same
phone says the same as the first time), every bad value a message on the page, never a 500."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from gonghui.core.errors import DomainError
from gonghui.core.pii import mask_phone
from gonghui.meetings import actions, queries
from gonghui.meetings.access import MeetingLinkNotFound, meeting_by_host_token, meeting_by_public_token
from gonghui.meetings.forms import CheckInForm, HostCheckInForm
from gonghui.meetings.models import CheckIn, Meeting, QuestionKind, ResponseChannel
from gonghui.members.join import check_ip_rate, client_ip

# Per client address: a meeting's workers share the site's Wi-Fi or a carrier's NAT, so generous.
IP_CHECK_IN_LIMIT = (120, 600)
IP_SURVEY_LIMIT = (120, 600)
IP_HOST_LIMIT = (600, 600)


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "meetings/public/not_found.html", {"code": MeetingLinkNotFound.code}, status=404)


def _meeting(request: HttpRequest, token: str) -> Meeting | HttpResponse:
    try:
        return meeting_by_public_token(token)
    except MeetingLinkNotFound:
        return _not_found(request)


def _session_key(meeting: Meeting, what: str) -> str:
    return f"gonghui:meeting:{meeting.pk}:{what}"


def check_in(request: HttpRequest, token: str) -> HttpResponse:
    meeting = _meeting(request, token)
    if isinstance(meeting, HttpResponse):
        return meeting
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        anonymous = request.POST.get("action") == "anonymous"
        if not anonymous and not form.cleaned_data["name"]:
            form.add_error("name", actions.CheckInNameRequired.default_message)
            return render(
                request, "meetings/public/check_in.html", {"meeting": meeting, "form": form}, status=400
            )
        try:
            check_ip_rate(client_ip(request), bucket="meeting-check-in", limit=IP_CHECK_IN_LIMIT)
            actions.do_check_in(
                meeting=meeting,
                source=CheckIn.Source.SELF,
                name="" if anonymous else form.cleaned_data["name"],
                phone="" if anonymous else form.cleaned_data["phone"],
            )
        except DomainError as error:
            _apply(form, error)
        else:
            request.session[_session_key(meeting, "checked_in")] = True
            return redirect("meetings_public:welcome", token=meeting.public_token)
    return render(
        request,
        "meetings/public/check_in.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


def _apply(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def welcome(request: HttpRequest, token: str) -> HttpResponse:
    meeting = _meeting(request, token)
    if isinstance(meeting, HttpResponse):
        return meeting
    if not request.session.get(_session_key(meeting, "checked_in")):
        return redirect("meetings_public:check_in", token=meeting.public_token)
    return render(
        request,
        "meetings/public/welcome.html",
        {"meeting": meeting, "join_links": queries.meeting_join_links(meeting)},
    )


def survey(request: HttpRequest, token: str) -> HttpResponse:
    meeting = _meeting(request, token)
    if isinstance(meeting, HttpResponse):
        return meeting
    if meeting.questionnaire is None:
        return _not_found(request)
    version = queries.current_version(meeting.questionnaire)
    questions = queries.version_questions(version)
    errors: dict[str, str] = {}
    general_error = ""
    submitted: dict[int, Any] = {}
    if request.method == "POST":
        submitted = posted_answers(request, questions)
        # The page shows the version it was built from; an edit in between is answered on the new one.
        if request.POST.get("version") != str(version.pk):
            general_error = gettext(
                "The questionnaire was just updated. Please check your answers and submit again."
            )
        else:
            try:
                check_ip_rate(client_ip(request), bucket="meeting-survey", limit=IP_SURVEY_LIMIT)
                actions.do_submit_response(
                    version=version, meeting=meeting, answers=submitted, channel=ResponseChannel.SELF_SERVICE
                )
            except DomainError as error:
                if error.field:
                    errors[error.field] = error.message
                else:
                    general_error = error.message
            else:
                return redirect("meetings_public:thanks", token=meeting.public_token)
    rows = survey_rows(questions, submitted, errors)
    return render(
        request,
        "meetings/public/survey.html",
        {"meeting": meeting, "version": version, "rows": rows, "general_error": general_error},
        status=400 if (errors or general_error) else 200,
    )


def posted_answers(request: HttpRequest, questions: list[Any]) -> dict[int, Any]:
    """The answers in a posted survey form, by question id (a list for multiple choice)."""
    return {
        q.pk: request.POST.getlist(f"q{q.pk}")
        if q.kind == QuestionKind.MULTIPLE
        else request.POST.get(f"q{q.pk}", "")
        for q in questions
    }


def survey_rows(
    questions: list[Any], submitted: dict[int, Any], errors: dict[str, str]
) -> list[dict[str, Any]]:
    """What _survey_fields.html renders: each question with its field name, error and the value given."""
    return [
        {
            "q": q,
            "name": f"q{q.pk}",
            "error": errors.get(f"q{q.pk}", ""),
            "value": submitted.get(q.pk, [] if q.kind == QuestionKind.MULTIPLE else ""),
        }
        for q in questions
    ]


def thanks(request: HttpRequest, token: str) -> HttpResponse:
    meeting = _meeting(request, token)
    if isinstance(meeting, HttpResponse):
        return meeting
    return render(
        request,
        "meetings/public/thanks.html",
        {"meeting": meeting, "join_links": queries.meeting_join_links(meeting)},
    )


def host(request: HttpRequest, token: str) -> HttpResponse:
    try:
        meeting = meeting_by_host_token(token)
    except MeetingLinkNotFound:
        return _not_found(request)
    form = HostCheckInForm(request.POST or None)
    done = ""
    if request.method == "POST" and form.is_valid():
        try:
            check_ip_rate(client_ip(request), bucket="meeting-host", limit=IP_HOST_LIMIT)
            outcome = actions.do_check_in(
                meeting=meeting,
                source=CheckIn.Source.HOST,
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                head_count=form.cleaned_data["head_count"] or 1,
            )
        except DomainError as error:
            _apply(form, error)
        else:
            done = (
                gettext("Checked in.")
                if outcome.created
                else gettext("This phone number had already checked in; it is counted once.")
            )
            form = HostCheckInForm()
    recent = [
        {"name": c.name or gettext("(no details)"), "phone": mask_phone(c.phone), "head_count": c.head_count}
        for c in queries.list_check_ins(meeting)[:20]
    ]
    return render(
        request,
        "meetings/public/host.html",
        {
            "meeting": meeting,
            "form": form,
            "done": done,
            "total": queries.check_in_total(meeting),
            "recent": recent,
        },
        status=400 if form.errors else 200,
    )
