from typing import Any

from django.http import HttpRequest

from gonghui.orgs.scope import RANK_READ, can_manage_staff, held_roles, max_rank


def nav(request: HttpRequest) -> dict[str, Any]:
    """The console's navigation needs to know which sections the user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_roles": held_roles(user),
        "nav_can_manage_staff": can_manage_staff(user),
        # Dashboards are for staff with an area; partners (bank, committee units) have none.
        "nav_can_read_dashboards": max_rank(user) >= RANK_READ,
    }
