"""Reads of 建会, always scoped to what the acting user may see (the enterprise's managing union)."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from gonghui.core.models import AuditEvent
from gonghui.enterprises.models import Enterprise
from gonghui.enterprises.queries import enterprises_in_scope
from gonghui.establishment.models import STAGE_ORDER, EnterpriseImport, Establishment, Stage, StageRecord
from gonghui.establishment.rules import default_rules
from gonghui.orgs.models import Region
from gonghui.orgs.scope import RANK_READ, path_q

OPEN_STATUSES = (Establishment.Status.OPEN, Establishment.Status.PAUSED)


def cases_in_scope(acting_user: Any, *, min_rank: int = RANK_READ) -> QuerySet[Establishment]:
    return Establishment.objects.filter(
        path_q(acting_user, "enterprise__managing_unit__path", min_rank=min_rank)
    )


def list_cases(
    *,
    acting_user: Any,
    stage: str | None = None,
    status: str | None = None,
    street_code: str | None = None,
    district_code: str | None = None,
    attention: str | None = None,
    search: str = "",
    today: datetime.date,
) -> QuerySet[Establishment]:
    """Cases, newest movement first. attention: "overdue" (follow-up date passed) or "stalled" (no
    stage for the rules' number of days)."""
    cases = cases_in_scope(acting_user).select_related(
        "enterprise__district", "enterprise__street", "enterprise__managing_unit", "officer"
    )
    if stage:
        cases = cases.filter(stage=stage)
    if status:
        cases = cases.filter(status=status)
    if street_code:
        cases = cases.filter(enterprise__street__code=street_code)
    if district_code:
        cases = cases.filter(enterprise__district__code=district_code)
    if search:
        cases = cases.filter(
            Q(enterprise__name__contains=search) | Q(enterprise__uscc=search.strip().upper())
        )
    if attention == "overdue":
        cases = cases.filter(status=Establishment.Status.OPEN, next_follow_up_date__lt=today)
    elif attention == "stalled":
        stalled_before = today - datetime.timedelta(days=default_rules().stalled_after_days)
        cases = cases.filter(status=Establishment.Status.OPEN, stage_date__lt=stalled_before)
    return cases.order_by("-updated_at", "-pk")


def is_overdue(case: Establishment, today: datetime.date) -> bool:
    return (
        case.status == Establishment.Status.OPEN
        and case.next_follow_up_date is not None
        and case.next_follow_up_date < today
    )


def is_stalled(case: Establishment, today: datetime.date, stalled_after_days: int) -> bool:
    return case.status == Establishment.Status.OPEN and (today - case.stage_date).days > stalled_after_days


@dataclass
class BoardColumn:
    stage: str
    label: str
    cases: list[Establishment]


def case_board(
    *, acting_user: Any, street_code: str | None = None, limit_per_stage: int = 50
) -> list[BoardColumn]:
    """Open and paused cases by stage (established ones are in the coverage table)."""
    cases = (
        cases_in_scope(acting_user).filter(status__in=OPEN_STATUSES).select_related("enterprise", "officer")
    )
    if street_code:
        cases = cases.filter(enterprise__street__code=street_code)
    columns = []
    for stage in STAGE_ORDER[:-1]:
        columns.append(
            BoardColumn(
                stage,
                str(Stage(stage).label),
                list(cases.filter(stage=stage).order_by("next_follow_up_date", "pk")[:limit_per_stage]),
            )
        )
    return columns


def stage_counts(*, acting_user: Any) -> dict[str, int]:
    rows = (
        cases_in_scope(acting_user).filter(status__in=OPEN_STATUSES).values("stage").annotate(n=Count("pk"))
    )
    return {row["stage"]: row["n"] for row in rows}


@dataclass
class CoverageRow:
    """One district or street: enterprises of 100+ staff, how many have a union, how many are in the
    pipeline (by stage), and the 建会率."""

    code: str
    name: str
    level: str
    target: int = 0
    with_union: int = 0
    in_pipeline: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)

    @property
    def uncovered(self) -> int:
        return self.target - self.with_union

    @property
    def rate(self) -> float | None:
        return round(100 * self.with_union / self.target, 1) if self.target else None


@dataclass
class Coverage:
    rows: list[CoverageRow]
    total: CoverageRow
    threshold: int
    district: Region | None = None
    street: Region | None = None


def target_enterprises(acting_user: Any) -> QuerySet[Enterprise]:
    return enterprises_in_scope(acting_user).filter(employee_count__gte=default_rules().target_employee_count)


def coverage(*, acting_user: Any, district_code: str = "", street_code: str = "") -> Coverage:
    """Rows per district (top), per street of one district (drill-down), or one street's own total."""
    threshold = default_rules().target_employee_count
    enterprises = target_enterprises(acting_user)
    district = (
        Region.objects.filter(code=district_code, level=Region.Level.DISTRICT).first()
        if district_code
        else None
    )
    street = (
        Region.objects.filter(code=street_code, level=Region.Level.STREET).first() if street_code else None
    )
    if street is not None:
        enterprises = enterprises.filter(street=street)
        group = ("street__code", "street__name")
        level = Region.Level.STREET
        district = street.parent
    elif district is not None:
        enterprises = enterprises.filter(district=district)
        group = ("street__code", "street__name")
        level = Region.Level.STREET
    else:
        group = ("district__code", "district__name")
        level = Region.Level.DISTRICT
    rows: dict[str, CoverageRow] = {}
    for values in enterprises.values(*group).annotate(
        target=Count("pk"), with_union=Count("pk", filter=Q(union__isnull=False))
    ):
        code = values[group[0]] or ""
        rows[code] = CoverageRow(code, values[group[1]] or "", level, values["target"], values["with_union"])
    open_cases = (
        Establishment.objects.filter(
            enterprise__in=enterprises.filter(union__isnull=True), status__in=OPEN_STATUSES
        )
        .values(f"enterprise__{group[0]}", "stage")
        .annotate(n=Count("pk"))
    )
    for values in open_cases:
        row = rows.get(values[f"enterprise__{group[0]}"] or "")
        if row is not None:
            row.in_pipeline += values["n"]
            row.by_stage[values["stage"]] = row.by_stage.get(values["stage"], 0) + values["n"]
    ordered = sorted(rows.values(), key=lambda r: (r.code == "", r.code))
    total = CoverageRow("", "", "TOTAL")
    for row in ordered:
        total.target += row.target
        total.with_union += row.with_union
        total.in_pipeline += row.in_pipeline
        for stage, n in row.by_stage.items():
            total.by_stage[stage] = total.by_stage.get(stage, 0) + n
    return Coverage(ordered, total, threshold, district, street)


def uncovered_enterprises(
    *, acting_user: Any, district_code: str = "", street_code: str = ""
) -> QuerySet[Enterprise]:
    """100+ enterprises without a union, to act on: largest first."""
    enterprises = target_enterprises(acting_user).filter(union__isnull=True)
    if street_code:
        enterprises = enterprises.filter(street__code=street_code)
    elif district_code:
        enterprises = enterprises.filter(district__code=district_code)
    return enterprises.select_related("district", "street").order_by("-employee_count", "name", "pk")


def open_case_ids(enterprise_ids: list[int]) -> dict[int, Establishment]:
    cases = Establishment.objects.filter(enterprise_id__in=enterprise_ids, status__in=OPEN_STATUSES)
    return {case.enterprise_id: case for case in cases}


def case_timeline(case: Establishment) -> list[StageRecord]:
    return list(
        case.stage_records.select_related("officer", "recorded_by").order_by(
            "stage_date", "recorded_at", "pk"
        )
    )


def case_events(case: Establishment) -> QuerySet[AuditEvent]:
    """The case's audit events (status changes with their reasons, automatic moves), oldest first."""
    return (
        AuditEvent.objects.filter(object_type="establishment.establishment", object_id=str(case.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def imports_in_scope(acting_user: Any) -> QuerySet[EnterpriseImport]:
    """Enterprise lists imported for a union in the user's area (officers who may manage enterprises)."""
    from gonghui.orgs.scope import RANK_MANAGE_ENTERPRISES

    return EnterpriseImport.objects.filter(
        path_q(acting_user, "managing_unit__path", min_rank=RANK_MANAGE_ENTERPRISES)
    )


def employee_count_history(enterprise: Enterprise) -> QuerySet[Any]:
    from gonghui.establishment.models import EmployeeCount

    return EmployeeCount.objects.filter(enterprise=enterprise).order_by("recorded_at", "pk")
