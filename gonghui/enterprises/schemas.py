import datetime

from ninja import Field, Schema

from gonghui.core.api_support import AddressText, NameText
from gonghui.core.pii import mask_phone
from gonghui.enterprises.models import Enterprise, Industry, UnitType


class EnterpriseOut(Schema):
    id: int
    uscc: str
    name: str
    address: str
    district_code: str = Field(..., alias="district.code")
    street_code: str | None = Field(None, alias="street.code")
    industry: Industry
    unit_type: UnitType
    employee_count: int
    female_employee_count: int
    contact_name: str
    contact_phone_masked: str
    managing_unit_id: int
    union_id: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_contact_phone_masked(obj: Enterprise) -> str:
        return mask_phone(obj.contact_phone)


class EnterpriseUpdateIn(Schema):
    name: NameText = Field(..., min_length=1, max_length=200)
    address: AddressText = Field("", max_length=300)
    district_code: str = Field(..., max_length=12)
    street_code: str | None = Field(None, max_length=12)
    industry: Industry
    unit_type: UnitType
    employee_count: int = Field(0, ge=0, le=10_000_000)
    female_employee_count: int = Field(0, ge=0, le=10_000_000)
    contact_name: NameText = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)
    managing_unit_id: int


class EnterpriseIn(EnterpriseUpdateIn):
    uscc: str = Field(..., min_length=18, max_length=40)


class RevealOut(Schema):
    field: str
    value: str


class WorksiteOut(Schema):
    id: int
    name: str
    kind: str
    address: str
    street_code: str = Field(..., alias="street.code")
    managing_unit_id: int
    contractor_id: int | None


class WorksiteIn(Schema):
    name: NameText = Field(..., min_length=1, max_length=200)
    kind: str = Field(..., max_length=16)
    address: AddressText = Field("", max_length=300)
    street_code: str = Field(..., max_length=12)
    managing_unit_id: int
    contractor_id: int | None = None
