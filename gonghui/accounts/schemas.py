from ninja import Field, Schema

from gonghui.accounts.models import User
from gonghui.core.api_support import NameText
from gonghui.core.pii import mask_phone
from gonghui.orgs.models import Role


class RoleOut(Schema):
    id: int
    role: Role
    unit_id: int
    unit_name: str = Field(..., alias="unit.name")


class StaffOut(Schema):
    id: int
    username: str
    display_name: str
    phone_masked: str
    is_active: bool
    locked: bool
    roles: list[RoleOut]

    @staticmethod
    def resolve_phone_masked(obj: User) -> str:
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_locked(obj: User) -> bool:
        return obj.locked_until is not None

    @staticmethod
    def resolve_roles(obj: User) -> list:
        return list(getattr(obj, "active_roles", []))


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[RoleOut]


class StaffIn(Schema):
    username: str = Field(..., min_length=2, max_length=150, pattern=r"^[\w.@+-]+$")
    display_name: NameText = Field(..., min_length=1, max_length=100)
    password: str = Field(..., min_length=10, max_length=128)
    phone: str = Field("", max_length=20)
    unit_id: int
    role: Role


class GrantIn(Schema):
    unit_id: int
    role: Role
