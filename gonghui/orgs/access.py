from typing import Any

from gonghui.core.access import get_in_scope
from gonghui.core.errors import Forbidden
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.queries import units_in_scope
from gonghui.orgs.scope import RANK_MANAGE_UNITS, rank_at


def access_org_unit(user: Any, unit_id: Any, *, write: bool = False) -> OrgUnit:
    """The unit if it is in the user's subtree (else NotFound); with write=True the user must also hold
    a role that manages units there (else Forbidden: they can already see it exists)."""
    unit = get_in_scope(units_in_scope(user).select_related("parent", "region"), unit_id)
    if write and rank_at(user, unit) < RANK_MANAGE_UNITS:
        raise Forbidden()
    return unit
