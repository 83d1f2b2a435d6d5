import datetime

from ninja import Field, Schema

from gonghui.core.api_support import FreeText, Id, LabelText, NameText, api_enum
from gonghui.establishment.models import (
    EnterpriseImport,
    Establishment,
    PipelineApplicant,
    Stage,
    StageRecord,
    UnionPath,
)

StageEnum = api_enum("EstablishmentStage", Stage)
StatusEnum = api_enum("EstablishmentStatus", Establishment.Status)
UnionPathEnum = api_enum("EstablishmentUnionPath", UnionPath)
RecordSourceEnum = api_enum("EstablishmentRecordSource", StageRecord.Source)
ApplicantSourceEnum = api_enum("EstablishmentApplicantSource", PipelineApplicant.Source)


class CaseOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(..., alias="enterprise.name")
    stage: StageEnum  # type: ignore[valid-type]
    stage_date: datetime.date
    status: StatusEnum  # type: ignore[valid-type]
    status_reason: str
    officer_id: int
    next_follow_up_date: datetime.date | None
    union_path: str
    union_path_reason: str
    approval_document_number: str
    approval_date: datetime.date | None
    assembly_date: datetime.date | None
    member_count: int | None
    women_member_count: int | None
    members_present: int | None
    committee_size: int | None
    chair_name: str
    funds_audit_committee: bool
    women_committee: bool
    term_years: int | None
    certificate_number: str
    union_uscc: str
    registered_date: datetime.date | None
    union_id: int | None
    opened_at: datetime.datetime
    updated_at: datetime.datetime


class StageRecordOut(Schema):
    id: int
    stage: StageEnum  # type: ignore[valid-type]
    stage_date: datetime.date
    officer_id: int
    next_follow_up_date: datetime.date | None
    note: str
    skipped_stages: list[str]
    skip_reason: str
    source: RecordSourceEnum  # type: ignore[valid-type]
    has_evidence: bool
    recorded_at: datetime.datetime

    @staticmethod
    def resolve_has_evidence(obj: StageRecord) -> bool:
        return bool(obj.evidence)


class CaseDetailOut(CaseOut):
    timeline: list[StageRecordOut]


class CaseOpenIn(Schema):
    enterprise_id: Id
    stage_date: datetime.date | None = None
    next_follow_up_date: datetime.date | None = None
    note: FreeText = Field("", max_length=2000)


class StepIn(Schema):
    stage_date: datetime.date
    next_follow_up_date: datetime.date | None = None
    note: FreeText = Field("", max_length=2000)
    skip_reason: LabelText = Field("", max_length=300)


class SimpleStageIn(StepIn):
    stage: StageEnum  # type: ignore[valid-type]


class GroupMemberIn(Schema):
    name: NameText = Field(..., min_length=1, max_length=50)
    resident_id: str = Field(..., min_length=1, max_length=40)
    is_leader: bool = False
    applies_to_join: bool = False
    phone: str = Field("", max_length=20)


class PreparatoryGroupIn(StepIn):
    members: list[GroupMemberIn] = Field(..., max_length=20)
    union_path: UnionPathEnum  # type: ignore[valid-type]
    union_path_reason: LabelText = Field("", max_length=300)
    expected_members: int = Field(0, ge=0, le=10_000_000)
    joint_unit_id: Id | None = None


class ApprovalIn(StepIn):
    document_number: LabelText = Field(..., min_length=1, max_length=100)


class AssemblyIn(StepIn):
    member_count: int = Field(..., ge=1, le=10_000_000)
    members_present: int = Field(..., ge=0, le=10_000_000)
    women_member_count: int = Field(0, ge=0, le=10_000_000)
    committee_size: int = Field(..., ge=0, le=1000)
    chair_name: NameText = Field(..., min_length=1, max_length=50)
    funds_audit_committee: bool = False
    women_committee: bool = False
    term_years: int = Field(5, ge=1, le=10)


class RegistrationIn(StepIn):
    certificate_number: LabelText = Field(..., min_length=1, max_length=50)
    union_uscc: str = Field(..., min_length=1, max_length=40)


class EstablishIn(Schema):
    union_code: LabelText = Field(..., min_length=1, max_length=32)
    union_name: NameText = Field(..., min_length=1, max_length=200)
    chair_user_id: Id | None = None
    chair_username: str = Field("", max_length=150)
    chair_password: str = Field("", max_length=128)


class EstablishOut(Schema):
    case: CaseOut
    union_id: int
    enrolled: int
    transfers_proposed: int
    refused: int


class ReasonIn(Schema):
    reason: LabelText = Field(..., min_length=1, max_length=300)


class ApplicantIn(Schema):
    name: NameText = Field(..., min_length=1, max_length=50)
    resident_id: str = Field(..., min_length=1, max_length=40)
    phone: str = Field("", max_length=20)
    source: ApplicantSourceEnum = "CONSOLE"  # type: ignore[valid-type]
    consent_given: bool


class ApplicantOut(Schema):
    id: int
    name: str
    source: str
    membership_id: int | None


class CoverageRowOut(Schema):
    code: str
    name: str
    target: int
    with_union: int
    in_pipeline: int
    uncovered: int
    rate: float | None
    by_stage: dict[str, int]


class CoverageOut(Schema):
    threshold: int
    rows: list[CoverageRowOut]
    total: CoverageRowOut


class BoardColumnOut(Schema):
    stage: StageEnum  # type: ignore[valid-type]
    label: str
    cases: list[CaseOut]


ImportSourceEnum = api_enum("EnterpriseImportSource", EnterpriseImport.Source)


class EnterpriseImportOut(Schema):
    id: int
    managing_unit_id: int
    source: str
    status: str
    original_name: str
    file_kind: str
    committed: bool
    rows_total: int
    rows_done: int
    created_count: int
    updated_count: int
    unchanged_count: int
    rejected_count: int
    error_code: str
    error_message: str
    has_report: bool

    @staticmethod
    def resolve_has_report(obj: EnterpriseImport) -> bool:
        return bool(obj.report_file)
