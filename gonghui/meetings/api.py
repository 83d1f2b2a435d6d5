"""/api/v1/meetings: meetings, check-ins, outcomes, the funnel, questionnaires (the definition the
collector app renders, and the response upload it will call) and their results."""

import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Router, UploadedFile
from ninja.pagination import paginate

from gonghui.cards.access import access_branch_to_name
from gonghui.cards.models import BankBranch
from gonghui.core.api_support import ERRORS, Id, Pagination
from gonghui.core.errors import InvalidInput, NotFound
from gonghui.enterprises.access import access_enterprise, access_worksite
from gonghui.enterprises.actions import do_record_intent_letter
from gonghui.enterprises.models import IntentLetter
from gonghui.meetings import actions, queries
from gonghui.meetings.access import access_meeting, access_questionnaire, access_version
from gonghui.meetings.actions import FollowUpData, MeetingData, MeetingOutcome, QuestionSpec
from gonghui.meetings.catalogue import TEMPLATES
from gonghui.meetings.models import CheckIn, Meeting, Questionnaire, Response
from gonghui.meetings.schemas import (
    CheckInIn,
    CheckInOut,
    CloseIn,
    DefinitionOut,
    FunnelOut,
    HostLinkOut,
    IntentLetterIn,
    IntentLetterOut,
    MeetingCreateIn,
    MeetingIn,
    MeetingKindEnum,
    MeetingOut,
    MeetingStatus,
    MeetingUpdateIn,
    QuestionIn,
    QuestionnaireCreateIn,
    QuestionnaireEditIn,
    QuestionnaireOut,
    ResponseIn,
    ResponseOut,
    ResultsOut,
)
from gonghui.orgs.access import access_org_unit

router = Router(tags=["meetings"])


def _day_start(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def _data(request: HttpRequest, payload: MeetingIn) -> MeetingData:
    return MeetingData(
        kind=payload.kind,
        title=payload.title,
        organiser=access_org_unit(request.user, payload.organiser_id),
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        place_kind=payload.place_kind,
        enterprise=access_enterprise(request.user, payload.enterprise_id) if payload.enterprise_id else None,
        worksite=access_worksite(request.user, payload.worksite_id) if payload.worksite_id else None,
        address=payload.address,
        cadence=payload.cadence,
        partner_units="\n".join(payload.partner_units),
        target_enterprises=[access_enterprise(request.user, pk) for pk in payload.target_enterprise_ids],
        questionnaire=access_questionnaire(request.user, payload.questionnaire_id)
        if payload.questionnaire_id
        else None,
        card_branch=_card_branch(request, payload.card_branch_id) if payload.card_branch_id else None,
    )


def _card_branch(request: HttpRequest, branch_id: int) -> BankBranch:
    try:
        return access_branch_to_name(request.user, branch_id)
    except NotFound:
        # Name the field: the 404 is about the branch in the body, not the meeting in the path.
        raise NotFound(field="card_branch_id") from None


def _aware(value: datetime.datetime, field: str) -> datetime.datetime:
    if timezone.is_naive(value):
        raise InvalidInput(field=field)
    return value


def _specs(questions: list[QuestionIn]) -> list[QuestionSpec]:
    return [
        QuestionSpec(q.kind, q.text, list(q.choices), q.required, q.show_if_position, q.show_if_choice)
        for q in questions
    ]


def _funnel_out(funnel: queries.Funnel) -> dict[str, Any]:
    return {
        "meetings": funnel.meetings,
        "people": [vars(s) for s in funnel.people],
        "enterprises": [vars(s) for s in funnel.enterprises],
    }


def _results_out(results: queries.Results) -> dict[str, Any]:
    def number(value: Any) -> float | None:
        return float(value) if value is not None else None

    return {
        "questionnaire_id": results.version.questionnaire_id,
        "version": results.version.number,
        "responses": results.responses,
        "questions": [
            {
                "question_id": r.question.pk,
                "position": r.question.position,
                "kind": r.question.kind,
                "text": r.question.text,
                "answered": r.answered,
                "counts": r.counts,
                "average": number(r.average),
                "minimum": number(r.minimum),
                "maximum": number(r.maximum),
                "texts": r.texts,
            }
            for r in results.questions
        ],
    }


@router.get("", response={200: list[MeetingOut], **ERRORS})
@paginate(Pagination)
def list_meetings(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    kind: MeetingKindEnum | None = None,  # type: ignore[valid-type]
    status: MeetingStatus | None = None,  # type: ignore[valid-type]
    unit_id: Id | None = None,
):
    """Meetings in your area starting in [start_date, end_date)."""
    return queries.list_meetings(
        acting_user=request.user,
        start=_day_start(start_date),
        end=_day_start(end_date),
        kind=kind,
        status=status,
        unit=access_org_unit(request.user, unit_id) if unit_id else None,
    )


@router.post("", response={201: list[MeetingOut], **ERRORS})
def plan_meeting(request: HttpRequest, payload: MeetingCreateIn) -> tuple[int, list[Meeting]]:
    """Plan one meeting, or with weekly_count a weekly series (all its meetings are returned)."""
    _aware(payload.starts_at, "starts_at")
    _aware(payload.ends_at, "ends_at")
    data = _data(request, payload)
    if payload.weekly_count:
        series = actions.do_plan_meeting_series(
            acting_user=request.user, data=data, count=payload.weekly_count
        )
        return 201, list(series.meetings.select_related("organiser").order_by("starts_at"))
    return 201, [actions.do_plan_meeting(acting_user=request.user, data=data)]


@router.get("/overdue", response={200: list[MeetingOut], **ERRORS})
@paginate(Pagination)
def list_overdue(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Meetings over for more than two days that were never closed with their outcomes."""
    return queries.list_overdue_meetings(acting_user=request.user)


@router.get("/funnel", response={200: FunnelOut, **ERRORS})
def area_funnel(
    request: HttpRequest,
    unit_id: Id | None = None,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    kind: MeetingKindEnum | None = None,  # type: ignore[valid-type]
) -> dict[str, Any]:
    """attended → answered → applied → approved → cards issued, and enterprises met → intents signed, over the
    meetings of a subtree (default: your whole area) starting in [start_date, end_date)."""
    funnel = queries.area_funnel(
        acting_user=request.user,
        unit=access_org_unit(request.user, unit_id) if unit_id else None,
        start=_day_start(start_date),
        end=_day_start(end_date),
        kind=kind,
    )
    return _funnel_out(funnel)


@router.get("/questionnaires", response={200: list[QuestionnaireOut], **ERRORS})
@paginate(Pagination)
def list_questionnaires(request: HttpRequest):  # type: ignore[no-untyped-def]
    return queries.list_questionnaires(acting_user=request.user)


@router.post("/questionnaires", response={201: QuestionnaireOut, **ERRORS})
def create_questionnaire(request: HttpRequest, payload: QuestionnaireCreateIn) -> tuple[int, Questionnaire]:
    """From your own questions, or a copy of a shipped template (establishment_ten, worker_needs)."""
    owner = access_org_unit(request.user, payload.owner_id)
    if payload.template:
        if payload.template not in TEMPLATES:
            raise InvalidInput(field="template")
        title, description, _kind, specs = TEMPLATES[payload.template]
        questionnaire = actions.do_create_questionnaire(
            acting_user=request.user,
            owner=owner,
            title=payload.title or title,
            description=payload.description or description,
            questions=list(specs),
            template_key=payload.template,
        )
    else:
        questionnaire = actions.do_create_questionnaire(
            acting_user=request.user,
            owner=owner,
            title=payload.title,
            description=payload.description,
            questions=_specs(payload.questions),
        )
    return 201, questionnaire


@router.get("/questionnaires/{int:questionnaire_id}", response={200: DefinitionOut, **ERRORS})
def get_questionnaire(request: HttpRequest, questionnaire_id: Id) -> dict[str, Any]:
    """The current version's questions as the collector app renders them; send answers keyed by
    these question ids, with this version_id."""
    questionnaire = access_questionnaire(request.user, questionnaire_id)
    return queries.questionnaire_definition(queries.current_version(questionnaire))


@router.put("/questionnaires/{int:questionnaire_id}", response={200: DefinitionOut, **ERRORS})
def edit_questionnaire(
    request: HttpRequest, questionnaire_id: Id, payload: QuestionnaireEditIn
) -> dict[str, Any]:
    """New questions: edited in place while unanswered, else a new version (old answers keep theirs)."""
    questionnaire = access_questionnaire(request.user, questionnaire_id, write=True)
    version = actions.do_edit_questionnaire(
        acting_user=request.user,
        questionnaire=questionnaire,
        title=payload.title,
        description=payload.description,
        questions=_specs(payload.questions),
    )
    return queries.questionnaire_definition(version)


@router.get("/questionnaires/{int:questionnaire_id}/results", response={200: ResultsOut, **ERRORS})
def questionnaire_results(
    request: HttpRequest, questionnaire_id: Id, version: int | None = None
) -> dict[str, Any]:
    """Per question, over the responses given in your area (default: the current version)."""
    questionnaire = access_questionnaire(request.user, questionnaire_id)
    chosen = (
        access_version(request.user, questionnaire, version)
        if version
        else queries.current_version(questionnaire)
    )
    return _results_out(queries.results_for(chosen, queries.responses_in_scope(request.user)))


@router.post("/questionnaires/{int:questionnaire_id}/responses", response={201: ResponseOut, **ERRORS})
def submit_response(request: HttpRequest, questionnaire_id: Id, payload: ResponseIn) -> tuple[int, Response]:
    """A filled-in questionnaire entered by staff (CONSOLE) or uploaded by a collector phone
    (STAFF_MOBILE, with client_uuid so a re-sent record is stored once)."""
    questionnaire = access_questionnaire(request.user, questionnaire_id)
    version = questionnaire.versions.filter(pk=payload.version_id).first()
    if version is None:
        raise InvalidInput(field="version_id")
    if payload.channel == "SELF_SERVICE":
        raise InvalidInput(field="channel")
    answers: dict[int, Any] = {}
    for key, value in payload.answers.items():
        if not (key.isascii() and key.isdigit() and len(key) < 19):
            raise InvalidInput(field="answers")
        answers[int(key)] = value
    response = actions.do_submit_response(
        acting_user=request.user,
        version=version,
        meeting=access_meeting(request.user, payload.meeting_id) if payload.meeting_id else None,
        answers=answers,
        channel=payload.channel,
        client_uuid=payload.client_uuid,
    )
    return 201, response


@router.get("/{int:meeting_id}", response={200: MeetingOut, **ERRORS})
def get_meeting(request: HttpRequest, meeting_id: Id) -> Meeting:
    return access_meeting(request.user, meeting_id)


@router.put("/{int:meeting_id}", response={200: MeetingOut, **ERRORS})
def update_meeting(request: HttpRequest, meeting_id: Id, payload: MeetingUpdateIn) -> Meeting:
    """Edit the meeting, or with rest_of_series also every later planned meeting of its series."""
    meeting = access_meeting(request.user, meeting_id, write=True)
    _aware(payload.starts_at, "starts_at")
    _aware(payload.ends_at, "ends_at")
    actions.do_update_meeting(
        acting_user=request.user,
        meeting=meeting,
        data=_data(request, payload),
        rest_of_series=payload.rest_of_series,
    )
    return access_meeting(request.user, meeting_id)


@router.post("/{int:meeting_id}/hold", response={200: MeetingOut, **ERRORS})
def hold_meeting(request: HttpRequest, meeting_id: Id) -> Meeting:
    return actions.do_hold_meeting(
        acting_user=request.user, meeting=access_meeting(request.user, meeting_id, write=True)
    )


@router.post("/{int:meeting_id}/cancel", response={200: MeetingOut, **ERRORS})
def cancel_meeting(request: HttpRequest, meeting_id: Id) -> Meeting:
    return actions.do_cancel_meeting(
        acting_user=request.user, meeting=access_meeting(request.user, meeting_id, write=True)
    )


@router.post("/{int:meeting_id}/close", response={200: MeetingOut, **ERRORS})
def close_meeting(request: HttpRequest, meeting_id: Id, payload: CloseIn) -> Meeting:
    """Close a held meeting with its outcomes (attendance left out: the checked-in head count)."""
    meeting = access_meeting(request.user, meeting_id, write=True)
    outcome = MeetingOutcome(
        attendance=payload.attendance,
        consultations=payload.consultations,
        materials_handed_out=payload.materials_handed_out,
        notes=payload.notes,
        management_attendees=payload.management_attendees,
        concerns=payload.concerns,
        service_package=payload.service_package,
        follow_ups=[FollowUpData(f.text, f.owner_name, f.due_date) for f in payload.follow_ups],
    )
    return actions.do_close_meeting(acting_user=request.user, meeting=meeting, outcome=outcome)


@router.post("/{int:meeting_id}/host-link", response={201: HostLinkOut, **ERRORS})
def issue_host_link(request: HttpRequest, meeting_id: Id) -> tuple[int, dict[str, Any]]:
    """A new host link (shown once; any earlier one stops working)."""
    meeting = access_meeting(request.user, meeting_id, write=True)
    meeting, token = actions.do_issue_host_link(acting_user=request.user, meeting=meeting)
    url = request.build_absolute_uri(reverse("meetings_public:host", kwargs={"token": token}))
    return 201, {"url": url, "issued_at": meeting.host_token_issued_at}


@router.post("/{int:meeting_id}/check-ins", response={201: CheckInOut, **ERRORS})
def check_in(request: HttpRequest, meeting_id: Id, payload: CheckInIn) -> tuple[int, dict[str, Any]]:
    meeting = access_meeting(request.user, meeting_id)
    outcome = actions.do_check_in(
        meeting=meeting,
        source=CheckIn.Source.STAFF,
        name=payload.name,
        phone=payload.phone,
        head_count=payload.head_count,
        acting_user=request.user,
    )
    return 201, {"created": outcome.created, "total": outcome.total}


@router.get("/{int:meeting_id}/funnel", response={200: FunnelOut, **ERRORS})
def meeting_funnel(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    return _funnel_out(queries.meeting_funnel(access_meeting(request.user, meeting_id)))


@router.get("/{int:meeting_id}/results", response={200: ResultsOut, **ERRORS})
def meeting_results(request: HttpRequest, meeting_id: Id, version: int | None = None) -> dict[str, Any]:
    """The meeting's questionnaire, over the responses given at this meeting."""
    meeting = access_meeting(request.user, meeting_id)
    if meeting.questionnaire is None:
        raise InvalidInput(field="questionnaire")
    questionnaire = meeting.questionnaire
    chosen = (
        access_version(request.user, questionnaire, version)
        if version
        else queries.current_version(questionnaire)
    )
    return _results_out(queries.results_for(chosen, Response.objects.filter(meeting=meeting)))


@router.get("/{int:meeting_id}/intent-letters", response={200: list[IntentLetterOut], **ERRORS})
def list_intent_letters(request: HttpRequest, meeting_id: Id) -> list[IntentLetter]:
    return list(queries.list_intent_letters(access_meeting(request.user, meeting_id)))


@router.post("/{int:meeting_id}/intent-letters", response={201: IntentLetterOut, **ERRORS})
def record_intent_letter(
    request: HttpRequest,
    meeting_id: Id,
    payload: Form[IntentLetterIn],
    scan: File[UploadedFile | None] = None,
) -> tuple[int, IntentLetter]:
    """The 建会意向书 signed at an enterprise meeting (multipart form; `scan`: PDF, JPEG or PNG, ≤ 10 MB)."""
    meeting = access_meeting(request.user, meeting_id)
    letter = do_record_intent_letter(
        acting_user=request.user,
        enterprise=access_enterprise(request.user, payload.enterprise_id),
        meeting=meeting,
        signatory_name=payload.signatory_name,
        signatory_title=payload.signatory_title,
        signed_date=payload.signed_date,
        scan=scan,
    )
    return 201, letter
