"""Settlement rows to claims (do_import_settlement_rows): eligibility on the date of service with reason
codes, each settlement paid once, corrections as visible adjustments, the year cap held."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from gonghui.benefits.models import ClaimAdjustment, ReimbursementClaim, Settlement, YearAccumulator
from gonghui.benefits.tests.helpers import (
    backdate_joining,
    feed_job,
    import_rows,
    make_plan,
    member_with_card,
    settlement,
)
from gonghui.cards.tests.helpers import enrol
from gonghui.core.models import AuditEvent
from gonghui.members.models import EmploymentStatus


@pytest.fixture
def plan(personas):
    return make_plan(personas)


def test_it_approves_an_eligible_inpatient_settlement(personas, plan):
    member = member_with_card(personas, 1)
    outcome = import_rows(personas, [settlement(member)])
    claim = ReimbursementClaim.objects.get()
    assert claim.status == "APPROVED" and claim.plan == plan and claim.union == member.union
    # 10,000 yuan self-paid: 8,700 above the deductible at 50 %.
    assert claim.payable_fen == 435_000 == outcome.payable_fen
    assert YearAccumulator.objects.get(person=member.person).used_fen == 435_000
    assert AuditEvent.objects.filter(event_type="settlement_rows_imported").count() == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"joined": "after"}, "not_member_on_date"),
        ({"employment_status": EmploymentStatus.RETIRED}, "retired"),
        ({"employment_status": EmploymentStatus.TEMPORARY}, "temporary_staff"),
        ({"medical": False}, "no_medical_link"),
        ({"level": "COMMUNITY"}, "hospital_level_not_covered"),
        ({"amount": 1_000_00}, "below_deductible"),
    ],
)
def test_it_refuses_with_the_reason_code(personas, plan, setup, code):
    today = timezone.localdate()
    joined = today if setup.get("joined") == "after" else datetime.date(today.year, 1, 1)
    service_date = today - datetime.timedelta(days=1) if setup.get("joined") == "after" else today
    member = (
        member_with_card(
            personas,
            2,
            joined=joined,
            medical=setup.get("medical", True),
            employment_status=setup.get("employment_status", EmploymentStatus.EMPLOYED),
        )
        if "employment_status" not in setup
        else backdate_joining(enrol(personas, 2, employment_status=setup["employment_status"]), joined)
    )
    row = settlement(
        member,
        service_date=service_date,
        hospital_level=setup.get("level", "LEVEL_3"),
        self_paid_in_scope_fen=setup.get("amount", 10_000_00),
    )
    import_rows(personas, [row])
    claim = ReimbursementClaim.objects.get()
    assert (claim.status, claim.refusal_code, claim.payable_fen) == ("REFUSED", code, 0)


def test_it_refuses_a_member_without_a_card(personas, plan):
    member = backdate_joining(enrol(personas, 3), datetime.date(timezone.localdate().year, 1, 1))
    import_rows(personas, [settlement(member)])
    assert ReimbursementClaim.objects.get().refusal_code == "no_live_card"


def test_it_refuses_within_the_waiting_period(personas):
    make_plan(personas, waiting_days=90)
    today = timezone.localdate()
    member = member_with_card(personas, 4, joined=today - datetime.timedelta(days=30))
    import_rows(personas, [settlement(member, service_date=today)])
    assert ReimbursementClaim.objects.get().refusal_code == "waiting_period"


def test_it_refuses_when_no_plan_is_in_force(personas):
    member = member_with_card(personas, 5)
    import_rows(personas, [settlement(member)])
    assert ReimbursementClaim.objects.get().refusal_code == "no_plan"


def test_it_does_nothing_for_a_settlement_sent_again(personas, plan):
    member = member_with_card(personas, 6)
    row = settlement(member)
    import_rows(personas, [row])
    again = import_rows(personas, [row])
    assert again.counts["unchanged"] == 1 and again.payable_fen == 0
    assert [p.code for p in again.problems] == ["settlement_unchanged"]
    assert ReimbursementClaim.objects.count() == 1 and Settlement.objects.count() == 1
    assert YearAccumulator.objects.get().used_fen == 435_000


def test_it_recomputes_a_corrected_settlement_as_a_visible_adjustment(personas, plan):
    member = member_with_card(personas, 7)
    row = settlement(member)
    import_rows(personas, [row])
    corrected = settlement(member, settlement_id=row.settlement_id, self_paid_in_scope_fen=8_000_00)
    outcome = import_rows(personas, [corrected])
    claim = ReimbursementClaim.objects.get()
    # 6,700 above the deductible at 50 %.
    assert claim.payable_fen == 335_000 and outcome.payable_fen == -100_000
    adjustment = ClaimAdjustment.objects.get()
    assert (adjustment.previous_payable_fen, adjustment.new_payable_fen, adjustment.delta_fen) == (
        435_000,
        335_000,
        -100_000,
    )
    assert adjustment.changes["self_paid_in_scope_fen"] == ["1000000", "800000"]
    assert Settlement.objects.get().corrections == 1
    assert YearAccumulator.objects.get().used_fen == 335_000


def test_it_holds_the_year_cap_across_claims(personas, plan):
    member = member_with_card(personas, 8)
    # Each pays the per-claim cap of 15,000; the third finds the 30,000 a year used up.
    rows = [settlement(member, self_paid_in_scope_fen=40_000_00) for _ in range(3)]
    import_rows(personas, rows)
    claims = list(ReimbursementClaim.objects.order_by("pk"))
    assert [c.payable_fen for c in claims] == [1_500_000, 1_500_000, 0]
    assert claims[2].refusal_code == "year_cap_reached"
    assert YearAccumulator.objects.get().used_fen == plan.per_year_cap_fen


def test_it_lets_the_database_refuse_an_accumulator_past_its_cap(personas, plan):
    member = member_with_card(personas, 9)
    import_rows(personas, [settlement(member)])
    with pytest.raises(IntegrityError), transaction.atomic():
        YearAccumulator.objects.filter(person=member.person).update(used_fen=plan.per_year_cap_fen + 1)


def test_it_reports_a_person_outside_the_officers_area_as_unknown(personas, plan):
    member = member_with_card(personas, 10)
    job = feed_job(personas, unit_code="BJ-HD", owner=personas.haidian_officer)
    outcome = import_rows(personas, [settlement(member)], job=job)
    assert [p.code for p in outcome.problems] == ["unknown_person"]
    assert not ReimbursementClaim.objects.exists()


def test_it_writes_nothing_on_a_dry_run(personas, plan):
    member = member_with_card(personas, 11)
    outcome = import_rows(personas, [settlement(member)], dry_run=True)
    assert outcome.counts["approved"] == 1 and outcome.payable_fen == 435_000
    assert not ReimbursementClaim.objects.exists() and not Settlement.objects.exists()
    assert not AuditEvent.objects.filter(event_type="settlement_rows_imported").exists()
