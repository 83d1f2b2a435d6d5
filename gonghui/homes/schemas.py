import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema

from gonghui.core.api_support import FreeText, Id, LabelText, NameText, api_enum
from gonghui.homes.models import FundingApplication, LevelApplication, StandardItem, StepDecision
from gonghui.homes.rules import area_met, checklist_rows, facility_meets_checklist

ApplicationStatus = api_enum("HomeApplicationStatus", LevelApplication.Status)
ItemKind = api_enum("HomeStandardItemKind", StandardItem.Kind)
Outcome = api_enum("HomeStepOutcome", StepDecision.Outcome)
FundingStatus = api_enum("HomeFundingStatus", FundingApplication.Status)
# A facility's checklist answer: yes/no for "has it", a whole number for "at least".
EquipmentValue = bool | int


class ChecklistItemOut(Schema):
    code: str
    text: str
    kind: str
    min_value: int | None


class FacilityTypeOut(Schema):
    id: int
    code: str
    name: str
    min_area_m2: Decimal
    checklist_items: list[ChecklistItemOut]

    @staticmethod
    def resolve_checklist_items(obj):  # type: ignore[no-untyped-def]
        return sorted(obj.checklist_items.all(), key=lambda i: (i.position, i.pk))


class ChecklistItemIn(Schema):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_]+$")
    text: LabelText = Field(..., min_length=1, max_length=200)
    kind: str = Field("HAS", pattern=r"^(HAS|AT_LEAST)$")
    min_value: int | None = Field(None, ge=0, le=10_000_000)


class FacilityTypeIn(Schema):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_]+$")
    name: NameText = Field(..., min_length=1, max_length=100)
    min_area_m2: Decimal = Field(Decimal(0), ge=0, le=100000, max_digits=8, decimal_places=1)
    items: list[ChecklistItemIn] = Field(default_factory=list, max_length=50)


class AwardOut(Schema):
    level_code: str = Field(..., alias="level.code")
    level_name: str = Field(..., alias="level.name")
    status: str
    awarded_date: datetime.date
    valid_until: datetime.date


class HomeOut(Schema):
    id: int
    name: str
    union_id: int
    union_name: str = Field(..., alias="union.name")
    awards: list[AwardOut]

    @staticmethod
    def resolve_awards(obj):  # type: ignore[no-untyped-def]
        return list(obj.awards.all())


class HomeIn(Schema):
    union_id: Id
    name: NameText = Field("", max_length=200)


class ChecklistAnswerOut(Schema):
    code: str
    text: str
    value: EquipmentValue | None
    met: bool


class FacilityOut(Schema):
    id: int
    home_id: int
    facility_type_code: str = Field(..., alias="facility_type.code")
    name: str
    area_m2: Decimal
    opening_hours: str
    area_met: bool
    checklist_met: bool
    checklist: list[ChecklistAnswerOut]

    @staticmethod
    def resolve_area_met(obj) -> bool:  # type: ignore[no-untyped-def]
        return area_met(obj)

    @staticmethod
    def resolve_checklist_met(obj) -> bool:  # type: ignore[no-untyped-def]
        return facility_meets_checklist(obj)

    @staticmethod
    def resolve_checklist(obj):  # type: ignore[no-untyped-def]
        return [
            {"code": r["item"].code, "text": r["item"].text, "value": r["value"], "met": r["met"]}
            for r in checklist_rows(obj)
        ]


class FacilityUpdateIn(Schema):
    # Decimal, so a negative area reaches the action and gets its own code (homes_area_invalid).
    area_m2: Decimal = Field(..., max_digits=9, decimal_places=1)
    opening_hours: LabelText = Field("", max_length=100)
    equipment: dict[str, EquipmentValue] = Field(default_factory=dict, max_length=50)


class FacilityIn(FacilityUpdateIn):
    facility_type_code: str = Field(..., min_length=1, max_length=40)
    name: NameText = Field(..., min_length=1, max_length=100)


class PhotoOut(Schema):
    id: int
    facility_id: int
    content_type: str
    caption: str
    uploaded_at: datetime.datetime


class UsageIn(Schema):
    month: str = Field(..., pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    visits: int = Field(..., ge=0, le=10_000_000)


class UsageOut(Schema):
    facility_id: int
    month: datetime.date
    visits: int


class StandardItemOut(Schema):
    id: int
    code: str
    text: str
    kind: ItemKind  # type: ignore[valid-type]
    points: int
    facility_type_code: str | None = Field(None, alias="facility_type.code")


class StandardLevelOut(Schema):
    id: int
    code: str
    name: str
    rank: int
    pass_mark: int
    validity_years: int
    items: list[StandardItemOut]

    @staticmethod
    def resolve_items(obj):  # type: ignore[no-untyped-def]
        return sorted(obj.items.all(), key=lambda i: (i.position, i.pk))


class StandardOut(Schema):
    id: int
    code: str
    version: int
    title: str
    is_example: bool
    source_note: str
    levels: list[StandardLevelOut]

    @staticmethod
    def resolve_levels(obj):  # type: ignore[no-untyped-def]
        return sorted(obj.levels.all(), key=lambda level: (level.rank, level.pk))


class ItemAnswerIn(Schema):
    item_id: Id
    met: bool = False
    points: int = Field(0, ge=0, le=1000)
    note: LabelText = Field("", max_length=300)


class ApplicationIn(Schema):
    level_id: Id
    answers: list[ItemAnswerIn] = Field(..., max_length=200)


class SiteCheckIn(Schema):
    answers: list[ItemAnswerIn] = Field(..., max_length=200)


class RefusalIn(Schema):
    reason: LabelText = Field(..., min_length=1, max_length=2000)


class ItemScoreOut(Schema):
    item_id: int
    item_code: str = Field(..., alias="item.code")
    self_met: bool
    self_points: int
    check_met: bool | None
    check_points: int | None
    check_note: str


class DecisionOut(Schema):
    step: str
    outcome: Outcome  # type: ignore[valid-type]
    reason: str
    decided_at: datetime.datetime


class ApplicationOut(Schema):
    id: int
    home_id: int
    home_name: str = Field(..., alias="home.name")
    level_id: int
    level_name: str = Field(..., alias="level.name")
    status: ApplicationStatus  # type: ignore[valid-type]
    self_score: int
    check_score: int | None
    applied_at: datetime.datetime
    scores: list[ItemScoreOut]
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_scores(obj):  # type: ignore[no-untyped-def]
        return list(obj.scores.all())

    @staticmethod
    def resolve_decisions(obj):  # type: ignore[no-untyped-def]
        return sorted(obj.decisions.all(), key=lambda d: (d.decided_at, d.pk))


class ApplicationRowOut(Schema):
    id: int
    home_id: int
    home_name: str = Field(..., alias="home.name")
    level_name: str = Field(..., alias="level.name")
    status: ApplicationStatus  # type: ignore[valid-type]
    self_score: int
    applied_at: datetime.datetime


class AwardedOut(Schema):
    home_id: int
    level_name: str = Field(..., alias="level.name")
    awarded_date: datetime.date
    valid_until: datetime.date


# --- funding ----------------------------------------------------------------------------------------

Fen = Annotated[int, Field(ge=0, le=10_000_000_000, description="an amount in fen (1 yuan = 100 fen)")]


class BudgetIn(Schema):
    funder_id: Id
    district_id: Id
    year: int = Field(..., ge=2000, le=2100)
    total_fen: Fen


class BudgetOut(Schema):
    id: int
    funder_id: int
    funder_name: str = Field(..., alias="funder.name")
    district_id: int
    district_name: str = Field(..., alias="district.name")
    year: int
    total_fen: int
    committed_fen: int
    disbursed_fen: int
    available_fen: int


class FundingIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    purpose: FreeText = Field(..., min_length=1, max_length=2000)
    amount_asked_fen: Fen
    facility_id: Id | None = None
    level_id: Id | None = None


class FundingDecisionIn(Schema):
    budget_id: Id
    amount_fen: Fen
    pays_after_acceptance: bool = False


class FundingRefusalIn(Schema):
    funder_id: Id
    reason: FreeText = Field(..., min_length=1, max_length=2000)


class DisbursementIn(Schema):
    amount_fen: Fen
    paid_date: datetime.date


class DisbursementOut(Schema):
    number: int
    amount_fen: int
    paid_date: datetime.date


class SpendingOut(Schema):
    spent_fen: int
    note: str
    submitted_at: datetime.datetime


class FundingOut(Schema):
    id: int
    home_id: int
    home_name: str = Field(..., alias="home.name")
    facility_id: int | None
    level_id: int | None
    year: int
    purpose: str
    amount_asked_fen: int
    status: FundingStatus  # type: ignore[valid-type]
    budget_id: int | None
    amount_granted_fen: int | None
    pays_after_acceptance: bool
    accepted_at: datetime.datetime | None
    disbursed_fen: int
    refusal_reason: str
    disbursements: list[DisbursementOut]
    spending_reports: list[SpendingOut]

    @staticmethod
    def resolve_disbursements(obj):  # type: ignore[no-untyped-def]
        return sorted(obj.disbursements.all(), key=lambda d: d.number)

    @staticmethod
    def resolve_spending_reports(obj):  # type: ignore[no-untyped-def]
        return sorted(obj.spending_reports.all(), key=lambda r: (r.submitted_at, r.pk))
