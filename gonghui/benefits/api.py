"""/api/v1/benefits/…: claims of the officer's area, totals by area, plans (city officers keep them)."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from gonghui.benefits import queries
from gonghui.benefits.access import access_claim, access_plan
from gonghui.benefits.actions.payouts import PayoutResult, do_create_payout_batches, do_record_payout_result
from gonghui.benefits.actions.plans import PlanData, do_create_benefit_plan, do_supersede_benefit_plan
from gonghui.benefits.actions.review import do_review_claim
from gonghui.benefits.calculation import Band
from gonghui.benefits.schemas import (
    AreaTotalOut,
    BatchesOut,
    BatchOut,
    ClaimOut,
    ClaimSource,
    ClaimStatus,
    Kind,
    PartnerPayoutPage,
    PayoutResultIn,
    PayoutResultOut,
    PayoutStatus,
    PlanIn,
    PlanOut,
    ReconciliationOut,
    ReviewIn,
)
from gonghui.cards.partner import PartnerSignature
from gonghui.core.access import get_in_scope
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


@router.post("/claims/{int:claim_id}/review", response={200: ClaimOut, **ERRORS})
def review_claim(request: HttpRequest, claim_id: Id, payload: ReviewIn) -> Any:
    """Approve or refuse a claim of the exception queue (district or city officers)."""
    claim = access_claim(request.user, claim_id)
    return do_review_claim(acting_user=request.user, claim=claim, approve=payload.approve, note=payload.note)


@router.post("/payouts/batches", response={201: BatchesOut, **ERRORS})
def create_batches(request: HttpRequest) -> Any:
    """Every approved claim of the area into batches, one per bank branch of the members' cards."""
    outcome = do_create_payout_batches(acting_user=request.user)
    return 201, {"batches": outcome.batches, "without_card": outcome.without_card}


@router.get("/payouts/batches", response={200: list[BatchOut], **ERRORS})
@paginate(Pagination)
def list_batches(request: HttpRequest):  # type: ignore[no-untyped-def]
    return queries.list_batches(acting_user=request.user)


def _line(line: queries.ReconciliationLine) -> dict[str, Any]:
    return {**line.__dict__, "balanced": line.balanced}


@router.get("/reconciliation", response={200: ReconciliationOut, **ERRORS})
def reconciliation(request: HttpRequest) -> Any:
    """Approved vs sent vs confirmed, per batch (latest 200) and per day, balancing to the fen."""
    report = queries.reconciliation(acting_user=request.user)
    return {
        "batches": [_line(line) for _batch, line in report.batches],
        "days": [_line(line) for line in report.days],
        "total": _line(report.total),
        "approved_unsent_fen": report.approved_unsent_fen,
        "balanced": report.balanced,
    }


# ---- the bank's back office (HMAC-signed, as /api/v1/partner: docs/cards.md) -----------------------


@router.get("/partner/payouts", response={200: PartnerPayoutPage, **ERRORS}, auth=PartnerSignature())
def partner_list_payouts(
    request: HttpRequest,
    status: PayoutStatus | None = None,  # type: ignore[valid-type]
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Any:
    """The payouts routed to the key's branch (status=SENT: the ones to make), oldest first."""
    payouts = queries.partner_payouts(request.auth, status=status)  # type: ignore[arg-type, attr-defined]
    return {"items": list(payouts[offset : offset + limit]), "count": payouts.count()}


@router.post(
    "/partner/payouts/{int:payout_id}/result",
    response={200: PayoutResultOut, **ERRORS},
    auth=PartnerSignature(),
)
def partner_post_result(request: HttpRequest, payout_id: Id, payload: PayoutResultIn) -> Any:
    """PAID (with the bank's reference) or FAILED (with a reason code). Posting the same result again
    answers 200 with changed=false; a different result for an answered payout is 409."""
    payout = get_in_scope(queries.partner_payouts(request.auth), payout_id)  # type: ignore[arg-type, attr-defined]
    outcome = do_record_payout_result(
        key=request.auth,  # type: ignore[arg-type, attr-defined]
        payout=payout,
        result=PayoutResult(
            status=payload.status,
            bank_reference=payload.bank_reference,
            failure_code=payload.failure_code,
            note=payload.note,
        ),
    )
    return {"payout": outcome.payout, "changed": outcome.changed}
