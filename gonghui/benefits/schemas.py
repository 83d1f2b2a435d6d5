import datetime
from typing import Literal

from ninja import Field, Schema

from gonghui.benefits.eligibility import Refusal
from gonghui.benefits.models import BenefitKind, BenefitPlan, HospitalLevel, Payout, ReimbursementClaim
from gonghui.core.api_support import FreeText, Id, LabelText, NameText, api_enum

ClaimStatus = api_enum("BenefitClaimStatus", ReimbursementClaim.Status)
ClaimSource = api_enum("BenefitClaimSource", ReimbursementClaim.Source)
Kind = api_enum("BenefitKind", BenefitKind)
Level = api_enum("HospitalLevel", HospitalLevel)
RefusalCode = api_enum("BenefitRefusalCode", Refusal)
PlanStatus = api_enum("BenefitPlanStatus", BenefitPlan.Status)

Fen = int  # amounts are integer fen (1 yuan = 100 fen)


class ClaimOut(Schema):
    """A claim as its officers see it: the calculation step by step, amounts in fen."""

    id: int
    person_id: int
    name: str = Field(..., alias="person.name")
    union_id: int
    union_name: str = Field(..., alias="union.name")
    source: ClaimSource  # type: ignore[valid-type]
    settlement_id: str | None
    plan_id: int | None
    kind: Kind  # type: ignore[valid-type]
    service_date: datetime.date
    hospital: str
    hospital_level: Level  # type: ignore[valid-type]
    total_cost_fen: Fen
    covered_fen: Fen
    self_paid_in_scope_fen: Fen
    deductible_applied_fen: Fen
    after_bands_fen: Fen
    after_claim_cap_fen: Fen
    payable_fen: Fen
    status: ClaimStatus  # type: ignore[valid-type]
    refusal_code: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_settlement_id(obj: ReimbursementClaim) -> str | None:
        return obj.settlement.settlement_id if obj.settlement_id else None  # type: ignore[union-attr]


class BandIO(Schema):
    upper_fen: Fen | None = Field(None, ge=1, le=10**12)
    ratio_bp: int = Field(..., ge=0, le=10_000)


class PlanIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    kind: Kind  # type: ignore[valid-type]
    name: NameText = Field(..., max_length=100)
    is_example: bool = False
    deductible_fen: Fen = Field(..., ge=0, le=10**12)
    bands: list[BandIO] = Field(..., min_length=1, max_length=20)
    per_claim_cap_fen: Fen = Field(..., ge=0, le=10**12)
    per_year_cap_fen: Fen = Field(..., ge=0, le=10**12)
    waiting_days: int = Field(0, ge=0, le=3650)
    eligible_levels: list[Level] = Field(..., min_length=1, max_length=10)  # type: ignore[valid-type]


class PlanOut(Schema):
    id: int
    year: int
    kind: Kind  # type: ignore[valid-type]
    name: str
    is_example: bool
    status: PlanStatus  # type: ignore[valid-type]
    version: int
    deductible_fen: Fen
    bands: list[BandIO]
    per_claim_cap_fen: Fen
    per_year_cap_fen: Fen
    waiting_days: int
    eligible_levels: list[str]
    supersedes_id: int | None

    @staticmethod
    def resolve_bands(obj: BenefitPlan) -> list[dict[str, int | None]]:
        return [{"upper_fen": upper, "ratio_bp": ratio} for upper, ratio in obj.bands]


class AreaTotalOut(Schema):
    unit_id: int
    name: str
    approved: int
    review: int
    refused: int
    payable_fen: Fen


class ClaimFilterIn(Schema):
    status: ClaimStatus | None = None  # type: ignore[valid-type]
    kind: Kind | None = None  # type: ignore[valid-type]
    union_id: Id | None = None


class ReviewIn(Schema):
    approve: bool
    note: FreeText = Field("", max_length=300)


class BatchOut(Schema):
    id: int
    reference: str
    branch_id: int
    status: str
    payouts_count: int
    total_fen: Fen
    created_at: datetime.datetime
    closed_at: datetime.datetime | None


class BatchesOut(Schema):
    batches: list[BatchOut]
    without_card: int


class LineOut(Schema):
    label: str
    approved_fen: Fen
    sent_fen: Fen
    paid_fen: Fen
    failed_fen: Fen
    outstanding_fen: Fen
    payouts: int
    balanced: bool


class ReconciliationOut(Schema):
    batches: list[LineOut]
    days: list[LineOut]
    total: LineOut
    approved_unsent_fen: Fen
    balanced: bool


PayoutStatus = api_enum("BenefitPayoutStatus", Payout.Status)


class PartnerPayoutOut(Schema):
    """What the bank needs to credit the card: the payout, its batch, the amount, the card number, the
    holder's name."""

    id: int
    batch_reference: str = Field(..., alias="batch.reference")
    amount_fen: Fen
    card_number: str = Field(..., alias="card.number")
    name: str = Field(..., alias="claim.person.name")
    status: PayoutStatus  # type: ignore[valid-type]
    bank_reference: str
    created_at: datetime.datetime


class PartnerPayoutPage(Schema):
    items: list[PartnerPayoutOut]
    count: int


class PayoutResultIn(Schema):
    status: Literal["PAID", "FAILED"]
    bank_reference: LabelText = Field("", max_length=64)
    failure_code: Literal["", "card_closed", "card_frozen", "account_mismatch", "bank_error", "other"] = ""
    note: LabelText = Field("", max_length=200)


class PayoutResultOut(Schema):
    payout: PartnerPayoutOut
    changed: bool
