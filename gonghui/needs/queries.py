"""Reads for the 朋友圈, always scoped: officers see the committees (and their needs) of unions in their
subtree; member-unit staff see only the needs of the committees their unit belongs to, routed by their
PartnerStaff link, never by subtree."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from gonghui.core.models import AuditEvent
from gonghui.needs.actions import RANK_MANAGE_NEEDS, partner_link
from gonghui.needs.models import (
    Claim,
    Committee,
    DeadlineClass,
    Need,
    PartnerUnit,
    Served,
    ServiceEvent,
    WorkType,
)
from gonghui.orgs.scope import path_q

# The board's tabs: the working statuses, plus "overdue" (not yet delivered, past its deadline).
BOARD_TABS = ("OPEN", "CLAIMED", "SCHEDULED", "DELIVERED", "OVERDUE", "CLOSED")
NOT_DELIVERED = (Need.Status.OPEN, Need.Status.CLAIMED, Need.Status.SCHEDULED)


def committees_in_scope(acting_user: Any) -> QuerySet[Committee]:
    return Committee.objects.filter(path_q(acting_user, "union__path"))


def committees_to_manage(acting_user: Any) -> QuerySet[Committee]:
    return Committee.objects.filter(path_q(acting_user, "union__path", min_rank=RANK_MANAGE_NEEDS))


def needs_in_scope(acting_user: Any) -> QuerySet[Need]:
    """An officer's needs: those of committees held in their subtree."""
    return Need.objects.filter(path_q(acting_user, "committee__union__path"))


def partner_units_in_scope(acting_user: Any) -> QuerySet[PartnerUnit]:
    return PartnerUnit.objects.filter(path_q(acting_user, "union__path"))


def service_events_in_scope(acting_user: Any) -> QuerySet[ServiceEvent]:
    return ServiceEvent.objects.filter(need__in=needs_in_scope(acting_user))


# ---- member units --------------------------------------------------------------------------------


def partner_unit_of(acting_user: Any) -> PartnerUnit | None:
    link = partner_link(acting_user)
    return link.unit if link is not None else None


def needs_for_partner(acting_user: Any) -> QuerySet[Need]:
    """The needs posted to committees the user's unit belongs to (nothing for anyone else)."""
    unit = partner_unit_of(acting_user)
    if unit is None:
        return Need.objects.none()
    return Need.objects.filter(committee__in=unit.committees.all())


def events_for_partner(acting_user: Any) -> QuerySet[ServiceEvent]:
    return ServiceEvent.objects.filter(need__in=needs_for_partner(acting_user))


def list_needs_for_partner(*, acting_user: Any, tab: str = "") -> QuerySet[Need]:
    """ "Needs for us": open ones to claim, and the ones our unit is on (active claim)."""
    unit = partner_unit_of(acting_user)
    needs = needs_for_partner(acting_user).select_related("work_type", "worksite", "enterprise", "committee")
    if unit is None:
        return needs
    mine = Q(claims__unit=unit, claims__status=Claim.Status.ACTIVE)
    if tab == "mine":
        needs = needs.filter(mine).exclude(status=Need.Status.CLOSED)
    elif tab == "closed":
        needs = needs.filter(status=Need.Status.CLOSED, claims__unit=unit)
    else:
        needs = needs.filter(status__in=NOT_DELIVERED).exclude(mine)
    return needs.distinct().order_by("due_at", "pk")


# ---- the board -----------------------------------------------------------------------------------


def list_board(
    *,
    acting_user: Any,
    tab: str = "",
    committee: Committee | None = None,
    work_type: WorkType | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Need]:
    """The street officer's board; overdue needs come first in every tab, then by deadline."""
    now = now or timezone.now()
    needs = needs_in_scope(acting_user).select_related(
        "work_type", "worksite", "enterprise", "committee", "deadline_class"
    )
    if committee is not None:
        needs = needs.filter(committee=committee)
    if work_type is not None:
        needs = needs.filter(work_type=work_type)
    if tab == "OVERDUE":
        needs = needs.filter(status__in=NOT_DELIVERED, due_at__lt=now)
    elif tab in Need.Status.values:
        needs = needs.filter(status=tab)
    else:
        needs = needs.exclude(status=Need.Status.CLOSED)
    return needs.order_by("due_at", "pk")


def board_counts(
    *, acting_user: Any, committee: Committee | None = None, now: datetime.datetime | None = None
) -> dict[str, int]:
    now = now or timezone.now()
    needs = needs_in_scope(acting_user)
    if committee is not None:
        needs = needs.filter(committee=committee)
    counts = dict.fromkeys(BOARD_TABS, 0)
    for row in needs.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    counts["OVERDUE"] = needs.filter(status__in=NOT_DELIVERED, due_at__lt=now).count()
    return counts


def possible_duplicates(
    *, acting_user: Any, committee: Committee, worksite: Any, enterprise: Any, work_type: WorkType
) -> QuerySet[Need]:
    """Needs still open at the same place for the same work type: shown before posting another."""
    needs = (
        needs_in_scope(acting_user)
        .filter(committee=committee, work_type=work_type)
        .exclude(status=Need.Status.CLOSED)
    )
    if worksite is not None:
        needs = needs.filter(worksite=worksite)
    elif enterprise is not None:
        needs = needs.filter(enterprise=enterprise)
    else:
        return Need.objects.none()
    return needs.order_by("-posted_at")


@dataclass
class NeedDetail:
    need: Need
    claims: list[Claim]
    events: list[Any]
    served_total: int
    timeline: list[AuditEvent]


def need_detail(need: Need) -> NeedDetail:
    """What a need page shows: its claims (sent back ones too), events with people served, and the
    timeline of everything that happened to it, oldest first."""
    claims = list(
        need.claims.select_related("unit").prefetch_related("work_types").order_by("claimed_at", "pk")
    )
    events = list(
        need.events.prefetch_related("providers")
        .annotate(served_total=Sum("served__head_count"))
        .order_by("starts_at", "pk")
    )
    served_total = sum(e.served_total or 0 for e in events)  # type: ignore[attr-defined]
    timeline = list(
        AuditEvent.objects.filter(object_type="needs.need", object_id=str(need.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    return NeedDetail(need, claims, events, served_total, timeline)


def served_total(event: ServiceEvent) -> int:
    return Served.objects.filter(event=event).aggregate(n=Sum("head_count"))["n"] or 0


def active_work_types() -> QuerySet[WorkType]:
    return WorkType.objects.filter(is_active=True).order_by("position", "pk")


def active_deadline_classes() -> QuerySet[DeadlineClass]:
    return DeadlineClass.objects.filter(is_active=True).order_by("position", "pk")


def list_committees(*, acting_user: Any) -> QuerySet[Committee]:
    return (
        committees_in_scope(acting_user)
        .select_related("union")
        .annotate(unit_count=Count("members", distinct=True))
        .order_by("union__path", "name")
    )
