"""The exception queue: a reviewer approves (the year accumulator is charged then) or refuses (with a
reason); only district or city officers over the member's union."""

import pytest

from gonghui.benefits.actions.manual import do_create_manual_claim
from gonghui.benefits.actions.review import NotAwaitingReview, ReviewReasonMissing, do_review_claim
from gonghui.benefits.models import YearAccumulator
from gonghui.benefits.tests.helpers import make_plan, member_with_card
from gonghui.benefits.tests.test_manual_claim import data, receipt_scan
from gonghui.core.errors import Forbidden


@pytest.fixture
def in_review(personas):  # type: ignore[no-untyped-def]
    make_plan(personas)
    member = member_with_card(personas, 91)
    return do_create_manual_claim(
        acting_user=personas.chair, membership=member, data=data(), receipts=[receipt_scan()]
    )


def test_it_charges_the_accumulator_when_approved(personas, in_review):
    assert not YearAccumulator.objects.exists()
    claim = do_review_claim(acting_user=personas.tongzhou_officer, claim=in_review, approve=True)
    assert (claim.status, claim.payable_fen, claim.accumulated_fen) == ("APPROVED", 200_000, 200_000)
    assert YearAccumulator.objects.get().used_fen == 200_000
    with pytest.raises(NotAwaitingReview):
        do_review_claim(acting_user=personas.tongzhou_officer, claim=claim, approve=True)


def test_it_refuses_with_a_reason(personas, in_review):
    with pytest.raises(ReviewReasonMissing):
        do_review_claim(acting_user=personas.tongzhou_officer, claim=in_review, approve=False)
    claim = do_review_claim(
        acting_user=personas.tongzhou_officer, claim=in_review, approve=False, note="票据不清"
    )
    assert (claim.status, claim.refusal_code, claim.payable_fen) == ("REFUSED", "refused_by_reviewer", 0)


@pytest.mark.parametrize("who", ["chair", "haidian_officer", "luyuan_officer"])
def test_it_lets_only_district_or_city_officers_over_the_member_review(personas, in_review, who):
    with pytest.raises(Forbidden):
        do_review_claim(acting_user=getattr(personas, who), claim=in_review, approve=True)
