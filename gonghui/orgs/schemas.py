from ninja import Field, Schema

from gonghui.core.api_support import NameText, api_enum
from gonghui.orgs.models import OrgUnit, Region

OrgUnitKind = api_enum("OrgUnitKind", OrgUnit.Kind)
OrgUnitStatus = api_enum("OrgUnitStatus", OrgUnit.Status)
RegionLevel = api_enum("RegionLevel", Region.Level)


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None = Field(None, alias="parent.code")


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: OrgUnitKind  # type: ignore[valid-type]
    status: OrgUnitStatus  # type: ignore[valid-type]
    parent_id: int | None
    depth: int
    region_code: str | None = Field(None, alias="region.code")


class UnitIn(Schema):
    parent_id: int
    code: str = Field(..., min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: NameText = Field(..., min_length=1, max_length=200)
    kind: OrgUnitKind  # type: ignore[valid-type]
    region_code: str | None = Field(None, max_length=12)


class RenameIn(Schema):
    name: NameText = Field(..., min_length=1, max_length=200)


class MoveIn(Schema):
    parent_id: int


class TreeNodeOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    status: str
    parent_id: int | None
    units_below: int
    grassroots_below: int
    enterprises_below: int
    staff: int
