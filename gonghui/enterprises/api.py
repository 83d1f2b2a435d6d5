from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router
from ninja.pagination import paginate

from gonghui.accounts.actions import do_reveal_pii
from gonghui.core.api_support import ERRORS, Pagination
from gonghui.core.errors import InvalidInput
from gonghui.enterprises import actions, queries
from gonghui.enterprises.access import access_enterprise
from gonghui.enterprises.actions import EnterpriseData
from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.enterprises.schemas import (
    EnterpriseIn,
    EnterpriseOut,
    EnterpriseUpdateIn,
    RevealOut,
    WorksiteIn,
    WorksiteOut,
)
from gonghui.orgs.access import access_org_unit
from gonghui.orgs.models import Region

router = Router(tags=["enterprises"])
Count = Annotated[int, Field(ge=0, le=10_000_000)]


def _data(request: HttpRequest, payload: EnterpriseIn | EnterpriseUpdateIn) -> EnterpriseData:
    regions = {
        r.code: r for r in Region.objects.filter(code__in=[payload.district_code, payload.street_code])
    }
    if payload.district_code not in regions:
        raise InvalidInput(field="district_code")
    if payload.street_code and payload.street_code not in regions:
        raise InvalidInput(field="street_code")
    return EnterpriseData(
        name=payload.name,
        address=payload.address,
        district=regions[payload.district_code],
        street=regions.get(payload.street_code or ""),
        industry=payload.industry,
        unit_type=payload.unit_type,
        employee_count=payload.employee_count,
        female_employee_count=payload.female_employee_count,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        managing_unit=access_org_unit(request.user, payload.managing_unit_id),
    )


@router.get("", response={200: list[EnterpriseOut], **ERRORS})
@paginate(Pagination)
def list_enterprises(  # type: ignore[no-untyped-def]
    request: HttpRequest, search: str = "", has_union: bool | None = None, min_employees: Count | None = None
):
    return queries.list_enterprises(
        acting_user=request.user, search=search, has_union=has_union, min_employees=min_employees
    )


@router.get("/worksites", response={200: list[WorksiteOut], **ERRORS})
@paginate(Pagination)
def list_worksites(request: HttpRequest):  # type: ignore[no-untyped-def]
    return queries.list_worksites(acting_user=request.user)


@router.post("/worksites", response={201: WorksiteOut, **ERRORS})
def register_worksite(request: HttpRequest, payload: WorksiteIn) -> tuple[int, Worksite]:
    street = Region.objects.filter(code=payload.street_code).first()
    if street is None:
        raise InvalidInput(field="street_code")
    contractor = access_enterprise(request.user, payload.contractor_id) if payload.contractor_id else None
    worksite = actions.do_register_worksite(
        acting_user=request.user,
        name=payload.name,
        kind=payload.kind,
        address=payload.address,
        street=street,
        managing_unit=access_org_unit(request.user, payload.managing_unit_id),
        contractor=contractor,
    )
    return 201, worksite


@router.get("/{int:enterprise_id}", response={200: EnterpriseOut, **ERRORS})
def get_enterprise(request: HttpRequest, enterprise_id: int) -> Enterprise:
    return access_enterprise(request.user, enterprise_id)


@router.post("", response={201: EnterpriseOut, **ERRORS})
def register_enterprise(request: HttpRequest, payload: EnterpriseIn) -> tuple[int, Enterprise]:
    enterprise = actions.do_register_enterprise(
        acting_user=request.user, uscc=payload.uscc, data=_data(request, payload)
    )
    return 201, enterprise


@router.put("/{int:enterprise_id}", response={200: EnterpriseOut, **ERRORS})
def update_enterprise(request: HttpRequest, enterprise_id: int, payload: EnterpriseUpdateIn) -> Enterprise:
    enterprise = access_enterprise(request.user, enterprise_id, write=True)
    return actions.do_update_enterprise(
        acting_user=request.user, enterprise=enterprise, data=_data(request, payload)
    )


@router.post("/{int:enterprise_id}/reveal-contact-phone", response={200: RevealOut, **ERRORS})
def reveal_contact_phone(request: HttpRequest, enterprise_id: int) -> dict[str, Any]:
    enterprise = access_enterprise(request.user, enterprise_id)
    value = do_reveal_pii(
        acting_user=request.user, obj=enterprise, field_name="contact_phone", unit=enterprise.managing_unit
    )
    return {"field": "contact_phone", "value": value}
