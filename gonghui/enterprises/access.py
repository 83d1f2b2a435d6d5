from typing import Any

from gonghui.core.access import get_in_scope
from gonghui.core.errors import Forbidden
from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.enterprises.queries import enterprises_in_scope, list_worksites
from gonghui.orgs.scope import RANK_MANAGE_ENTERPRISES, rank_at


def access_enterprise(user: Any, enterprise_id: Any, *, write: bool = False) -> Enterprise:
    enterprise = get_in_scope(
        enterprises_in_scope(user).select_related("district", "street", "managing_unit", "union"),
        enterprise_id,
    )
    if write and rank_at(user, enterprise.managing_unit) < RANK_MANAGE_ENTERPRISES:
        raise Forbidden()
    return enterprise


def access_worksite(user: Any, worksite_id: Any) -> Worksite:
    return get_in_scope(list_worksites(acting_user=user), worksite_id)
