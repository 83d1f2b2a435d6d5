import datetime
import uuid
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from gonghui.core.api_support import LabelText, NameText
from gonghui.members.models import EmploymentStatus


class PairIn(Schema):
    token: str = Field(..., min_length=16, max_length=100)
    # base64 of the DER SubjectPublicKeyInfo that WebCrypto exports ("spki") for the ECDSA P-256 key.
    public_key: str = Field(..., min_length=40, max_length=1000)


class UnionOut(Schema):
    id: int
    name: str


class ShowIfOut(Schema):
    question_id: int
    choice: str


class QuestionOut(Schema):
    id: int
    position: int
    kind: str  # SINGLE, MULTIPLE, TEXT, NUMBER, RATING
    text: str
    choices: list[str]
    required: bool
    show_if: ShowIfOut | None


class QuestionnaireOut(Schema):
    """The meeting's questionnaire as its current version asks it (meetings' questionnaire_definition):
    the phone renders it offline and sends the answers keyed by these question ids."""

    questionnaire_id: int
    title: str
    description: str
    version_id: int
    version: int
    questions: list[QuestionOut]


class MeetingOut(Schema):
    id: int
    title: str
    starts_at: datetime.datetime
    place: str
    # The phone's unions a record at the meeting may join; null: all of them.
    union_ids: list[int] | None
    # The questionnaire answered at the meeting, if it has one.
    questionnaire: QuestionnaireOut | None = None


class ServerKeyOut(Schema):
    alg: str
    kid: str
    spki: str


class DeviceConfigOut(Schema):
    """What a phone needs to work offline: who it is, where it may enrol, and the key to encrypt to."""

    device_id: uuid.UUID
    name: str
    status: str
    collector_name: str
    unit_name: str
    unions: list[UnionOut]
    meetings: list[MeetingOut]  # the meetings a record may be attributed to (optional on each record)
    server_key: ServerKeyOut
    policy_version: str
    server_time: int


class EnvelopeIn(Schema):
    alg: str = Field(..., max_length=40)
    kid: str = Field(..., max_length=64)
    key: str = Field(..., max_length=1400)
    iv: str = Field(..., max_length=40)
    # A questionnaire's text answers make a longer record than an enrolment's form; 50 of these still
    # fit the 2 MB request limit.
    ciphertext: str = Field(..., max_length=36000)


class UploadItem(Schema):
    record_uuid: uuid.UUID
    created_at: datetime.datetime
    envelope: EnvelopeIn


class UploadIn(UploadItem):
    """One record (POST /uploads)."""

    device_id: uuid.UUID
    nonce: str = Field(..., min_length=8, max_length=64)


# A phone sends its queue in batches of at most this many records (POST /uploads/batch).
MAX_BATCH = 50


class UploadBatchIn(Schema):
    device_id: uuid.UUID
    nonce: str = Field(..., min_length=8, max_length=64)
    uploads: list[UploadItem] = Field(..., min_length=1, max_length=MAX_BATCH)


class UploadOut(Schema):
    record_uuid: uuid.UUID
    status: Literal["accepted", "rejected"]
    code: str
    message: str
    membership_id: int | None = None
    response_id: int | None = None  # a questionnaire response (kind "response")
    # Accepted with a reservation, e.g. "meeting_not_allowed": enrolled, but not counted for the meeting.
    warnings: list[str] = []


class UploadBatchOut(Schema):
    results: list[UploadOut]  # one per upload, in the order sent


class RecordIn(Schema):
    """The plaintext inside an envelope: the national collection form plus the record's own id."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["enrolment"] = "enrolment"
    record_uuid: uuid.UUID
    union_id: int
    # The 沟通会 the worker was enrolled at, if the collector picked one (a primary key's range).
    meeting_id: int | None = Field(None, ge=1, le=2**63 - 1)
    name: NameText = Field(..., max_length=100)
    resident_id: str = Field(..., max_length=40)
    phone: str = Field("", max_length=30)
    ethnicity: LabelText = Field("", max_length=20)
    education: str = Field("", max_length=20)
    political_status: str = Field("", max_length=20)
    hukou_type: str = Field("", max_length=20)
    is_migrant_worker: bool = False
    employer_name: NameText = Field("", max_length=200)
    employment_status: str = Field(EmploymentStatus.EMPLOYED.value, max_length=20)
    consent: bool = False
    collected_at: datetime.datetime | None = None


# One answer as the phone sends it: a choice, a list of choices (multiple choice), text, or a number or
# rating as text; null or "" for a question left empty.
AnswerValue = str | list[str] | None


class ResponseRecordIn(Schema):
    """The plaintext of a questionnaire filled in on the phone at a meeting (kind "response")."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["response"]
    record_uuid: uuid.UUID
    meeting_id: int = Field(..., ge=1, le=2**63 - 1)
    # The version the phone rendered: answers stay tied to the questions they answered.
    version_id: int = Field(..., ge=1, le=2**63 - 1)
    answers: dict[int, AnswerValue] = Field(..., max_length=50)
    collected_at: datetime.datetime | None = None
