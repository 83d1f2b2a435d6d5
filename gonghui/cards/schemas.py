import datetime
from typing import Literal

from ninja import Field, Schema

from gonghui.cards.models import CardApplication
from gonghui.cards.queries import union_hierarchy_name
from gonghui.core.api_support import Id, LabelText, NameText, api_enum

ApplicationStatus = api_enum("CardApplicationStatus", CardApplication.Status)


class ApplicationStatusOut(Schema):
    """What a union officer sees: the status, when, where — no bank internals, no card number."""

    id: int
    person_id: int
    name: str = Field(..., alias="person.name")
    union_id: int
    union_name: str = Field(..., alias="union.name")
    status: ApplicationStatus  # type: ignore[valid-type]
    source: str
    branch_name: str
    submitted_at: datetime.datetime
    routed_at: datetime.datetime | None
    issued_at: datetime.datetime | None
    activated_at: datetime.datetime | None
    rejected_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None
    reject_reason: str

    @staticmethod
    def resolve_branch_name(obj: CardApplication) -> str:
        return str(obj.branch) if obj.branch else ""


class CreateApplicationIn(Schema):
    membership_id: Id


class BulkIn(Schema):
    union_id: Id


class BulkOut(Schema):
    created: int
    refused: dict[str, int]


class RouteIn(Schema):
    branch_id: Id


# ---- partner API -----------------------------------------------------------------------------------


class PartnerApplicationOut(Schema):
    """The data handed to the bank (DESIGN §3): name, resident ID, phone, union with its hierarchy."""

    id: int
    status: ApplicationStatus  # type: ignore[valid-type]
    name: str
    resident_id: str
    phone: str
    union_name: str
    union_hierarchy: str
    routed_at: datetime.datetime | None
    issued_at: datetime.datetime | None
    activated_at: datetime.datetime | None
    reject_reason: str
    card_last4: str

    @staticmethod
    def resolve_name(obj: CardApplication) -> str:
        return obj.person.name

    @staticmethod
    def resolve_resident_id(obj: CardApplication) -> str:
        return obj.person.resident_id

    @staticmethod
    def resolve_phone(obj: CardApplication) -> str:
        return obj.person.phone or ""

    @staticmethod
    def resolve_union_name(obj: CardApplication) -> str:
        return obj.union.name

    @staticmethod
    def resolve_union_hierarchy(obj: CardApplication) -> str:
        return union_hierarchy_name(obj.union)

    @staticmethod
    def resolve_card_last4(obj: CardApplication) -> str:
        card = getattr(obj, "card", None)
        return card.number[-4:] if card is not None else ""


class StatusIn(Schema):
    status: Literal["ISSUED", "ACTIVATED", "REJECTED", "MEDICAL_LINKED"]
    card_number: str = Field("", max_length=40)
    reason: str = Field("", max_length=32)
    note: LabelText = Field("", max_length=200)
    medical_account: str = Field("", max_length=40)


class StatusOut(Schema):
    application: PartnerApplicationOut
    changed: bool


# ---- pad devices (reader bridge, fingerprint device) -----------------------------------------------


class IdCardReadIn(Schema):
    """The reader bridge's JSON (docs/cards.md). Dates are ISO; valid_until null means 长期."""

    name: NameText = Field(..., min_length=1, max_length=50)
    resident_id: str = Field(..., min_length=1, max_length=40)
    valid_from: datetime.date
    valid_until: datetime.date | None
    issuing_authority: LabelText = Field(..., min_length=1, max_length=100)
    reader_id: str = Field("", max_length=64)


class FingerprintIn(Schema):
    device_id: str = Field(..., min_length=1, max_length=64)
    application_id: Id
    operator: str = Field(..., min_length=1, max_length=150)
    confirmed_at: int = Field(..., ge=0, le=10**11)
    signature: str = Field(..., min_length=64, max_length=64, pattern=r"^[0-9a-fA-F]{64}$")
