"""API schemas of the 朋友圈. No schema here carries a worker's resident ID or phone: member units get
only what delivery needs, and officers see a QR contact's phone on the console, masked."""

import datetime

from ninja import Field, Schema

from gonghui.core.api_support import AddressText, FreeText, Id, LabelText, api_enum
from gonghui.needs.models import Claim, Need, PartnerUnit, Sector

NeedStatus = api_enum("NeedStatus", Need.Status)
NeedClosureEnum = api_enum("NeedClosure", Need.Closure)
ClaimStatus = api_enum("ClaimStatus", Claim.Status)
SectorEnum = api_enum("CommitteeSector", Sector)
PartnerKindEnum = api_enum("PartnerUnitKind", PartnerUnit.Kind)


class WorkTypeOut(Schema):
    id: int
    code: str
    name: str


class DeadlineClassOut(Schema):
    id: int
    code: str
    name: str
    hours: int
    source: str


class CommitteeOut(Schema):
    id: int
    name: str
    sector: SectorEnum  # type: ignore[valid-type]
    founded_date: datetime.date
    union_id: int
    union_name: str = Field(..., alias="union.name")


class PartnerUnitOut(Schema):
    id: int
    name: str
    kind: PartnerKindEnum  # type: ignore[valid-type]
    contact_name: str
    covers: str
    work_type_ids: list[int]

    @staticmethod
    def resolve_work_type_ids(obj: PartnerUnit) -> list[int]:
        return sorted(w.pk for w in obj.work_types.all())


class ClaimOut(Schema):
    id: int
    unit_id: int
    unit_name: str = Field(..., alias="unit.name")
    status: ClaimStatus  # type: ignore[valid-type]
    claimed_at: datetime.datetime
    ended_at: datetime.datetime | None
    reason: str
    work_type_ids: list[int]

    @staticmethod
    def resolve_work_type_ids(obj: Claim) -> list[int]:
        return sorted(w.pk for w in obj.work_types.all())


class NeedOut(Schema):
    id: int
    committee_id: int
    title: str
    description: str
    work_type_id: int
    work_type_name: str = Field(..., alias="work_type.name")
    deadline_class: str = Field(..., alias="deadline_class.code")
    people_count: int
    worksite_id: int | None
    enterprise_id: int | None
    place_name: str
    status: NeedStatus  # type: ignore[valid-type]
    posted_at: datetime.datetime
    due_at: datetime.datetime
    first_claimed_at: datetime.datetime | None
    scheduled_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    closure: str
    closure_reason: str
    confirmed_at: datetime.datetime | None
    satisfaction: int | None
    meeting_id: int | None
    waiting_since: datetime.datetime | None
    waiting_question: str
    paused_seconds: int


class NeedIn(Schema):
    committee_id: Id
    work_type_id: Id
    deadline_class: str = Field(
        ..., min_length=1, max_length=32, description="URGENT, UTILITIES, GENERAL, COMPLEX …"
    )
    title: LabelText = Field(..., min_length=1, max_length=100)
    description: FreeText = Field("", max_length=2000)
    people_count: int = Field(..., ge=1, le=100_000)
    worksite_id: Id | None = None
    enterprise_id: Id | None = None


class ClaimIn(Schema):
    work_type_ids: list[Id] = Field(..., min_length=1, max_length=20)


class ReasonIn(Schema):
    reason: LabelText = Field(..., min_length=1, max_length=300)


class ScheduleIn(Schema):
    starts_at: datetime.datetime
    place: AddressText = Field("", max_length=300)
    brought: LabelText = Field("", max_length=300)


class ServiceEventOut(Schema):
    id: int
    need_id: int
    starts_at: datetime.datetime
    place: str
    brought: str
    provider_ids: list[int]
    delivered_at: datetime.datetime | None
    people_served: int


class ServedIn(Schema):
    head_count: int = Field(..., ge=1, le=5000)


class CloseIn(Schema):
    closure: NeedClosureEnum  # type: ignore[valid-type]
    reason: LabelText = Field("", max_length=300)


class ConfirmIn(Schema):
    satisfaction: int = Field(..., ge=1, le=5)


class RatioOut(Schema):
    numerator: int
    denominator: int
    percent: float | None


class RatesOut(Schema):
    id: int | None
    name: str
    needs: int
    response: RatioOut
    on_time_delivery: RatioOut
    resolution: RatioOut
    satisfaction: float | None
    confirmed: int
    send_back: RatioOut
    people_served: int
    overdue: int


class AreaRatesOut(Schema):
    total: RatesOut
    by_street: list[RatesOut]
    by_committee: list[RatesOut]
    by_unit: list[RatesOut]


class QuestionIn(Schema):
    question: LabelText = Field(..., min_length=1, max_length=300)


class AnswerIn(Schema):
    answer: LabelText = Field(..., min_length=1, max_length=300)
