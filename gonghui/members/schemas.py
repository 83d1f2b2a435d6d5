import datetime
import uuid
from typing import Any, Literal

from ninja import Field, Schema

from gonghui.core.api_support import Id, LabelText, NameText, api_enum
from gonghui.core.event_labels import describe_actor
from gonghui.core.pii import mask_phone, mask_resident_id
from gonghui.members.models import Membership

MembershipStatus = api_enum("MembershipStatus", Membership.Status)


class MemberOut(Schema):
    id: int
    person_id: int
    name: str = Field(..., alias="person.name")
    gender: str = Field(..., alias="person.gender")
    # The year only: the masked ID hides exactly the birth date, so showing the date would unmask it.
    birth_year: int
    resident_id_masked: str
    phone_masked: str
    is_migrant_worker: bool = Field(..., alias="person.is_migrant_worker")
    union_id: int
    union_name: str = Field(..., alias="union.name")
    status: MembershipStatus  # type: ignore[valid-type]
    channel: str
    employer_id: int | None
    employer_name: str
    employment_status: str
    worksite_id: int | None
    applied_at: datetime.datetime
    joined_date: datetime.date | None
    warnings: list[str]
    rejection_reason: str

    @staticmethod
    def resolve_birth_year(obj: Membership) -> int:
        return obj.person.birth_date.year

    @staticmethod
    def resolve_resident_id_masked(obj: Membership) -> str:
        return mask_resident_id(obj.person.resident_id)

    @staticmethod
    def resolve_phone_masked(obj: Membership) -> str:
        return mask_phone(obj.person.phone)


class EnrolIn(Schema):
    union_id: int
    name: NameText = Field(..., min_length=1, max_length=50)
    resident_id: str = Field(..., min_length=1, max_length=40)
    phone: str = Field("", max_length=20)
    ethnicity: LabelText = Field("", max_length=20)
    education: str = Field("", max_length=20)
    political_status: str = Field("", max_length=20)
    hukou_type: str = Field("", max_length=20)
    is_migrant_worker: bool = False
    employer_id: int | None = None
    employer_name: NameText = Field("", max_length=200)
    employment_status: str = Field("EMPLOYED", max_length=20)
    worksite_id: int | None = None
    consent: bool
    confirm_area_warning: bool = False
    client_uuid: uuid.UUID | None = None


class EnrolOut(Schema):
    kind: str
    membership: MemberOut
    transfer_id: int | None
    warnings: list[str]


class SearchIn(Schema):
    q: str = Field("", max_length=40)
    union_id: Id | None = None
    status: MembershipStatus | None = None  # type: ignore[valid-type]


class RejectIn(Schema):
    reason: LabelText = Field(..., min_length=1, max_length=200)


class BulkApproveIn(Schema):
    union_id: int
    membership_ids: list[Id] = Field(..., min_length=1, max_length=1000)


class BulkApproveOut(Schema):
    approved: list[int]
    skipped: dict[int, str]


class TransferOut(Schema):
    id: int
    person_id: int
    name: str = Field(..., alias="person.name")
    from_union_id: int = Field(..., alias="from_membership.union_id")
    from_union_name: str = Field(..., alias="from_membership.union.name")
    to_union_id: int = Field(..., alias="to_membership.union_id")
    to_union_name: str = Field(..., alias="to_membership.union.name")
    status: str
    proposed_at: datetime.datetime
    decided_at: datetime.datetime | None
    reason: str


class DecideIn(Schema):
    approve: bool
    reason: LabelText = Field("", max_length=200)


class RevealIn(Schema):
    field: str = Field(..., pattern="^(resident_id|phone)$")


class RevealOut(Schema):
    field: str
    value: str


class HistoryOut(Schema):
    created_at: datetime.datetime
    # The staff login, or null for the worker's own phone, a partner bank or the system;
    # actor_label names each of them as the console does.
    actor: str | None = Field(None, alias="actor.username")
    actor_label: str
    event_type: str
    unit_name: str | None = Field(None, alias="unit.name")
    changed_fields: list[str]

    @staticmethod
    def resolve_actor_label(event: Any) -> str:
        return describe_actor(event)


class ImportJobOut(Schema):
    id: int
    union_id: int
    status: str
    original_name: str
    file_kind: str
    committed: bool
    rows_total: int
    rows_done: int
    rows_read: int
    accepted: int
    updated: int
    duplicates: int
    transfers: int
    rejected: int
    warnings: int
    unknown_columns: list[str]
    error_code: str
    error_message: str
    has_report: bool

    @staticmethod
    def resolve_has_report(obj: Any) -> bool:
        return bool(obj.report_file)


class ImportProblemOut(Schema):
    row: int
    column: str
    code: str
    message: str
    severity: str


class ExportIn(Schema):
    union_id: Id | None = None
    status: MembershipStatus | None = None  # type: ignore[valid-type]
    channel: str | None = Field(default=None, max_length=20)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    format: Literal["XLSX", "CSV"] = "XLSX"
    reveal: bool = False


class ExportJobOut(Schema):
    id: int
    status: str
    format: str
    reveal: bool
    rows_total: int
    rows_done: int
    ready: bool

    @staticmethod
    def resolve_ready(obj: Any) -> bool:
        return bool(obj.file)
