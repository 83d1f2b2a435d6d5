from typing import Any

from django.db.models import Q, QuerySet

from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.orgs.scope import RANK_READ, path_q


def enterprises_in_scope(acting_user: Any, *, min_rank: int = RANK_READ) -> QuerySet[Enterprise]:
    """Enterprises looked after by a unit in the user's subtree, or whose union is in it (a chair sees
    their own enterprise)."""
    return Enterprise.objects.filter(
        path_q(acting_user, "managing_unit__path", min_rank=min_rank)
        | path_q(acting_user, "union__path", min_rank=min_rank)
    )


def list_enterprises(
    *,
    acting_user: Any,
    search: str | None = None,
    has_union: bool | None = None,
    min_employees: int | None = None,
) -> QuerySet[Enterprise]:
    enterprises = enterprises_in_scope(acting_user).select_related(
        "district", "street", "managing_unit", "union"
    )
    if search:
        enterprises = enterprises.filter(Q(name__contains=search) | Q(uscc=search.strip().upper()))
    if has_union is not None:
        enterprises = enterprises.filter(union__isnull=not has_union)
    if min_employees is not None:
        enterprises = enterprises.filter(employee_count__gte=min_employees)
    return enterprises.order_by("name", "pk")


def list_worksites(*, acting_user: Any) -> QuerySet[Worksite]:
    return (
        Worksite.objects.filter(path_q(acting_user, "managing_unit__path"))
        .select_related("street", "managing_unit", "contractor")
        .order_by("name", "pk")
    )
