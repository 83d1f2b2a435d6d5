import datetime
import uuid
from typing import Any

from ninja import Field, Schema

from gonghui.core.api_support import AddressText, FreeText, Id, LabelText, NameText, api_enum
from gonghui.meetings.models import Cadence, Meeting, MeetingKind, PlaceKind, QuestionKind, ResponseChannel

MeetingStatus = api_enum("MeetingStatus", Meeting.Status)
MeetingKindEnum = api_enum("MeetingKind", MeetingKind)
CadenceEnum = api_enum("MeetingCadence", Cadence)
PlaceKindEnum = api_enum("MeetingPlaceKind", PlaceKind)
QuestionKindEnum = api_enum("QuestionKind", QuestionKind)
ResponseChannelEnum = api_enum("ResponseChannel", ResponseChannel)
Text = Field("", max_length=5000)


class MeetingOut(Schema):
    id: int
    kind: MeetingKindEnum  # type: ignore[valid-type]
    title: str
    organiser_id: int
    organiser_name: str = Field(..., alias="organiser.name")
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    cadence: CadenceEnum  # type: ignore[valid-type]
    series_id: int | None
    place_kind: PlaceKindEnum  # type: ignore[valid-type]
    place_name: str
    enterprise_id: int | None
    worksite_id: int | None
    address: str
    partner_units: list[str]
    questionnaire_id: int | None
    card_branch_id: int | None
    status: MeetingStatus  # type: ignore[valid-type]
    attendance: int | None
    consultations: int | None
    materials_handed_out: int | None
    notes: str
    management_attendees: str
    concerns: str
    service_package: str
    held_at: datetime.datetime | None
    closed_at: datetime.datetime | None

    @staticmethod
    def resolve_partner_units(obj: Meeting) -> list[str]:
        return obj.partner_unit_list


class MeetingIn(Schema):
    kind: MeetingKindEnum  # type: ignore[valid-type]
    title: LabelText = Field(..., min_length=1, max_length=200)
    organiser_id: Id
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place_kind: PlaceKindEnum  # type: ignore[valid-type]
    enterprise_id: Id | None = None
    worksite_id: Id | None = None
    address: AddressText = Field("", max_length=300)
    cadence: CadenceEnum = Cadence.ONE_OFF  # type: ignore[valid-type]
    partner_units: list[LabelText] = Field(default_factory=list, max_length=20)
    target_enterprise_ids: list[Id] = Field(default_factory=list, max_length=100)
    questionnaire_id: Id | None = None
    card_branch_id: Id | None = Field(
        None, description="The bank branch issuing service cards at the meeting (an active one)."
    )


class MeetingCreateIn(MeetingIn):
    weekly_count: int | None = Field(None, ge=2, le=52, description="Make a weekly series of this many.")


class MeetingUpdateIn(MeetingIn):
    rest_of_series: bool = False


class FollowUpIn(Schema):
    text: LabelText = Field(..., min_length=1, max_length=300)
    owner_name: NameText = Field(..., min_length=1, max_length=100)
    due_date: datetime.date


class CloseIn(Schema):
    attendance: int | None = Field(None, ge=0, le=100_000)
    consultations: int = Field(0, ge=0, le=100_000)
    materials_handed_out: int = Field(0, ge=0, le=100_000)
    notes: FreeText = Text
    management_attendees: FreeText = Field("", max_length=2000)
    concerns: FreeText = Text
    service_package: FreeText = Text
    follow_ups: list[FollowUpIn] = Field(default_factory=list, max_length=50)


class HostLinkOut(Schema):
    url: str
    issued_at: datetime.datetime


class CheckInIn(Schema):
    name: NameText = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    head_count: int = Field(1, ge=1, le=500)


class CheckInOut(Schema):
    created: bool
    total: int


class StageOut(Schema):
    key: str
    label: str
    count: int


class FunnelOut(Schema):
    meetings: int
    people: list[StageOut]
    enterprises: list[StageOut]


class QuestionIn(Schema):
    kind: QuestionKindEnum  # type: ignore[valid-type]
    text: LabelText = Field(..., min_length=1, max_length=300)
    choices: list[LabelText] = Field(default_factory=list, max_length=20)
    required: bool = False
    show_if_position: int | None = Field(None, ge=1, le=50)
    show_if_choice: LabelText = Field("", max_length=100)


class QuestionnaireCreateIn(Schema):
    owner_id: Id
    title: LabelText = Field("", max_length=200)
    description: FreeText = Field("", max_length=2000)
    template: str | None = Field(None, max_length=40, description="establishment_ten or worker_needs")
    questions: list[QuestionIn] = Field(default_factory=list, max_length=50)


class QuestionnaireEditIn(Schema):
    title: LabelText = Field(..., min_length=1, max_length=200)
    description: FreeText = Field("", max_length=2000)
    questions: list[QuestionIn] = Field(..., min_length=1, max_length=50)


class QuestionnaireOut(Schema):
    id: int
    owner_id: int
    owner_name: str = Field(..., alias="owner.name")
    title: str
    description: str
    template_key: str


class ShowIfOut(Schema):
    question_id: int
    choice: str


class QuestionOut(Schema):
    id: int
    position: int
    kind: QuestionKindEnum  # type: ignore[valid-type]
    text: str
    choices: list[str]
    required: bool
    show_if: ShowIfOut | None


class DefinitionOut(Schema):
    questionnaire_id: int
    title: str
    description: str
    version_id: int
    version: int
    questions: list[QuestionOut]


class ResponseIn(Schema):
    version_id: Id
    meeting_id: Id | None = None
    channel: ResponseChannelEnum = ResponseChannel.CONSOLE  # type: ignore[valid-type]
    client_uuid: uuid.UUID | None = None
    answers: dict[str, Any] = Field(..., description="question id -> choice, list of choices, text or number")


class ResponseOut(Schema):
    id: int
    version_id: int
    meeting_id: int | None
    channel: str
    created_at: datetime.datetime


class QuestionResultOut(Schema):
    question_id: int
    position: int
    kind: str
    text: str
    answered: int
    counts: list[tuple[str, int]]
    average: float | None
    minimum: float | None
    maximum: float | None
    texts: list[str]


class ResultsOut(Schema):
    questionnaire_id: int
    version: int
    responses: int
    questions: list[QuestionResultOut]


class IntentLetterIn(Schema):
    enterprise_id: Id
    signatory_name: NameText = Field(..., min_length=1, max_length=50)
    signatory_title: LabelText = Field("", max_length=100)
    signed_date: datetime.date


class IntentLetterOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(..., alias="enterprise.name")
    meeting_id: int | None
    signatory_name: str
    signatory_title: str
    signed_date: datetime.date
    has_scan: bool

    @staticmethod
    def resolve_has_scan(obj: Any) -> bool:
        return bool(obj.scan)
