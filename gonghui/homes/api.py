"""/api/v1/homes/…: homes, facilities, the standard, and level applications through their four steps."""

import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Router, UploadedFile
from ninja.pagination import paginate

from gonghui.core.api_support import ERRORS, FreeText, Id, LabelText, Pagination
from gonghui.core.errors import InvalidInput, NotFound
from gonghui.homes import queries
from gonghui.homes.access import (
    access_application,
    access_budget,
    access_facility,
    access_funding,
    access_home,
)
from gonghui.homes.actions import funding as funding_actions
from gonghui.homes.actions import homes as home_actions
from gonghui.homes.actions import levels as level_actions
from gonghui.homes.actions.levels import ItemAnswer
from gonghui.homes.models import (
    AwardedLevel,
    Budget,
    Disbursement,
    Facility,
    FacilityPhoto,
    FacilityType,
    FacilityUsage,
    FundingApplication,
    LevelApplication,
    SpendingReport,
    StandardLevel,
    WorkersHome,
)
from gonghui.homes.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationRowOut,
    ApplicationStatus,
    AwardedOut,
    BudgetIn,
    BudgetOut,
    DisbursementIn,
    DisbursementOut,
    FacilityIn,
    FacilityOut,
    FacilityTypeIn,
    FacilityTypeOut,
    FacilityUpdateIn,
    FundingDecisionIn,
    FundingIn,
    FundingOut,
    FundingRefusalIn,
    FundingStatus,
    HomeIn,
    HomeOut,
    ItemAnswerIn,
    PhotoOut,
    RefusalIn,
    SiteCheckIn,
    SpendingOut,
    StandardOut,
    UsageIn,
    UsageOut,
)
from gonghui.orgs.access import access_org_unit

router = Router(tags=["homes"])
Search = Annotated[str, Field("", max_length=100)]
LevelCode = Annotated[str, Field("", max_length=40)]
Year = Annotated[int, Field(ge=2000, le=2100)]


def _answers(answers: list[ItemAnswerIn]) -> dict[int, ItemAnswer]:
    return {a.item_id: ItemAnswer(met=a.met, points=a.points, note=a.note) for a in answers}


def _refreshed(application: LevelApplication) -> LevelApplication:
    return queries.application_detail(application)


@router.get("", response={200: list[HomeOut], **ERRORS})
@paginate(Pagination)
def list_homes(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    level: LevelCode = "",
    without_level: bool = False,
    unit_id: Id | None = None,
    search: Search = "",
):
    """Homes in your area by the level they hold today (`level`: a level code; `without_level`: none)."""
    return queries.list_homes(
        acting_user=request.user,
        today=timezone.localdate(),
        level_code=level or None,
        without_level=without_level,
        under_unit=access_org_unit(request.user, unit_id) if unit_id else None,
        search=search,
    )


@router.post("", response={201: HomeOut, **ERRORS})
def open_home(request: HttpRequest, payload: HomeIn) -> tuple[int, WorkersHome]:
    home = home_actions.do_open_workers_home(
        acting_user=request.user, union=access_org_unit(request.user, payload.union_id), name=payload.name
    )
    return 201, home


@router.get("/facility-types", response={200: list[FacilityTypeOut], **ERRORS})
def list_facility_types(request: HttpRequest) -> list[FacilityType]:
    return list(queries.list_facility_types())


@router.post("/facility-types", response={201: FacilityTypeOut, **ERRORS})
def create_facility_type(request: HttpRequest, payload: FacilityTypeIn) -> tuple[int, FacilityType]:
    facility_type = home_actions.do_create_facility_type(
        acting_user=request.user,
        code=payload.code,
        name=payload.name,
        min_area_m2=payload.min_area_m2,
        items=[item.dict() for item in payload.items],
    )
    return 201, facility_type


@router.get("/standard", response={200: StandardOut, **ERRORS})
def current_standard(request: HttpRequest) -> object:
    """The standard in force (the newest published version), with its levels and items."""
    standard = queries.current_standard()
    if standard is None:
        raise NotFound()
    return standard


@router.get("/applications", response={200: list[ApplicationRowOut], **ERRORS})
@paginate(Pagination)
def list_applications(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    status: ApplicationStatus | None = None,  # type: ignore[valid-type]
    waiting_for_me: bool = False,
):
    """Applications in your area; `waiting_for_me`: those waiting for a step your role holds."""
    if waiting_for_me:
        return queries.application_queue(acting_user=request.user)
    return queries.list_applications(acting_user=request.user, status=str(status) if status else None)


@router.get("/applications/{int:application_id}", response={200: ApplicationOut, **ERRORS})
def get_application(request: HttpRequest, application_id: Id) -> LevelApplication:
    return _refreshed(access_application(request.user, application_id))


@router.post("/applications/{int:application_id}/recommend", response={200: ApplicationOut, **ERRORS})
def recommend_application(request: HttpRequest, application_id: Id) -> LevelApplication:
    """Street recommendation (street officer over the union)."""
    application = access_application(request.user, application_id)
    return _refreshed(
        level_actions.do_recommend_application(acting_user=request.user, application=application)
    )


@router.post("/applications/{int:application_id}/site-check", response={200: ApplicationOut, **ERRORS})
def record_site_check(request: HttpRequest, application_id: Id, payload: SiteCheckIn) -> LevelApplication:
    """District on-site check passed (district officer): every item as checked on site. Photos: the
    console's phone page, or POST them with the refusal."""
    application = access_application(request.user, application_id)
    return _refreshed(
        level_actions.do_record_site_check(
            acting_user=request.user, application=application, answers=_answers(payload.answers)
        )
    )


@router.post("/applications/{int:application_id}/approve", response={200: AwardedOut, **ERRORS})
def approve_application(request: HttpRequest, application_id: Id) -> AwardedLevel:
    """City approval (city administrator): the home holds the level for the level's years."""
    application = access_application(request.user, application_id)
    return level_actions.do_approve_application(acting_user=request.user, application=application)


@router.post("/applications/{int:application_id}/refuse", response={200: ApplicationOut, **ERRORS})
def refuse_application(request: HttpRequest, application_id: Id, payload: RefusalIn) -> LevelApplication:
    """Refuse at the step the application waits for (by that step's role), with a reason."""
    application = access_application(request.user, application_id)
    return _refreshed(
        level_actions.do_refuse_application(
            acting_user=request.user, application=application, reason=payload.reason
        )
    )


@router.get("/facilities/{int:facility_id}", response={200: FacilityOut, **ERRORS})
def get_facility(request: HttpRequest, facility_id: Id) -> Facility:
    return access_facility(request.user, facility_id)


@router.put("/facilities/{int:facility_id}", response={200: FacilityOut, **ERRORS})
def update_facility(request: HttpRequest, facility_id: Id, payload: FacilityUpdateIn) -> Facility:
    facility = access_facility(request.user, facility_id, write=True)
    return home_actions.do_update_facility(
        acting_user=request.user,
        facility=facility,
        area_m2=payload.area_m2,
        opening_hours=payload.opening_hours,
        equipment=payload.equipment,
    )


@router.post("/facilities/{int:facility_id}/photos", response={201: PhotoOut, **ERRORS, 413: ERRORS[400]})
def add_facility_photo(
    request: HttpRequest,
    facility_id: Id,
    photo: File[UploadedFile],
    caption: LabelText = Form("", max_length=100),  # noqa: B008 - ninja's way of declaring a form part
) -> tuple[int, FacilityPhoto]:
    """A photo of the facility (multipart `photo`: JPEG, PNG or WebP by content, ≤ 10 MB; EXIF removed)."""
    facility = access_facility(request.user, facility_id, write=True)
    return 201, home_actions.do_add_facility_photo(
        acting_user=request.user, facility=facility, upload=photo, caption=caption
    )


@router.post("/facilities/{int:facility_id}/usage", response={200: UsageOut, **ERRORS})
def record_usage(request: HttpRequest, facility_id: Id, payload: UsageIn) -> FacilityUsage:
    facility = access_facility(request.user, facility_id, write=True)
    year, month = (int(part) for part in payload.month.split("-"))
    return home_actions.do_record_facility_usage(
        acting_user=request.user,
        facility=facility,
        month=datetime.date(year, month, 1),
        visits=payload.visits,
    )


@router.get("/{int:home_id}", response={200: HomeOut, **ERRORS})
def get_home(request: HttpRequest, home_id: Id) -> WorkersHome:
    return access_home(request.user, home_id)


@router.get("/{int:home_id}/facilities", response={200: list[FacilityOut], **ERRORS})
def list_facilities(request: HttpRequest, home_id: Id) -> list[Facility]:
    return list(queries.facilities_of(access_home(request.user, home_id)))


@router.post("/{int:home_id}/facilities", response={201: FacilityOut, **ERRORS})
def add_facility(request: HttpRequest, home_id: Id, payload: FacilityIn) -> tuple[int, Facility]:
    home = access_home(request.user, home_id, write=True)
    facility_type = FacilityType.objects.filter(code=payload.facility_type_code).first()
    if facility_type is None:
        raise InvalidInput(field="facility_type_code")
    facility = home_actions.do_add_facility(
        acting_user=request.user,
        home=home,
        facility_type=facility_type,
        name=payload.name,
        area_m2=payload.area_m2,
        opening_hours=payload.opening_hours,
        equipment=payload.equipment,
    )
    return 201, facility


@router.post("/{int:home_id}/applications", response={201: ApplicationOut, **ERRORS})
def apply_for_level(
    request: HttpRequest, home_id: Id, payload: ApplicationIn
) -> tuple[int, LevelApplication]:
    """The union chair's self-assessment: every item of the level answered; it goes to the street next."""
    home = access_home(request.user, home_id)
    level = StandardLevel.objects.filter(pk=payload.level_id).select_related("standard").first()
    if level is None:
        raise InvalidInput(field="level_id")
    application = level_actions.do_apply_for_level(
        acting_user=request.user, home=home, level=level, answers=_answers(payload.answers)
    )
    return 201, _refreshed(application)


# --- funding: 建家经费补助 ------------------------------------------------------------------------------


@router.get("/budgets", response={200: list[BudgetOut], **ERRORS})
@paginate(Pagination)
def list_budgets(request: HttpRequest, year: Year | None = None):  # type: ignore[no-untyped-def]
    """Budgets for the districts in your area: total, committed by grants, disbursed, available (fen)."""
    return queries.list_budgets(acting_user=request.user, year=year)


@router.put("/budgets", response={200: BudgetOut, **ERRORS})
def set_budget(request: HttpRequest, payload: BudgetIn) -> Budget:
    """Set a funder's budget for a district and year (the city's administrators, a district's officers)."""
    return funding_actions.do_set_budget(
        acting_user=request.user,
        funder=access_org_unit(request.user, payload.funder_id),
        district=access_org_unit(request.user, payload.district_id),
        year=payload.year,
        total_fen=payload.total_fen,
    )


@router.get("/funding", response={200: list[FundingOut], **ERRORS})
@paginate(Pagination)
def list_funding(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    status: FundingStatus | None = None,  # type: ignore[valid-type]
    year: Year | None = None,
):
    return queries.list_funding(acting_user=request.user, status=str(status) if status else None, year=year)


@router.get("/funding/{int:application_id}", response={200: FundingOut, **ERRORS})
def get_funding(request: HttpRequest, application_id: Id) -> FundingApplication:
    return queries.funding_detail(access_funding(request.user, application_id))


@router.post("/funding/{int:application_id}/approve", response={200: FundingOut, **ERRORS})
def approve_funding(
    request: HttpRequest, application_id: Id, payload: FundingDecisionIn
) -> FundingApplication:
    """Grant an amount out of a budget (the funder's officer); never more than the budget has left."""
    application = access_funding(request.user, application_id)
    approved = funding_actions.do_approve_funding(
        acting_user=request.user,
        application=application,
        budget=access_budget(request.user, payload.budget_id),
        amount_fen=payload.amount_fen,
        pays_after_acceptance=payload.pays_after_acceptance,
    )
    return queries.funding_detail(approved)


@router.post("/funding/{int:application_id}/refuse", response={200: FundingOut, **ERRORS})
def refuse_funding(request: HttpRequest, application_id: Id, payload: FundingRefusalIn) -> FundingApplication:
    application = access_funding(request.user, application_id)
    refused = funding_actions.do_refuse_funding(
        acting_user=request.user,
        application=application,
        funder=access_org_unit(request.user, payload.funder_id),
        reason=payload.reason,
    )
    return queries.funding_detail(refused)


@router.post("/funding/{int:application_id}/accept", response={200: FundingOut, **ERRORS})
def accept_funded_work(request: HttpRequest, application_id: Id) -> FundingApplication:
    """The district's acceptance (验收) of the funded work."""
    application = access_funding(request.user, application_id)
    return queries.funding_detail(
        funding_actions.do_accept_funded_work(acting_user=request.user, application=application)
    )


@router.post("/funding/{int:application_id}/disbursements", response={201: DisbursementOut, **ERRORS})
def record_disbursement(
    request: HttpRequest, application_id: Id, payload: DisbursementIn
) -> tuple[int, Disbursement]:
    application = access_funding(request.user, application_id)
    return 201, funding_actions.do_record_disbursement(
        acting_user=request.user,
        application=application,
        amount_fen=payload.amount_fen,
        paid_date=payload.paid_date,
    )


@router.post(
    "/funding/{int:application_id}/spending", response={201: SpendingOut, **ERRORS, 413: ERRORS[400]}
)
def report_spending(
    request: HttpRequest,
    application_id: Id,
    receipts: File[list[UploadedFile]],
    spent_fen: int = Form(..., ge=0, le=10_000_000_000),
    note: FreeText = Form("", max_length=2000),  # noqa: B008
) -> tuple[int, SpendingReport]:
    """The union's spending report (multipart: `spent_fen`, `note`, one or more `receipts`: PDF or images)."""
    application = access_funding(request.user, application_id)
    return 201, funding_actions.do_report_spending(
        acting_user=request.user, application=application, spent_fen=spent_fen, note=note, receipts=receipts
    )


@router.post("/{int:home_id}/funding", response={201: FundingOut, **ERRORS, 413: ERRORS[400]})
def apply_for_funding(
    request: HttpRequest,
    home_id: Id,
    payload: Form[FundingIn],
    quotes: File[list[UploadedFile] | None] = None,
) -> tuple[int, FundingApplication]:
    """A subsidy for a facility or a level (multipart form; `quotes`: PDF or images, ≤ 10 MB each)."""
    home = access_home(request.user, home_id)
    facility = access_facility(request.user, payload.facility_id) if payload.facility_id else None
    level = StandardLevel.objects.filter(pk=payload.level_id).first() if payload.level_id else None
    if payload.level_id and level is None:
        raise InvalidInput(field="level_id")
    application = funding_actions.do_apply_for_funding(
        acting_user=request.user,
        home=home,
        year=payload.year,
        purpose=payload.purpose,
        amount_asked_fen=payload.amount_asked_fen,
        facility=facility,
        level=level,
        quotes=list(quotes or []),
    )
    return 201, queries.funding_detail(application)
