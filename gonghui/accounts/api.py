from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from gonghui.accounts import actions, queries
from gonghui.accounts.access import access_role_assignment, access_staff
from gonghui.accounts.models import User
from gonghui.accounts.schemas import GrantIn, MeOut, RoleOut, StaffIn, StaffOut
from gonghui.core.api_support import ERRORS, Pagination
from gonghui.orgs.access import access_org_unit
from gonghui.orgs.models import RoleAssignment

router = Router(tags=["accounts"])


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> dict:
    user = request.user
    roles = queries.list_own_roles(user=user)
    return {"id": user.pk, "username": user.username, "display_name": user.display_name, "roles": list(roles)}  # type: ignore[union-attr]


@router.get("/staff", response={200: list[StaffOut], **ERRORS})
@paginate(Pagination)
def list_staff(request: HttpRequest, search: str = ""):  # type: ignore[no-untyped-def]
    return queries.list_staff(acting_user=request.user, search=search)


def _with_visible_roles(request: HttpRequest, user: User) -> User:
    user.active_roles = list(queries.list_role_assignments(acting_user=request.user, user=user))  # type: ignore[attr-defined]
    return user


@router.get("/staff/{int:staff_id}", response={200: StaffOut, **ERRORS})
def get_staff(request: HttpRequest, staff_id: int) -> User:
    return _with_visible_roles(request, access_staff(request.user, staff_id))


@router.post("/staff", response={201: StaffOut, **ERRORS})
def create_staff(request: HttpRequest, payload: StaffIn) -> tuple[int, User]:
    unit = access_org_unit(request.user, payload.unit_id)
    user = actions.do_create_staff(
        acting_user=request.user,
        username=payload.username,
        display_name=payload.display_name,
        password=payload.password,
        phone=payload.phone,
        unit=unit,
        role=payload.role,
    )
    return 201, _with_visible_roles(request, user)


@router.post("/staff/{int:staff_id}/roles", response={201: RoleOut, **ERRORS})
def grant_role(request: HttpRequest, staff_id: int, payload: GrantIn) -> tuple[int, RoleAssignment]:
    user = access_staff(request.user, staff_id)
    unit = access_org_unit(request.user, payload.unit_id)
    return 201, actions.do_grant_role(acting_user=request.user, user=user, unit=unit, role=payload.role)


@router.delete("/roles/{int:assignment_id}", response={200: RoleOut, **ERRORS})
def revoke_role(request: HttpRequest, assignment_id: int) -> RoleAssignment:
    assignment = access_role_assignment(request.user, assignment_id)
    return actions.do_revoke_role(acting_user=request.user, assignment=assignment)
