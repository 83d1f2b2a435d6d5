"""Routing: a branch serves a meeting before it serves regions. A member who joined at a 沟通会 whose
card branch is set and active goes to that branch's pad; otherwise the branch serving the union."""

import datetime

import pytest

from gonghui.cards import actions
from gonghui.cards.models import BankBranch, CardApplication
from gonghui.cards.tests.helpers import apply, branch, enrol, name_for, resident_id
from gonghui.meetings.actions import MeetingData, do_plan_meeting
from gonghui.meetings.models import Meeting, MeetingKind, PlaceKind
from gonghui.members.actions import EnrolmentData, do_enrol_member
from gonghui.members.models import EmploymentStatus, Membership

START = datetime.datetime(2026, 5, 29, 9, 30, tzinfo=datetime.UTC)


def _meeting(personas, card_branch: BankBranch | None) -> Meeting:
    return do_plan_meeting(
        acting_user=personas.tongzhou_officer,
        data=MeetingData(
            kind=MeetingKind.WORKER,
            title="云锐大厅职工沟通会",
            organiser=personas.unit("BJ-TZ-YS"),
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=3),
            place_kind=PlaceKind.ENTERPRISE,
            enterprise=personas.enterprise("yunrui"),
            address="一楼大厅",
            card_branch=card_branch,
        ),
    )


def _enrol_at(personas, meeting: Meeting, n: int) -> Membership:
    outcome = do_enrol_member(
        acting_user=personas.chair,
        union=personas.unit("BJ-TZ-YS-YR"),
        data=EnrolmentData(
            name=name_for(n),
            resident_id=resident_id(n),
            phone=f"139{n:08d}",
            employment_status=EmploymentStatus.EMPLOYED,
            meeting=meeting,
        ),
        channel="CONSOLE",
        consent_given=True,
        confirm_area_warning=True,
    )
    assert outcome.membership.meeting_id == meeting.pk
    return outcome.membership


@pytest.fixture
def lucheng(personas) -> BankBranch:
    # 潞城支行 serves 潞城镇 only: for a 云锐 (永顺镇) member the subtree rule would pick 通州支行.
    return branch("BOB-LC")


def test_it_routes_a_member_who_joined_at_a_meeting_to_the_meetings_card_branch(personas, lucheng):
    meeting = _meeting(personas, lucheng)
    application = apply(personas, _enrol_at(personas, meeting, 1))
    assert application.status == CardApplication.Status.ROUTED and application.branch == lucheng
    # The 潞城 operator sees the member in the queue.
    operator = actions.operator_branch(lucheng.operators.get().user)
    assert operator == lucheng


def test_it_uses_the_subtree_rule_for_a_meeting_without_a_card_branch_or_no_meeting(personas):
    meeting = _meeting(personas, None)
    at_meeting = apply(personas, _enrol_at(personas, meeting, 2))
    elsewhere = apply(personas, enrol(personas, 3))
    assert at_meeting.branch == branch("BOB-TZ") and elsewhere.branch == branch("BOB-TZ")


def test_it_falls_back_to_the_subtree_rule_when_the_meetings_branch_is_inactive(personas, lucheng):
    meeting = _meeting(personas, lucheng)
    membership = _enrol_at(personas, meeting, 4)
    # The bank closed the branch after the meeting (its side sets the flag; no console for it yet).
    BankBranch.objects.filter(pk=lucheng.pk).update(is_active=False)
    application = apply(personas, membership)
    assert application.status == CardApplication.Status.ROUTED and application.branch == branch("BOB-TZ")


def test_bulk_applications_route_each_member_by_their_own_meeting(personas, lucheng):
    meeting = _meeting(personas, lucheng)
    _enrol_at(personas, meeting, 5)
    enrol(personas, 6)
    outcome = actions.do_create_card_applications_for_union(
        acting_user=personas.chair, union=personas.unit("BJ-TZ-YS-YR")
    )
    by_meeting = {a.membership.meeting_id: a.branch for a in outcome.created}
    assert by_meeting == {meeting.pk: lucheng, None: branch("BOB-TZ")}
