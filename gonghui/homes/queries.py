"""Every read of 职工之家, scoped to what the acting user may see: homes of unions in their subtrees."""

import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from gonghui.homes.models import (
    AwardedLevel,
    Budget,
    Facility,
    FacilityType,
    FundingApplication,
    LevelApplication,
    Standard,
    StandardLevel,
    WorkersHome,
)
from gonghui.homes.roles import step_paths
from gonghui.orgs.models import OrgUnit, Role
from gonghui.orgs.scope import RANK_READ, held_roles, path_q


def homes_in_scope(acting_user: Any, *, min_rank: int = RANK_READ) -> QuerySet[WorkersHome]:
    return WorkersHome.objects.filter(path_q(acting_user, "union__path", min_rank=min_rank))


def _with_awards(homes: QuerySet[WorkersHome]) -> QuerySet[WorkersHome]:
    return homes.select_related("union", "union__parent").prefetch_related(
        Prefetch(
            "awards",
            queryset=AwardedLevel.objects.select_related("level").order_by("-awarded_date", "-pk"),
        )
    )


def list_homes(
    *,
    acting_user: Any,
    today: datetime.date,
    level_code: str | None = None,
    without_level: bool = False,
    under_unit: OrgUnit | None = None,
    search: str = "",
) -> QuerySet[WorkersHome]:
    """Homes by the level they hold today: `level_code` keeps those holding it, `without_level` those
    holding none; `under_unit` narrows to a district or street."""
    homes = homes_in_scope(acting_user)
    valid = Q(awards__status=AwardedLevel.Status.ACTIVE, awards__valid_until__gt=today)
    if level_code:
        homes = homes.filter(valid, awards__level__code=level_code)
    elif without_level:
        holding = AwardedLevel.objects.filter(status=AwardedLevel.Status.ACTIVE, valid_until__gt=today)
        homes = homes.exclude(pk__in=holding.values("home_id"))
    if under_unit is not None:
        homes = homes.filter(union__path__startswith=under_unit.path)
    if search:
        homes = homes.filter(Q(name__contains=search) | Q(union__name__contains=search))
    return _with_awards(homes.distinct()).order_by("union__path", "pk")


def homes_of_chair(acting_user: Any) -> QuerySet[WorkersHome]:
    """The homes of the unions where the user is the union chair ("my home")."""
    paths = [r.unit_path for r in held_roles(acting_user) if r.role == Role.UNION_CHAIR]
    return _with_awards(WorkersHome.objects.filter(union__path__in=paths)).order_by("union__path")


def chair_unions_without_home(acting_user: Any) -> QuerySet[OrgUnit]:
    paths = [r.unit_path for r in held_roles(acting_user) if r.role == Role.UNION_CHAIR]
    return OrgUnit.objects.filter(path__in=paths, workers_home__isnull=True).order_by("path")


def facilities_of(home: WorkersHome) -> QuerySet[Facility]:
    return (
        home.facilities.select_related("facility_type")
        .prefetch_related("facility_type__checklist_items", "photos")
        .order_by("facility_type__position", "name", "pk")
    )


def facilities_in_scope(acting_user: Any) -> QuerySet[Facility]:
    return Facility.objects.filter(path_q(acting_user, "home__union__path")).select_related(
        "home__union", "facility_type"
    )


def list_facility_types() -> QuerySet[FacilityType]:
    # The list of types is public knowledge within the console: every officer and chair sees the same list.
    return FacilityType.objects.prefetch_related("checklist_items").order_by("position", "code")


def current_standard() -> Standard | None:
    """The newest published version of the newest standard."""
    return Standard.objects.order_by("-published_at", "-version", "-pk").first()


def levels_of(standard: Standard) -> QuerySet[StandardLevel]:
    return standard.levels.prefetch_related("items__facility_type").order_by("rank", "pk")


def applications_in_scope(acting_user: Any) -> QuerySet[LevelApplication]:
    return LevelApplication.objects.filter(path_q(acting_user, "home__union__path")).select_related(
        "home__union", "level__standard", "applied_by"
    )


def list_applications(
    *, acting_user: Any, status: str | None = None, home: WorkersHome | None = None
) -> QuerySet[LevelApplication]:
    applications = applications_in_scope(acting_user)
    if status:
        applications = applications.filter(status=status)
    if home is not None:
        applications = applications.filter(home=home)
    return applications.order_by("-applied_at", "-pk")


QUEUE_STATUS = {
    "STREET": LevelApplication.Status.AT_STREET,
    "DISTRICT": LevelApplication.Status.AT_DISTRICT,
    "CITY": LevelApplication.Status.AT_CITY,
}


def application_queue(*, acting_user: Any) -> QuerySet[LevelApplication]:
    """Applications waiting for a step the user holds, in the subtrees where they hold it, oldest first.
    A user's own applications are left out: they may not decide on them."""
    condition = Q(pk__in=[])
    for step, status in QUEUE_STATUS.items():
        for path in step_paths(acting_user, step):
            condition |= Q(status=status, home__union__path__startswith=path)
    return (
        LevelApplication.objects.filter(condition)
        .exclude(applied_by=acting_user)
        .select_related("home__union", "level__standard", "applied_by")
        .order_by("applied_at", "pk")
    )


def application_detail(application: LevelApplication) -> LevelApplication:
    return (
        LevelApplication.objects.select_related("home__union", "level__standard", "applied_by")
        .prefetch_related("scores__item", "decisions__decided_by", "check_photos")
        .get(pk=application.pk)
    )


# --- funding ----------------------------------------------------------------------------------------


def budgets_in_scope(acting_user: Any) -> QuerySet[Budget]:
    """Budgets for districts in the user's area (the city's and the district's own)."""
    return Budget.objects.filter(path_q(acting_user, "district__path")).select_related("funder", "district")


def list_budgets(*, acting_user: Any, year: int | None = None) -> QuerySet[Budget]:
    budgets = budgets_in_scope(acting_user)
    if year is not None:
        budgets = budgets.filter(year=year)
    return budgets.order_by("-year", "district__path", "funder__path", "pk")


def budget_years(acting_user: Any) -> list[int]:
    return sorted(set(budgets_in_scope(acting_user).values_list("year", flat=True)), reverse=True)


def funding_in_scope(acting_user: Any) -> QuerySet[FundingApplication]:
    return FundingApplication.objects.filter(path_q(acting_user, "home__union__path")).select_related(
        "home__union", "facility", "level", "budget__funder", "budget__district"
    )


def list_funding(
    *,
    acting_user: Any,
    status: str | None = None,
    year: int | None = None,
    home: WorkersHome | None = None,
    budget: Budget | None = None,
) -> QuerySet[FundingApplication]:
    rows = funding_in_scope(acting_user).prefetch_related("disbursements", "spending_reports")
    if status:
        rows = rows.filter(status=status)
    if year is not None:
        rows = rows.filter(year=year)
    if home is not None:
        rows = rows.filter(home=home)
    if budget is not None:
        rows = rows.filter(budget=budget)
    return rows.order_by("-applied_at", "-pk")


def funding_detail(application: FundingApplication) -> FundingApplication:
    return (
        FundingApplication.objects.select_related("home__union", "facility", "level", "budget__funder")
        .prefetch_related("disbursements", "spending_reports", "documents")
        .get(pk=application.pk)
    )
