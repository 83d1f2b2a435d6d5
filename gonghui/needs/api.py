"""/api/v1/needs/…: committees, the board, a need's life (post, claim, send back, schedule, record people
served, close, confirm, reopen) for officers and member-unit staff alike, with declared errors."""

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.pagination import paginate

from gonghui.core.api_support import ERRORS, Id, Pagination
from gonghui.core.errors import NotFound
from gonghui.enterprises.access import access_enterprise, access_worksite
from gonghui.needs import actions, queries, rates
from gonghui.needs.access import (
    access_committee,
    access_deadline_class,
    access_need,
    access_need_any,
    access_need_for_partner,
    access_service_event,
    access_work_type,
)
from gonghui.needs.actions import NeedData
from gonghui.needs.models import (
    Claim,
    Committee,
    DeadlineClass,
    Need,
    NeedSource,
    PartnerUnit,
    ServiceEvent,
    WorkType,
)
from gonghui.needs.schemas import (
    AnswerIn,
    AreaRatesOut,
    ClaimIn,
    ClaimOut,
    CloseIn,
    CommitteeOut,
    ConfirmIn,
    DeadlineClassOut,
    NeedIn,
    NeedOut,
    PartnerUnitOut,
    QuestionIn,
    ReasonIn,
    ScheduleIn,
    ServedIn,
    ServiceEventOut,
    WorkTypeOut,
)

router = Router(tags=["needs"])


def _day_start(day: datetime.date | None) -> datetime.datetime | None:
    if day is None:
        return None
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def _event_out(event: ServiceEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "need_id": event.need_id,
        "starts_at": event.starts_at,
        "place": event.place,
        "brought": event.brought,
        "provider_ids": sorted(p.pk for p in event.providers.all()),
        "delivered_at": event.delivered_at,
        "people_served": queries.served_total(event),
    }


def _in_body(call: Any, field: str) -> Any:
    """An id in the body that is not reachable names its field (the 404 is not about the path)."""
    try:
        return call()
    except NotFound:
        raise NotFound(field=field) from None


@router.get("/work-types", response={200: list[WorkTypeOut], **ERRORS})
def list_work_types(request: HttpRequest) -> list[WorkType]:
    return list(queries.active_work_types())


@router.get("/deadline-classes", response={200: list[DeadlineClassOut], **ERRORS})
def list_deadline_classes(request: HttpRequest) -> list[DeadlineClass]:
    """The urgency classes and the hours each allows (default: the Beijing 12345 standard)."""
    return list(queries.active_deadline_classes())


def _ratio(ratio: rates.Ratio) -> dict[str, Any]:
    return {"numerator": ratio.numerator, "denominator": ratio.denominator, "percent": ratio.percent}


def _rates_out(r: rates.Rates) -> dict[str, Any]:
    return {
        "id": r.key,
        "name": r.name,
        "needs": r.posted,
        "response": _ratio(r.response),
        "on_time_delivery": _ratio(r.on_time),
        "resolution": _ratio(r.resolution),
        "satisfaction": r.satisfaction,
        "confirmed": r.confirmed,
        "send_back": _ratio(r.send_back),
        "people_served": r.served,
        "overdue": r.overdue,
    }


@router.get("/rates", response={200: AreaRatesOut, **ERRORS})
def area_rates(
    request: HttpRequest, start_date: datetime.date | None = None, end_date: datetime.date | None = None
) -> dict[str, Any]:
    """Rates of the needs posted in [start_date, end_date) in your area: in all, per street, per committee,
    per member unit (definitions: docs/needs.md). Computed from what happened, never typed in."""
    report = queries.area_rates(
        acting_user=request.user, start=_day_start(start_date), end=_day_start(end_date)
    )
    return {
        "total": _rates_out(report.total),
        "by_street": [_rates_out(r) for r in report.by_street],
        "by_committee": [_rates_out(r) for r in report.by_committee],
        "by_unit": [_rates_out(r) for r in report.by_unit],
    }


@router.get("/committees", response={200: list[CommitteeOut], **ERRORS})
@paginate(Pagination)
def list_committees(request: HttpRequest):  # type: ignore[no-untyped-def]
    return queries.list_committees(acting_user=request.user)


@router.get("/committees/{int:committee_id}/units", response={200: list[PartnerUnitOut], **ERRORS})
def list_committee_units(request: HttpRequest, committee_id: Id) -> list[PartnerUnit]:
    committee: Committee = access_committee(request.user, committee_id)
    return list(committee.members.prefetch_related("work_types").order_by("name", "pk"))


@router.get("", response={200: list[NeedOut], **ERRORS})
@paginate(Pagination)
def list_needs(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    tab: str = "",
    committee_id: Id | None = None,
):
    """The board: tab OPEN, CLAIMED, SCHEDULED, DELIVERED, OVERDUE or CLOSED (default: everything not
    closed); overdue first by deadline."""
    return queries.list_board(
        acting_user=request.user,
        tab=tab if tab in queries.BOARD_TABS else "",
        committee=access_committee(request.user, committee_id) if committee_id else None,
    )


@router.get("/for-us", response={200: list[NeedOut], **ERRORS})
@paginate(Pagination)
def list_needs_for_us(request: HttpRequest, tab: str = ""):  # type: ignore[no-untyped-def]
    """For member-unit staff: open needs of your committees to claim (tab mine: those you are on)."""
    return queries.list_needs_for_partner(
        acting_user=request.user, tab=tab if tab in ("mine", "closed") else ""
    )


@router.post("", response={201: NeedOut, **ERRORS})
def post_need(request: HttpRequest, payload: NeedIn) -> tuple[int, Need]:
    committee = _in_body(lambda: access_committee(request.user, payload.committee_id), "committee_id")
    data = NeedData(
        committee=committee,
        work_type=access_work_type(payload.work_type_id, field="work_type_id"),
        deadline_class=access_deadline_class(payload.deadline_class),
        title=payload.title,
        description=payload.description,
        people_count=payload.people_count,
        worksite=_in_body(lambda: access_worksite(request.user, payload.worksite_id), "worksite_id")
        if payload.worksite_id
        else None,
        enterprise=_in_body(lambda: access_enterprise(request.user, payload.enterprise_id), "enterprise_id")
        if payload.enterprise_id
        else None,
    )
    return 201, actions.do_post_need(acting_user=request.user, data=data, source=NeedSource.API)


@router.get("/{int:need_id}", response={200: NeedOut, **ERRORS})
def get_need(request: HttpRequest, need_id: Id) -> Need:
    return access_need_any(request.user, need_id)


@router.get("/{int:need_id}/claims", response={200: list[ClaimOut], **ERRORS})
def list_claims(request: HttpRequest, need_id: Id) -> list[Claim]:
    need = access_need_any(request.user, need_id)
    return list(
        need.claims.select_related("unit").prefetch_related("work_types").order_by("claimed_at", "pk")
    )


@router.get("/{int:need_id}/events", response={200: list[ServiceEventOut], **ERRORS})
def list_events(request: HttpRequest, need_id: Id) -> list[dict[str, Any]]:
    need = access_need_any(request.user, need_id)
    return [_event_out(e) for e in need.events.prefetch_related("providers").order_by("starts_at", "pk")]


@router.post("/{int:need_id}/claim", response={201: ClaimOut, **ERRORS})
def claim_need(request: HttpRequest, need_id: Id, payload: ClaimIn) -> tuple[int, Claim]:
    need = access_need_for_partner(request.user, need_id)
    work_types = [access_work_type(pk, field="work_type_ids") for pk in payload.work_type_ids]
    return 201, actions.do_claim_need(acting_user=request.user, need=need, work_types=work_types)


@router.post("/{int:need_id}/send-back", response={200: ClaimOut, **ERRORS})
def send_back_need(request: HttpRequest, need_id: Id, payload: ReasonIn) -> Claim:
    need = access_need_for_partner(request.user, need_id)
    return actions.do_send_back_need(acting_user=request.user, need=need, reason=payload.reason)


@router.post("/{int:need_id}/schedule", response={201: ServiceEventOut, **ERRORS})
def schedule_service(request: HttpRequest, need_id: Id, payload: ScheduleIn) -> tuple[int, dict[str, Any]]:
    need = access_need_for_partner(request.user, need_id)
    event = actions.do_schedule_service(
        acting_user=request.user,
        need=need,
        starts_at=payload.starts_at,
        place=payload.place,
        brought=payload.brought,
    )
    return 201, _event_out(event)


@router.post("/events/{int:event_id}/served", response={201: ServiceEventOut, **ERRORS})
def record_served(request: HttpRequest, event_id: Id, payload: ServedIn) -> tuple[int, dict[str, Any]]:
    event = access_service_event(request.user, event_id)
    actions.do_record_served(acting_user=request.user, event=event, head_count=payload.head_count)
    return 201, _event_out(event)


@router.post("/{int:need_id}/close", response={200: NeedOut, **ERRORS})
def close_need(request: HttpRequest, need_id: Id, payload: CloseIn) -> Need:
    need = access_need_any(request.user, need_id)
    actions.do_close_need(acting_user=request.user, need=need, closure=payload.closure, reason=payload.reason)
    return access_need_any(request.user, need_id)


@router.post("/{int:need_id}/confirm", response={200: NeedOut, **ERRORS})
def confirm_need(request: HttpRequest, need_id: Id, payload: ConfirmIn) -> Need:
    need = access_need(request.user, need_id)
    actions.do_confirm_need(acting_user=request.user, need=need, satisfaction=payload.satisfaction)
    return access_need(request.user, need_id)


@router.post("/{int:need_id}/reopen", response={200: NeedOut, **ERRORS})
def reopen_need(request: HttpRequest, need_id: Id, payload: ReasonIn) -> Need:
    need = access_need(request.user, need_id)
    actions.do_reopen_need(acting_user=request.user, need=need, reason=payload.reason)
    return access_need(request.user, need_id)


@router.post("/{int:need_id}/ask", response={200: NeedOut, **ERRORS})
def ask_requester(request: HttpRequest, need_id: Id, payload: QuestionIn) -> Need:
    """A unit on the need asks the requester; the deadline waits for the answer."""
    need = access_need_for_partner(request.user, need_id)
    actions.do_ask_requester(acting_user=request.user, need=need, question=payload.question)
    return access_need_for_partner(request.user, need_id)


@router.post("/{int:need_id}/answer", response={200: NeedOut, **ERRORS})
def answer_unit(request: HttpRequest, need_id: Id, payload: AnswerIn) -> Need:
    """The requester answers; the deadline moves on by the time waited."""
    need = access_need(request.user, need_id)
    actions.do_answer_unit(acting_user=request.user, need=need, answer=payload.answer)
    return access_need(request.user, need_id)
