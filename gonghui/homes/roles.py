"""Which role holds which step: the rule behind every decision on a Workers' Home application.

A step is held by one role, not by rank: a city administrator outranks a street officer but does not
recommend for the street, so each step asks for the exact role held at the union or above it.
"""

from typing import Any

from gonghui.homes.models import Step
from gonghui.orgs.models import OrgUnit, Role
from gonghui.orgs.scope import held_roles

STEP_ROLES: dict[str, str] = {
    Step.SELF: Role.UNION_CHAIR,
    Step.STREET: Role.STREET_OFFICER,
    Step.DISTRICT: Role.DISTRICT_OFFICER,
    Step.CITY: Role.CITY_ADMIN,
}


def holds_role_over(user: Any, unit: OrgUnit, role: str) -> bool:
    return any(r.role == role and unit.path.startswith(r.unit_path) for r in held_roles(user))


def holds_step(user: Any, unit: OrgUnit, step: str) -> bool:
    return holds_role_over(user, unit, STEP_ROLES[step])


def step_paths(user: Any, step: str) -> list[str]:
    """The subtrees in which the user holds `step`."""
    return [r.unit_path for r in held_roles(user) if r.role == STEP_ROLES[step]]
