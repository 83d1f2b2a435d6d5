from typing import Any

from gonghui.accounts.models import User
from gonghui.accounts.queries import staff_in_scope
from gonghui.core.access import get_in_scope
from gonghui.orgs.models import RoleAssignment
from gonghui.orgs.scope import RANK_MANAGE_STAFF, path_q


def access_staff(user: Any, staff_id: Any) -> User:
    return get_in_scope(staff_in_scope(user), staff_id)


def access_role_assignment(user: Any, assignment_id: Any) -> RoleAssignment:
    assignments = RoleAssignment.objects.filter(
        path_q(user, "unit__path", min_rank=RANK_MANAGE_STAFF), revoked_at__isnull=True
    ).select_related("unit", "user")
    return get_in_scope(assignments, assignment_id)
