"""Every read of the card flow, scoped: union officers see application status in their subtree; a bank
operator sees their own branch's queue and only the data needed to open the card; the bank's back
office (a partner key) sees its branch's routed applications."""

import datetime
import statistics
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gonghui.cards.actions import IN_PROGRESS_STATUSES, Status, operator_branch
from gonghui.cards.models import BankBranch, Card, CardApplication, CardBlank, CardStock, PartnerKey
from gonghui.cards.numbers import clean_card_number
from gonghui.core.errors import NotFound
from gonghui.core.pii import blind_index
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import path_q

# The pad's queue: waiting to be called, and the ones this branch's pads are working on.
PAD_STATUSES = (Status.ROUTED, Status.CALLED, Status.ID_VERIFIED, Status.AUTHORISED)
MEDIAN_WINDOW = datetime.timedelta(days=30)


def applications_in_scope(acting_user: Any) -> QuerySet[CardApplication]:
    """For union officers (any staff rank, partners excluded): applications of their subtree."""
    return CardApplication.objects.filter(path_q(acting_user, "union__path"))


def list_card_applications(
    *, acting_user: Any, status: str | None = None, union_id: int | None = None
) -> QuerySet[CardApplication]:
    qs = applications_in_scope(acting_user).select_related("person", "union", "branch")
    if status:
        qs = qs.filter(status=status)
    if union_id:
        qs = qs.filter(union_id=union_id)
    return qs.order_by("-submitted_at", "-pk")


def branches_for_routing(acting_user: Any) -> QuerySet[BankBranch]:
    return BankBranch.objects.filter(is_active=True).order_by("bank_name", "name")


def branches_to_name(acting_user: Any) -> QuerySet[BankBranch]:
    """Every branch, active or not, for resolving a branch id an officer sends (a meeting's card branch):
    branches are the bank's, visible to every officer like the routing list; an inactive one is then
    refused by the action with its own reason rather than hidden."""
    return BankBranch.objects.all()


def branches_in_scope(acting_user: Any) -> QuerySet[BankBranch]:
    """Branches serving a union inside the officer's subtree (district officers manage their keys)."""
    from gonghui.cards.actions import RANK_MANAGE_BRANCHES

    return BankBranch.objects.filter(
        path_q(acting_user, "serves_unit__path", min_rank=RANK_MANAGE_BRANCHES)
    ).select_related("serves_unit")


def list_branches_with_keys(*, acting_user: Any) -> list[tuple[BankBranch, list[PartnerKey]]]:
    branches = list(branches_in_scope(acting_user).order_by("bank_name", "name"))
    keys: dict[int, list[PartnerKey]] = {b.pk: [] for b in branches}
    for key in PartnerKey.objects.filter(branch__in=branches).order_by("-created_at"):
        keys[key.branch_id].append(key)
    return [(b, keys[b.pk]) for b in branches]


# ---- the pad ---------------------------------------------------------------------------------------


def is_bank_operator(acting_user: Any) -> bool:
    try:
        operator_branch(acting_user)
    except NotFound:
        return False
    return True


def pad_applications(acting_user: Any) -> QuerySet[CardApplication]:
    branch = operator_branch(acting_user)
    return CardApplication.objects.filter(branch=branch)


def list_pad_queue(*, acting_user: Any) -> QuerySet[CardApplication]:
    return (
        pad_applications(acting_user)
        .filter(status__in=PAD_STATUSES)
        .select_related("person", "union", "called_by")
        .order_by("routed_at", "pk")
    )


def union_hierarchy_name(union: OrgUnit) -> str:
    """ "通州区总工会 / 永顺镇总工会 / 北京云锐国际文化传媒有限公司工会" — the union as the bank records it.
    Cached for a minute per union path: the partner API lists a hundred applications of a few unions at
    a time, and a renamed union reaching the bank a minute later is harmless."""
    key = f"cards:union-hierarchy:{union.path}"
    cached = cache.get(key)
    if cached is not None:
        return str(cached)
    ids = [int(part) for part in union.path.strip("/").split("/") if part]
    names = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))
    # The city federation is the same for every card: left out to keep the line readable.
    value = " / ".join(names[i] for i in ids[1:] if i in names) or union.name
    cache.set(key, value, 60)
    return value


@dataclass(frozen=True)
class BranchDay:
    branch: BankBranch
    issued_today: int
    completed_today: int
    free_cards: int
    low_stock: bool
    median_minutes: float | None
    cards_timed: int


def median_minutes_per_card(branch: BankBranch, *, now: datetime.datetime) -> tuple[float | None, int]:
    """Median of called → handed over over the last 30 days, in minutes, and how many cards it covers."""
    rows = CardApplication.objects.filter(
        branch=branch, completed_at__gte=now - MEDIAN_WINDOW, called_at__isnull=False
    ).values_list("called_at", "completed_at")
    minutes = [(done - called).total_seconds() / 60 for called, done in rows if done and called]
    if not minutes:
        return None, 0
    return round(statistics.median(minutes), 1), len(minutes)


def get_branch_day(
    *, acting_user: Any, now: datetime.datetime | None = None, with_median: bool = True
) -> BranchDay:
    """The day's figures for the operator's branch. The queue fragment, polled every few seconds by every
    pad, leaves out the median (it reads 30 days of rows); the page and the branch page show it."""
    now = now or timezone.now()
    branch = operator_branch(acting_user)
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = CardApplication.objects.filter(branch=branch).aggregate(
        issued=Count("pk", filter=Q(issued_at__gte=start)),
        completed=Count("pk", filter=Q(completed_at__gte=start)),
    )
    free = CardBlank.objects.filter(stock__branch=branch, status=CardBlank.Status.FREE).count()
    median, timed = median_minutes_per_card(branch, now=now) if with_median else (None, 0)
    return BranchDay(
        branch=branch,
        issued_today=counts["issued"],
        completed_today=counts["completed"],
        free_cards=free,
        low_stock=free < branch.low_stock_threshold,
        median_minutes=median,
        cards_timed=timed,
    )


def list_card_stocks(*, acting_user: Any) -> QuerySet[CardStock]:
    branch = operator_branch(acting_user)
    return (
        CardStock.objects.filter(branch=branch)
        .annotate(
            free=Count("blanks", filter=Q(blanks__status=CardBlank.Status.FREE)),
            issued=Count("blanks", filter=Q(blanks__status=CardBlank.Status.ISSUED)),
            void=Count("blanks", filter=Q(blanks__status=CardBlank.Status.VOID)),
        )
        .order_by("pk")
    )


def find_free_blank(*, acting_user: Any, number: str) -> CardBlank | None:
    """A card still in one of the operator's branch's boxes, by its full number (via the blind index)."""
    branch = operator_branch(acting_user)
    index = blind_index(clean_card_number(number), purpose="card_number")
    return CardBlank.objects.filter(
        stock__branch=branch, status=CardBlank.Status.FREE, number_index=index
    ).first()


# ---- the partner API -------------------------------------------------------------------------------


def partner_applications(*, key: PartnerKey, status: str | None = None) -> QuerySet[CardApplication]:
    qs = CardApplication.objects.filter(branch_id=key.branch_id).select_related("person", "union", "card")
    qs = qs.filter(status=status) if status else qs.filter(status__in=IN_PROGRESS_STATUSES)
    return qs.order_by("routed_at", "pk")


def card_of(application: CardApplication) -> Card | None:
    return Card.objects.filter(application=application).first()


def live_card_for_person(*, acting_user: Any, person_id: int) -> Card | None:
    return (
        Card.objects.filter(path_q(acting_user, "application__union__path"), person_id=person_id)
        .filter(status__in=[Card.Status.ISSUED, Card.Status.ACTIVE])
        .first()
    )


def find_members_to_apply(*, acting_user: Any, text: str) -> list[dict[str, Any]]:
    """Active members matching a name, resident ID or phone in the officer's scope, with their card
    status, for the "apply for one member" search on /cards/."""
    from gonghui.members.queries import search_members

    if not text.strip():
        return []
    memberships = list(search_members(acting_user=acting_user, text=text, status="ACTIVE")[:20])
    latest: dict[int, CardApplication] = {}
    for application in CardApplication.objects.filter(
        person_id__in=[m.person_id for m in memberships]
    ).order_by("pk"):
        latest[application.person_id] = application
    return [{"membership": m, "application": latest.get(m.person_id)} for m in memberships]
