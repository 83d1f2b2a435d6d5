"""Building blocks for the benefit tests: members with a live card and the medical-insurance link (through
the real card actions), the example plans, and settlement rows."""

import datetime
import itertools
from typing import Any

from django.utils import timezone

from gonghui.benefits.actions.feed import SettlementRow, do_import_settlement_rows
from gonghui.benefits.actions.plans import PlanData, do_create_benefit_plan
from gonghui.benefits.calculation import Band
from gonghui.benefits.models import BenefitKind, BenefitPlan, FeedImportJob, HospitalLevel
from gonghui.cards import actions as card_actions
from gonghui.cards.tests.helpers import apply, enrol, walk_to_authorised
from gonghui.demo.personas import Personas
from gonghui.members.models import Membership

_settlement_numbers = itertools.count(1)


def inpatient_plan_data(year: int, **changes: Any) -> PlanData:
    values: dict[str, Any] = {
        "year": year,
        "kind": BenefitKind.INPATIENT,
        "name": "住院二次报销（示例）",
        "is_example": True,
        "deductible_fen": 1_300_00,
        "bands": (Band(1_000_000, 5000), Band(None, 6000)),
        "per_claim_cap_fen": 15_000_00,
        "per_year_cap_fen": 30_000_00,
        "waiting_days": 0,
        "eligible_levels": (HospitalLevel.LEVEL_1, HospitalLevel.LEVEL_2, HospitalLevel.LEVEL_3),
    }
    values.update(changes)
    return PlanData(**values)


def make_plan(personas: Personas, year: int | None = None, **changes: Any) -> BenefitPlan:
    year = year or timezone.localdate().year
    return do_create_benefit_plan(acting_user=personas.city_admin, data=inpatient_plan_data(year, **changes))


def backdate_joining(membership: Membership, joined: datetime.date) -> Membership:
    """Test setup: the member joined on `joined` (approval stamps today)."""
    Membership.objects.filter(pk=membership.pk).update(joined_date=joined)
    membership.refresh_from_db()
    return membership


def member_with_card(
    personas: Personas,
    n: int,
    *,
    joined: datetime.date | None = None,
    medical: bool = True,
    **enrol_args: Any,
) -> Membership:
    """An active member of 云锐 (by default) holding a live card with the medical-insurance link."""
    membership = enrol(personas, n, **enrol_args)
    application = apply(personas, membership)
    application = walk_to_authorised(application, personas.bank_operator)
    card_actions.do_issue_card(acting_user=personas.bank_operator, application=application)
    if medical:
        card_actions.do_link_medical_insurance(
            acting_user=personas.bank_operator,
            application=application,
            account_reference=f"1101120000{n:08d}",
        )
    return backdate_joining(membership, joined or datetime.date(timezone.localdate().year, 1, 1))


def settlement(membership: Membership, **changes: Any) -> SettlementRow:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "row": 2,
        "resident_id": membership.person.resident_id,
        "settlement_id": f"JS{next(_settlement_numbers):010d}",
        "kind": BenefitKind.INPATIENT,
        "service_date": today,
        "hospital": "首都医科大学附属北京潞河医院",
        "hospital_level": HospitalLevel.LEVEL_3,
        "total_cost_fen": 50_000_00,
        "covered_fen": 35_000_00,
        "self_paid_in_scope_fen": 10_000_00,
    }
    values.update(changes)
    return SettlementRow(**values)


def feed_job(personas: Personas, *, unit_code: str = "BJ", owner: Any = None) -> FeedImportJob:
    """A job row for rows passed straight to the action (the file path is tested in test_feed_import)."""
    return FeedImportJob.objects.create(
        unit=personas.unit(unit_code),
        owner=owner or personas.city_admin,
        original_name="direct.xlsx",
        created_at=timezone.now(),
    )


def import_rows(
    personas: Personas, rows: list[SettlementRow], *, job: FeedImportJob | None = None, dry_run: bool = False
):  # type: ignore[no-untyped-def]
    job = job or feed_job(personas)
    return do_import_settlement_rows(acting_user=job.owner, job=job, rows=rows, dry_run=dry_run)
