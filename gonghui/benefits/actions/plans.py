"""Benefit plans as data, kept by city officers. A plan that claims were computed with is never changed:
it is superseded by a new version, which the feed uses from then on."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.calculation import Band, bands_problem
from gonghui.benefits.models import BenefitPlan, HospitalLevel
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.orgs.models import ROLE_RANK, Role
from gonghui.orgs.scope import is_city_wide

RANK_KEEP_PLANS = ROLE_RANK[Role.CITY_ADMIN]
MAX_FEN = 10**12  # ten billion yuan: beyond any plan, within every integer column


class PlanInvalid(InvalidInput):
    code = "plan_invalid"
    default_message = _("The plan's rules are not consistent: %(reason)s")


class PlanInUse(Conflict):
    code = "plan_in_use"
    default_message = _(
        "Claims were computed with this plan: it cannot be changed, only superseded by a new version."
    )


class PlanExists(Conflict):
    code = "plan_exists"
    default_message = _("A plan for this benefit and year is already in force: supersede it instead.")


class PlanNotActive(Conflict):
    code = "plan_not_active"
    default_message = _("This plan has been superseded; only the plan in force can be superseded.")


BAND_REASONS = {
    "bands_empty": _("at least one ratio band is needed"),
    "band_ratio_out_of_range": _("a ratio must be between 0 and 100 %"),
    "band_open_not_last": _("only the last band may be open-ended"),
    "band_bounds_not_ascending": _("band upper bounds must rise"),
}


@dataclass(frozen=True)
class PlanData:
    year: int
    kind: str
    name: str
    deductible_fen: int
    bands: tuple[Band, ...]
    per_claim_cap_fen: int
    per_year_cap_fen: int
    waiting_days: int = 0
    eligible_levels: tuple[str, ...] = tuple(HospitalLevel.values)
    is_example: bool = False

    def check(self) -> None:
        problem = bands_problem(self.bands)
        if problem:
            raise PlanInvalid(reason=BAND_REASONS[problem], field="bands")
        for name in ("deductible_fen", "per_claim_cap_fen", "per_year_cap_fen"):
            if not 0 <= getattr(self, name) <= MAX_FEN:
                raise PlanInvalid(reason=_("amounts must be between 0 and ten billion yuan"), field=name)
        if self.per_claim_cap_fen > self.per_year_cap_fen:
            raise PlanInvalid(
                reason=_("the cap per claim is above the cap per year"), field="per_claim_cap_fen"
            )
        if not 2000 <= self.year <= 2100:
            raise PlanInvalid(reason=_("the year is out of range"), field="year")
        if not 0 <= self.waiting_days <= 3650:
            raise PlanInvalid(reason=_("the waiting period is out of range"), field="waiting_days")
        if not self.eligible_levels or any(
            level not in HospitalLevel.values for level in self.eligible_levels
        ):
            raise PlanInvalid(reason=_("choose the hospital levels the plan covers"), field="eligible_levels")

    def fields(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "kind": self.kind,
            "name": self.name,
            "is_example": self.is_example,
            "deductible_fen": self.deductible_fen,
            "bands": [[band.upper_fen, band.ratio_bp] for band in self.bands],
            "per_claim_cap_fen": self.per_claim_cap_fen,
            "per_year_cap_fen": self.per_year_cap_fen,
            "waiting_days": self.waiting_days,
            "eligible_levels": sorted(set(self.eligible_levels)),
        }


def _require_plan_keeper(acting_user: Any) -> None:
    if not is_city_wide(acting_user, min_rank=RANK_KEEP_PLANS):
        raise Forbidden()


@transaction.atomic(durable=True)
def do_create_benefit_plan(
    *, acting_user: Any, data: PlanData, now: datetime.datetime | None = None
) -> BenefitPlan:
    now = now or timezone.now()
    _require_plan_keeper(acting_user)
    data.check()
    if BenefitPlan.objects.filter(year=data.year, kind=data.kind, status=BenefitPlan.Status.ACTIVE).exists():
        raise PlanExists()
    version = 1 + max(
        BenefitPlan.objects.filter(year=data.year, kind=data.kind).values_list("version", flat=True),
        default=0,
    )
    try:
        with transaction.atomic():
            plan = BenefitPlan.objects.create(
                **data.fields(), version=version, created_by=acting_user, created_at=now
            )
    except IntegrityError:
        raise PlanExists() from None  # another officer created it at the same moment
    record_event(
        acting_user=acting_user,
        event_type="benefit_plan_created",
        obj=plan,
        details={"year": plan.year, "kind": plan.kind, "version": plan.version},
        now=now,
    )
    return plan


@transaction.atomic(durable=True)
def do_update_benefit_plan(
    *, acting_user: Any, plan: BenefitPlan, data: PlanData, now: datetime.datetime | None = None
) -> BenefitPlan:
    """Correct a plan no claim has used yet (a typo before the year starts)."""
    now = now or timezone.now()
    _require_plan_keeper(acting_user)
    data.check()
    plan = BenefitPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != BenefitPlan.Status.ACTIVE:
        raise PlanNotActive()
    if plan.claims.exists():
        raise PlanInUse()
    if (data.year, data.kind) != (plan.year, plan.kind):
        raise PlanInvalid(reason=_("the year and benefit of a plan do not change"), field="year")
    changed = [name for name, value in data.fields().items() if getattr(plan, name) != value]
    for name, value in data.fields().items():
        setattr(plan, name, value)
    plan.save()
    record_event(
        acting_user=acting_user, event_type="benefit_plan_updated", obj=plan, changed_fields=changed, now=now
    )
    return plan


@transaction.atomic(durable=True)
def do_supersede_benefit_plan(
    *, acting_user: Any, plan: BenefitPlan, data: PlanData, now: datetime.datetime | None = None
) -> BenefitPlan:
    """A new version of the plan in force; the old one stays as it was for the claims computed with it."""
    now = now or timezone.now()
    _require_plan_keeper(acting_user)
    data.check()
    plan = BenefitPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != BenefitPlan.Status.ACTIVE:
        raise PlanNotActive()
    if (data.year, data.kind) != (plan.year, plan.kind):
        raise PlanInvalid(reason=_("the year and benefit of a plan do not change"), field="year")
    plan.status = BenefitPlan.Status.SUPERSEDED
    plan.superseded_at = now
    plan.save(update_fields=["status", "superseded_at"])
    successor = BenefitPlan.objects.create(
        **data.fields(), version=plan.version + 1, supersedes=plan, created_by=acting_user, created_at=now
    )
    record_event(
        acting_user=acting_user,
        event_type="benefit_plan_superseded",
        obj=successor,
        details={"supersedes": plan.pk, "version": successor.version},
        now=now,
    )
    return successor
