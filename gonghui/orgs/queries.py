from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from gonghui.orgs.models import OrgUnit, Region
from gonghui.orgs.scope import RANK_READ, path_q


def units_in_scope(acting_user: object, *, min_rank: int = RANK_READ) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path_q(acting_user, "path", min_rank=min_rank))


def list_units(
    *, acting_user: object, kind: str | None = None, status: str | None = None, search: str | None = None
) -> QuerySet[OrgUnit]:
    units = units_in_scope(acting_user).select_related("parent", "region")
    if kind:
        units = units.filter(kind=kind)
    if status:
        units = units.filter(status=status)
    if search:
        units = units.filter(name__contains=search) | units.filter(code=search)
    return units.order_by("path")


def subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__startswith=unit.path)


def list_children(*, acting_user: object, unit: OrgUnit) -> QuerySet[OrgUnit]:
    return units_in_scope(acting_user).filter(parent=unit).order_by("kind", "name")


@dataclass
class TreeNode:
    unit: OrgUnit
    children: list["TreeNode"] = field(default_factory=list)
    units_below: int = 0
    grassroots_below: int = 0
    enterprises: int = 0
    enterprises_below: int = 0
    staff: int = 0


def get_tree(*, acting_user: object) -> list[TreeNode]:
    """The user's subtrees with counts per node, in three queries whatever the size of the tree."""
    units = list(units_in_scope(acting_user).select_related("region").order_by("path"))
    nodes = {u.pk: TreeNode(u) for u in units}
    # Counted through the reverse relation that enterprises declares on OrgUnit ("managed_enterprises"):
    # the tree does not import the app above it.
    ent_counts = dict(
        OrgUnit.objects.filter(pk__in=nodes.keys(), managed_enterprises__isnull=False)
        .annotate(n=Count("managed_enterprises"))
        .values_list("pk", "n")
    )
    staff_counts = dict(
        OrgUnit.objects.filter(pk__in=nodes.keys(), role_assignments__revoked_at__isnull=True)
        .annotate(n=Count("role_assignments__user", distinct=True))
        .values_list("pk", "n")
    )
    roots: list[TreeNode] = []
    for unit in units:
        node = nodes[unit.pk]
        node.enterprises = ent_counts.get(unit.pk, 0)
        node.staff = staff_counts.get(unit.pk, 0)
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    # Units are sorted by path, so walking them backwards sums every subtree bottom-up.
    for unit in reversed(units):
        node = nodes[unit.pk]
        node.enterprises_below += node.enterprises
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        if parent is not None:
            parent.units_below += 1 + node.units_below
            parent.grassroots_below += node.grassroots_below + (
                1 if unit.kind in (OrgUnit.Kind.GRASSROOTS, OrgUnit.Kind.JOINT) else 0
            )
            parent.enterprises_below += node.enterprises_below
    return roots


def list_regions(*, parent_code: str | None = None, level: str | None = None) -> QuerySet[Region]:
    """Regions are public reference data (GB/T 2260), readable by every signed-in user."""
    regions = Region.objects.all()
    if parent_code:
        regions = regions.filter(parent__code=parent_code)
    if level:
        regions = regions.filter(level=level)
    return regions.order_by("code")


def flatten_tree(roots: list[TreeNode]) -> list[TreeNode]:
    """Pre-order list of nodes (parents before children), as a page or an export shows a tree."""
    flat: list[TreeNode] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        flat.append(node)
        stack.extend(reversed(node.children))
    return flat


def list_ancestors(*, acting_user: object, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The breadcrumb: ancestors the user can see, from the top down."""
    ancestor_ids = [int(part) for part in unit.path.strip("/").split("/")[:-1]]
    return units_in_scope(acting_user).filter(pk__in=ancestor_ids).order_by("depth")
