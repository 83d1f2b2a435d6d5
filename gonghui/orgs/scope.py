"""What a staff user may reach: roles held at an OrgUnit reach its whole subtree.

Every query and access helper builds on these functions, so the rule lives in one place. Roles are
loaded once per user object (one query per request) and cached on it.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from gonghui.orgs.models import PARTNER_ROLES, PII_ROLES, ROLE_RANK, Role, RoleAssignment

if TYPE_CHECKING:
    from gonghui.orgs.models import OrgUnit

# Minimum ranks for kinds of work, named so that call sites read as rules.
RANK_MANAGE_UNITS = ROLE_RANK[Role.STREET_OFFICER]
RANK_MANAGE_ENTERPRISES = ROLE_RANK[Role.STREET_OFFICER]
RANK_MANAGE_STAFF = ROLE_RANK[Role.UNION_CHAIR]
RANK_READ_AUDIT = ROLE_RANK[Role.UNION_CHAIR]
RANK_READ = ROLE_RANK[Role.VIEWER]


@dataclass(frozen=True)
class HeldRole:
    role: str
    unit_id: int
    unit_path: str
    unit_name: str

    @property
    def rank(self) -> int:
        return ROLE_RANK[self.role]

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)

    @property
    def is_partner(self) -> bool:
        return self.role in PARTNER_ROLES


def held_roles(user: Any) -> list[HeldRole]:
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_gonghui_roles", None)
    if cached is None:
        rows = (
            RoleAssignment.objects.filter(user=user, revoked_at__isnull=True, unit__status="ACTIVE")
            .values_list("role", "unit_id", "unit__path", "unit__name")
            .order_by("unit__path", "role")
        )
        cached = [HeldRole(*row) for row in rows]
        user._gonghui_roles = cached
    return cached


def forget_roles(user: Any) -> None:
    if hasattr(user, "_gonghui_roles"):
        del user._gonghui_roles


def scope_paths(user: Any, *, min_rank: int = RANK_READ) -> list[str]:
    """Paths of the subtrees the user reaches with at least `min_rank`; nested paths collapsed."""
    paths = sorted({r.unit_path for r in held_roles(user) if not r.is_partner and r.rank >= min_rank})
    collapsed: list[str] = []
    for path in paths:
        if not any(path.startswith(top) for top in collapsed):
            collapsed.append(path)
    return collapsed


def path_q(user: Any, field: str = "path", *, min_rank: int = RANK_READ) -> Q:
    """A filter on `field` (a materialised path) matching the user's subtrees; matches nothing if none."""
    paths = scope_paths(user, min_rank=min_rank)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def is_city_wide(user: Any, *, min_rank: int = RANK_READ) -> bool:
    """True when the user reaches the root of the tree (a path of one id, "1/") with `min_rank`."""
    return any(path.count("/") == 1 for path in scope_paths(user, min_rank=min_rank))


def scope_top_unit_id(user: Any, *, min_rank: int = RANK_READ) -> int | None:
    """The lowest unit above everything the user reaches: the one node where an action over the user's
    whole area happened (an export of "all my members"), so that every officer above sees it."""
    paths = scope_paths(user, min_rank=min_rank)
    if not paths:
        return None
    common = paths[0].rstrip("/").split("/")
    for path in paths[1:]:
        parts = path.rstrip("/").split("/")
        n = 0
        while n < min(len(common), len(parts)) and common[n] == parts[n]:
            n += 1
        common = common[:n]
    return int(common[-1]) if common else None


def rank_at(user: Any, unit: "OrgUnit") -> int:
    """Highest rank the user holds at `unit` or any of its ancestors (0 if none)."""
    ranks = [r.rank for r in held_roles(user) if not r.is_partner and unit.path.startswith(r.unit_path)]
    return max(ranks, default=0)


def acting_unit_id_for(user: Any, unit: "OrgUnit") -> int | None:
    """The unit of the strongest role the user holds over `unit` (the one the action was done under)."""
    covering = [r for r in held_roles(user) if not r.is_partner and unit.path.startswith(r.unit_path)]
    if not covering:
        return None
    return max(covering, key=lambda r: (r.rank, len(r.unit_path))).unit_id


def max_rank(user: Any) -> int:
    return max((r.rank for r in held_roles(user) if not r.is_partner), default=0)


def needs_second_factor(user: Any) -> bool:
    return any(r.role in PII_ROLES for r in held_roles(user)) or bool(getattr(user, "is_superuser", False))


def can_reveal_pii(user: Any, unit: "OrgUnit") -> bool:
    return any(
        r.role in PII_ROLES and unit.path.startswith(r.unit_path)
        for r in held_roles(user)
        if not r.is_partner
    )


def can_manage_staff(user: Any) -> bool:
    return max_rank(user) >= RANK_MANAGE_STAFF
