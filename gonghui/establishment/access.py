from typing import Any

from gonghui.core.access import get_in_scope
from gonghui.core.errors import Forbidden
from gonghui.establishment.models import EnterpriseImport, Establishment
from gonghui.establishment.queries import cases_in_scope, imports_in_scope
from gonghui.orgs.scope import RANK_MANAGE_ENTERPRISES, rank_at


def access_case(user: Any, case_id: Any, *, write: bool = False) -> Establishment:
    """The case if its enterprise is looked after inside the user's area (else NotFound: another
    district's case does not exist for them); write=True also needs an officer's role there."""
    case = get_in_scope(
        cases_in_scope(user).select_related(
            "enterprise__district",
            "enterprise__street",
            "enterprise__managing_unit",
            "officer",
            "union",
            "joint_unit",
        ),
        case_id,
    )
    if write and rank_at(user, case.enterprise.managing_unit) < RANK_MANAGE_ENTERPRISES:
        raise Forbidden()
    return case


def access_import(user: Any, job_id: Any) -> EnterpriseImport:
    return get_in_scope(imports_in_scope(user).select_related("managing_unit__region", "owner"), job_id)
