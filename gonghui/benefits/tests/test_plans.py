"""Plans as data: a city officer creates and corrects them; a plan claims were computed with can only be
superseded, and the claims keep the version they used."""

import pytest

from gonghui.benefits.actions.plans import (
    PlanExists,
    PlanInUse,
    PlanInvalid,
    PlanNotActive,
    do_create_benefit_plan,
    do_supersede_benefit_plan,
    do_update_benefit_plan,
)
from gonghui.benefits.calculation import Band
from gonghui.benefits.models import BenefitPlan, ReimbursementClaim
from gonghui.benefits.tests.helpers import (
    import_rows,
    inpatient_plan_data,
    make_plan,
    member_with_card,
    settlement,
)
from gonghui.core.errors import Forbidden
from gonghui.core.models import AuditEvent


def test_it_lets_only_a_city_officer_keep_plans(personas):
    for user in (personas.tongzhou_officer, personas.chair, personas.outsider):
        with pytest.raises(Forbidden):
            do_create_benefit_plan(acting_user=user, data=inpatient_plan_data(2026))
    plan = make_plan(personas, 2026)
    assert plan.is_example and plan.status == "ACTIVE" and plan.version == 1
    assert AuditEvent.objects.filter(event_type="benefit_plan_created").count() == 1


def test_it_refuses_a_second_plan_in_force_for_the_same_year(personas):
    make_plan(personas, 2026)
    with pytest.raises(PlanExists):
        make_plan(personas, 2026)


@pytest.mark.parametrize(
    "changes",
    [
        {"bands": ()},
        {"bands": (Band(None, 12_000),)},
        {"per_claim_cap_fen": 50_000_00},
        {"deductible_fen": -1},
        {"eligible_levels": ()},
    ],
)
def test_it_refuses_inconsistent_rules(personas, changes):
    with pytest.raises(PlanInvalid):
        make_plan(personas, 2026, **changes)


def test_it_corrects_a_plan_not_yet_used(personas):
    plan = make_plan(personas, 2026)
    plan = do_update_benefit_plan(
        acting_user=personas.city_admin, plan=plan, data=inpatient_plan_data(2026, deductible_fen=1_000_00)
    )
    assert plan.deductible_fen == 1_000_00 and plan.version == 1


def test_it_only_supersedes_a_plan_in_use(personas):
    plan = make_plan(personas)
    member = member_with_card(personas, 31)
    import_rows(personas, [settlement(member)])
    new_rules = inpatient_plan_data(plan.year, deductible_fen=1_000_00)
    with pytest.raises(PlanInUse):
        do_update_benefit_plan(acting_user=personas.city_admin, plan=plan, data=new_rules)
    successor = do_supersede_benefit_plan(acting_user=personas.city_admin, plan=plan, data=new_rules)
    plan.refresh_from_db()
    assert (plan.status, plan.deductible_fen, successor.version, successor.supersedes) == (
        "SUPERSEDED",
        1_300_00,
        2,
        plan,
    )
    with pytest.raises(PlanNotActive):
        do_supersede_benefit_plan(acting_user=personas.city_admin, plan=plan, data=new_rules)
    # The old claim keeps its version; a new one is computed with the successor.
    import_rows(personas, [settlement(member)])
    assert list(ReimbursementClaim.objects.order_by("pk").values_list("plan__version", "payable_fen")) == [
        (1, 435_000),
        (2, 450_000),
    ]
    assert BenefitPlan.objects.filter(status="ACTIVE").count() == 1
