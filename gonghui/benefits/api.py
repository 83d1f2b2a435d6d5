"""/api/v1/benefits/…: claims of the officer's area, totals by area, plans (city officers keep them)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from gonghui.benefits import queries
from gonghui.benefits.access import access_claim, access_plan
from gonghui.benefits.actions.plans import PlanData, do_create_benefit_plan, do_supersede_benefit_plan
from gonghui.benefits.calculation import Band
from gonghui.benefits.schemas import AreaTotalOut, ClaimOut, ClaimSource, ClaimStatus, Kind, PlanIn, PlanOut
from gonghui.core.api_support import ERRORS, Id, Pagination

router = Router(tags=["benefits"])


@router.get("/claims", response={200: list[ClaimOut], **ERRORS})
@paginate(Pagination)
def list_claims(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    status: ClaimStatus | None = None,  # type: ignore[valid-type]
    kind: Kind | None = None,  # type: ignore[valid-type]
    source: ClaimSource | None = None,  # type: ignore[valid-type]
    union_id: Id | None = None,
):
    """Claims of members in the officer's subtree, newest first."""
    filters = queries.ClaimFilters(
        status=status or "", kind=kind or "", source=source or "", union_id=union_id
    )
    return queries.list_claims(acting_user=request.user, filters=filters)


@router.get("/claims/{int:claim_id}", response={200: ClaimOut, **ERRORS})
def get_claim(request: HttpRequest, claim_id: Id) -> Any:
    return access_claim(request.user, claim_id)


@router.get("/totals", response={200: list[AreaTotalOut], **ERRORS})
def totals(request: HttpRequest) -> Any:
    """Approved, waiting and refused claims and the approved money, per unit under the officer's own."""
    return queries.totals_by_district(acting_user=request.user)


@router.get("/plans", response={200: list[PlanOut], **ERRORS})
@paginate(Pagination)
def list_plans(request: HttpRequest):  # type: ignore[no-untyped-def]
    return queries.list_plans(acting_user=request.user)


@router.get("/plans/{int:plan_id}", response={200: PlanOut, **ERRORS})
def get_plan(request: HttpRequest, plan_id: Id) -> Any:
    return access_plan(request.user, plan_id)


def _plan_data(payload: PlanIn) -> PlanData:
    return PlanData(
        year=payload.year,
        kind=payload.kind,
        name=payload.name,
        is_example=payload.is_example,
        deductible_fen=payload.deductible_fen,
        bands=tuple(Band(b.upper_fen, b.ratio_bp) for b in payload.bands),
        per_claim_cap_fen=payload.per_claim_cap_fen,
        per_year_cap_fen=payload.per_year_cap_fen,
        waiting_days=payload.waiting_days,
        eligible_levels=tuple(str(level) for level in payload.eligible_levels),
    )


@router.post("/plans", response={201: PlanOut, **ERRORS})
def create_plan(request: HttpRequest, payload: PlanIn) -> Any:
    return 201, do_create_benefit_plan(acting_user=request.user, data=_plan_data(payload))


@router.post("/plans/{int:plan_id}/supersede", response={201: PlanOut, **ERRORS})
def supersede_plan(request: HttpRequest, plan_id: Id, payload: PlanIn) -> Any:
    """A new version of the plan in force (the old one stays, with the claims computed by it)."""
    plan = access_plan(request.user, plan_id)
    return 201, do_supersede_benefit_plan(acting_user=request.user, data=_plan_data(payload), plan=plan)
