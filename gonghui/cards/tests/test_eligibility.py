import pytest

from gonghui.cards import actions
from gonghui.cards.models import CardApplication
from gonghui.cards.tests.helpers import apply, enrol, walk_to_authorised
from gonghui.core.errors import Forbidden
from gonghui.members.models import Channel, Consent, EmploymentStatus


@pytest.mark.parametrize(
    ("employment_status", "code"),
    [
        (EmploymentStatus.RETIRED, "retired"),
        (EmploymentStatus.TEMPORARY, "temporary_staff"),
        (EmploymentStatus.UNEMPLOYED, "not_in_service"),
    ],
)
def test_it_refuses_members_not_in_service_with_the_reason(personas, employment_status, code):
    membership = enrol(personas, 1, employment_status=employment_status)
    with pytest.raises(actions.NotEligible) as refused:
        apply(personas, membership)
    assert refused.value.code == code
    assert not CardApplication.objects.exists()


def test_it_accepts_flexible_employment(personas):
    application = apply(personas, enrol(personas, 1, employment_status=EmploymentStatus.FLEXIBLE))
    assert application.status == CardApplication.Status.ROUTED


def test_it_refuses_a_pending_membership(personas):
    membership = enrol(personas, 2, channel=Channel.SELF_SERVICE)
    assert membership.status == "PENDING"
    with pytest.raises(actions.NotActive) as refused:
        apply(personas, membership)
    assert refused.value.code == "not_active_member"


def test_it_refuses_a_member_without_consent(personas):
    membership = enrol(personas, 3)
    # A roster imported before consent was recorded: the bank may not receive this person's data.
    Consent.objects.filter(membership=membership).delete()
    with pytest.raises(actions.NoConsent) as refused:
        apply(personas, membership)
    assert refused.value.code == "no_consent"


def test_it_allows_one_open_application_per_member(personas):
    membership = enrol(personas, 4)
    apply(personas, membership)
    with pytest.raises(actions.ApplicationOpen) as refused:
        apply(personas, membership)
    assert refused.value.code == "application_open"
    assert CardApplication.objects.filter(person=membership.person).count() == 1


def test_it_refuses_a_member_who_holds_a_live_card(personas):
    membership = enrol(personas, 5)
    application = walk_to_authorised(apply(personas, membership), personas.bank_operator)
    actions.do_issue_card(acting_user=personas.bank_operator, application=application)
    actions.do_complete_card_application(acting_user=personas.bank_operator, application=application)
    with pytest.raises(actions.AlreadyHasCard):
        apply(personas, membership)


def test_it_routes_to_the_nearest_branch_serving_the_union(personas):
    application = apply(personas, enrol(personas, 6))
    # 云锐 is in 永顺镇: only 通州支行 (all of 通州) serves it, 潞城支行 serves 潞城镇 alone.
    assert application.branch is not None and application.branch.code == "BOB-TZ"
    assert application.routed_at == application.submitted_at


def test_it_creates_applications_for_a_whole_union_and_counts_the_refusals(personas):
    enrol(personas, 10)
    enrol(personas, 11)
    enrol(personas, 12, employment_status=EmploymentStatus.RETIRED)
    already = enrol(personas, 13)
    apply(personas, already)
    outcome = actions.do_create_card_applications_for_union(
        acting_user=personas.chair, union=personas.unit("BJ-TZ-YS-YR")
    )
    assert len(outcome.created) == 2
    assert outcome.refused == {"retired": 1, "application_open": 1}


def test_it_refuses_an_officer_outside_the_union(personas):
    membership = enrol(personas, 14)
    with pytest.raises(Forbidden):
        actions.do_create_card_application(acting_user=personas.haidian_officer, membership=membership)
    with pytest.raises(Forbidden):
        actions.do_create_card_application(acting_user=personas.bank_operator, membership=membership)
