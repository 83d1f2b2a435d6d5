from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from gonghui.core.api_support import ERRORS, Pagination
from gonghui.core.errors import InvalidInput
from gonghui.orgs import actions, queries
from gonghui.orgs.access import access_org_unit
from gonghui.orgs.models import OrgUnit, Region
from gonghui.orgs.schemas import (
    MoveIn,
    OrgUnitKind,
    OrgUnitStatus,
    RegionLevel,
    RegionOut,
    RenameIn,
    TreeNodeOut,
    UnitIn,
    UnitOut,
)

router = Router(tags=["orgs"])


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise InvalidInput(field="region_code")
    return region


@router.get("/units", response={200: list[UnitOut], **ERRORS})
@paginate(Pagination)
def list_units(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    kind: OrgUnitKind | None = None,  # type: ignore[valid-type]
    status: OrgUnitStatus | None = None,  # type: ignore[valid-type]
    search: str = "",
):
    return queries.list_units(acting_user=request.user, kind=kind, status=status, search=search)


@router.get("/units/{int:unit_id}", response={200: UnitOut, **ERRORS})
def get_unit(request: HttpRequest, unit_id: int) -> OrgUnit:
    return access_org_unit(request.user, unit_id)


@router.post("/units", response={201: UnitOut, **ERRORS})
def create_unit(request: HttpRequest, payload: UnitIn) -> tuple[int, OrgUnit]:
    parent = access_org_unit(request.user, payload.parent_id, write=True)
    unit = actions.do_create_org_unit(
        acting_user=request.user,
        parent=parent,
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        region=_region(payload.region_code),
    )
    return 201, unit


@router.post("/units/{int:unit_id}/rename", response={200: UnitOut, **ERRORS})
def rename_unit(request: HttpRequest, unit_id: int, payload: RenameIn) -> OrgUnit:
    unit = access_org_unit(request.user, unit_id, write=True)
    return actions.do_rename_org_unit(acting_user=request.user, unit=unit, name=payload.name)


@router.post("/units/{int:unit_id}/move", response={200: UnitOut, **ERRORS})
def move_unit(request: HttpRequest, unit_id: int, payload: MoveIn) -> OrgUnit:
    unit = access_org_unit(request.user, unit_id, write=True)
    new_parent = access_org_unit(request.user, payload.parent_id, write=True)
    return actions.do_move_org_unit(acting_user=request.user, unit=unit, new_parent=new_parent)


@router.post("/units/{int:unit_id}/close", response={200: UnitOut, **ERRORS})
def close_unit(request: HttpRequest, unit_id: int) -> OrgUnit:
    unit = access_org_unit(request.user, unit_id, write=True)
    return actions.do_close_org_unit(acting_user=request.user, unit=unit)


@router.get("/tree", response={200: list[TreeNodeOut], **ERRORS})
def tree(request: HttpRequest) -> list[dict]:
    """Every unit in the caller's subtrees, in tree order, with counts for the subtree under it."""
    nodes = queries.flatten_tree(queries.get_tree(acting_user=request.user))
    return [
        {
            "id": n.unit.pk,
            "code": n.unit.code,
            "name": n.unit.name,
            "kind": n.unit.kind,
            "status": n.unit.status,
            "parent_id": n.unit.parent_id,
            "units_below": n.units_below,
            "grassroots_below": n.grassroots_below,
            "enterprises_below": n.enterprises_below,
            "staff": n.staff,
        }
        for n in nodes
    ]


@router.get("/regions", response={200: list[RegionOut], **ERRORS})
def list_regions(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    parent_code: str | None = None,
    level: RegionLevel | None = None,  # type: ignore[valid-type]
):
    return queries.list_regions(parent_code=parent_code, level=level).select_related("parent")
