from typing import Any

from gonghui.accounts.scope import path_q
from gonghui.core.access import get_in_scope
from gonghui.members.models import Membership, Transfer
from gonghui.members.queries import memberships_in_scope


def access_membership(user: Any, membership_id: Any) -> Membership:
    return get_in_scope(
        memberships_in_scope(user).select_related("person", "union", "employer", "worksite"), membership_id
    )


def access_transfer(user: Any, transfer_id: Any) -> Transfer:
    transfers = Transfer.objects.filter(
        path_q(user, "from_membership__union__path") | path_q(user, "to_membership__union__path")
    ).select_related("person", "from_membership__union", "to_membership__union")
    return get_in_scope(transfers, transfer_id)
