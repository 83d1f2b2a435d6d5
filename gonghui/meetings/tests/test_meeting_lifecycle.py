import datetime

import pytest
from django.db import IntegrityError, transaction

from gonghui.core.errors import Forbidden, InvalidInput
from gonghui.core.models import AuditEvent
from gonghui.meetings import actions, queries
from gonghui.meetings.actions import FollowUpData, MeetingData, MeetingOutcome
from gonghui.meetings.models import CheckIn, FollowUp, Meeting, MeetingKind, PlaceKind
from gonghui.meetings.tests.conftest import START, plan_worker_meeting


def test_it_plans_a_worker_meeting_with_the_enterprise_among_its_targets(personas):
    meeting = plan_worker_meeting(personas)
    assert meeting.status == Meeting.Status.PLANNED
    assert list(meeting.target_enterprises.all()) == [personas.enterprise("yunrui")]
    assert meeting.partner_unit_list == ["北京银行通州支行"]
    assert meeting.place_name == "北京云锐国际文化传媒有限公司 一楼大厅"
    assert len(meeting.public_token) >= 16 and meeting.host_token_digest is None
    assert AuditEvent.objects.filter(event_type="meeting_planned", object_id=str(meeting.pk)).count() == 1


def test_it_refuses_a_meeting_that_ends_before_it_starts(personas):
    with pytest.raises(actions.MeetingTimes):
        plan_worker_meeting(personas, ends_at=START - datetime.timedelta(minutes=1))


def test_it_refuses_an_address_meeting_without_an_address(personas):
    with pytest.raises(actions.MeetingPlaceRequired):
        plan_worker_meeting(personas, place_kind=PlaceKind.ADDRESS, enterprise=None, address=" ")


def test_it_refuses_an_enterprise_meeting_without_an_enterprise(personas):
    with pytest.raises(actions.EnterpriseMeetingNeedsEnterprise):
        plan_worker_meeting(
            personas,
            kind=MeetingKind.ENTERPRISE,
            place_kind=PlaceKind.ADDRESS,
            enterprise=None,
            address="会议室",
        )


def test_it_refuses_an_organiser_outside_the_users_area(personas):
    with pytest.raises(Forbidden):
        actions.do_plan_meeting(
            acting_user=personas.haidian_officer,
            data=MeetingData(
                kind=MeetingKind.WORKER,
                title="越界",
                organiser=personas.unit("BJ-TZ-YS"),
                starts_at=START,
                ends_at=START + datetime.timedelta(hours=1),
                place_kind=PlaceKind.ADDRESS,
                address="某处",
            ),
        )


def test_it_refuses_a_target_enterprise_from_another_district(personas):
    with pytest.raises(InvalidInput) as caught:
        plan_worker_meeting(personas, target_enterprises=[personas.enterprise("xinyi")])
    assert caught.value.field == "target_enterprises"


def test_the_database_refuses_a_closed_meeting_without_outcomes(personas):
    meeting = plan_worker_meeting(personas)
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CLOSED)


def test_it_holds_then_closes_with_outcomes_and_follow_ups(personas):
    meeting = plan_worker_meeting(personas)
    with pytest.raises(actions.MeetingNotHeld):
        actions.do_close_meeting(
            acting_user=personas.tongzhou_officer, meeting=meeting, outcome=MeetingOutcome()
        )
    actions.do_hold_meeting(acting_user=personas.tongzhou_officer, meeting=meeting)
    actions.do_check_in(meeting=meeting, source=CheckIn.Source.HOST, head_count=12)
    actions.do_issue_host_link(acting_user=personas.tongzhou_officer, meeting=meeting)
    closed = actions.do_close_meeting(
        acting_user=personas.tongzhou_officer,
        meeting=meeting,
        outcome=MeetingOutcome(
            consultations=20,
            materials_handed_out=120,
            notes="宣传材料不够发",
            follow_ups=[FollowUpData("为未带身份证的职工补办入会", "张国宽", datetime.date(2026, 6, 5))],
        ),
    )
    # Attendance left out: the checked-in head count.
    assert closed.attendance == 12 and closed.status == Meeting.Status.CLOSED
    assert closed.host_token_digest is None
    follow_up = FollowUp.objects.get(meeting=meeting)
    assert follow_up.owner_name == "张国宽" and follow_up.done_at is None
    actions.do_complete_follow_up(acting_user=personas.tongzhou_officer, follow_up=follow_up)
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None
    with pytest.raises(actions.MeetingNotOpen):
        actions.do_check_in(meeting=meeting, source=CheckIn.Source.HOST, head_count=1)
    with pytest.raises(actions.MeetingNotEditable):
        actions.do_update_meeting(
            acting_user=personas.tongzhou_officer,
            meeting=meeting,
            data=MeetingData(
                kind=MeetingKind.WORKER,
                title="改",
                organiser=meeting.organiser,
                starts_at=START,
                ends_at=START + datetime.timedelta(hours=1),
                place_kind=PlaceKind.ADDRESS,
                address="某处",
            ),
        )


def test_it_refuses_a_follow_up_without_owner(personas):
    meeting = plan_worker_meeting(personas)
    actions.do_hold_meeting(acting_user=personas.tongzhou_officer, meeting=meeting)
    with pytest.raises(actions.FollowUpInvalid):
        actions.do_close_meeting(
            acting_user=personas.tongzhou_officer,
            meeting=meeting,
            outcome=MeetingOutcome(
                attendance=3, follow_ups=[FollowUpData("回访", " ", datetime.date(2026, 6, 1))]
            ),
        )
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD and not FollowUp.objects.exists()


def _series_data(personas):
    return MeetingData(
        kind=MeetingKind.WORKER,
        title="潞源街道每周职工沟通会",
        organiser=personas.unit("BJ-TZ-LY"),
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=2),
        place_kind=PlaceKind.ADDRESS,
        address="潞源街道职工服务站",
    )


def test_it_plans_a_weekly_series_and_edits_one_or_the_rest(personas):
    series = actions.do_plan_meeting_series(
        acting_user=personas.luyuan_officer, data=_series_data(personas), count=4
    )
    meetings = list(series.meetings.order_by("starts_at"))
    assert [m.starts_at for m in meetings] == [START + datetime.timedelta(weeks=w) for w in range(4)]
    assert len({m.public_token for m in meetings}) == 4
    first, second, third, fourth = meetings
    actions.do_hold_meeting(acting_user=personas.luyuan_officer, meeting=third)

    # One meeting only: the others keep their title.
    data = _series_data(personas)
    data.title, data.starts_at, data.ends_at = "只改第一次", first.starts_at, first.ends_at
    actions.do_update_meeting(acting_user=personas.luyuan_officer, meeting=first, data=data)
    assert Meeting.objects.get(pk=second.pk).title == "潞源街道每周职工沟通会"

    # This and the rest: the later *planned* ones take the new title and time of day, keep their dates;
    # the held one is history and stays.
    data = _series_data(personas)
    data.title = "潞源街道职工沟通会（新地点）"
    data.address = "周转房项目三标段工地"
    data.starts_at = second.starts_at + datetime.timedelta(hours=1)
    data.ends_at = data.starts_at + datetime.timedelta(hours=2)
    actions.do_update_meeting(
        acting_user=personas.luyuan_officer, meeting=second, data=data, rest_of_series=True
    )
    second, third, fourth = (Meeting.objects.get(pk=m.pk) for m in (second, third, fourth))
    assert second.title == fourth.title == "潞源街道职工沟通会（新地点）"
    assert fourth.address == "周转房项目三标段工地"
    assert fourth.starts_at == START + datetime.timedelta(weeks=3, hours=1)
    assert third.title == "潞源街道每周职工沟通会" and third.starts_at == START + datetime.timedelta(weeks=2)
    assert Meeting.objects.get(pk=first.pk).title == "只改第一次"


def test_it_refuses_a_series_of_one(personas):
    with pytest.raises(actions.SeriesLength):
        actions.do_plan_meeting_series(
            acting_user=personas.luyuan_officer, data=_series_data(personas), count=1
        )


def test_it_lists_overdue_meetings_held_but_not_closed(personas):
    meeting = plan_worker_meeting(personas)
    later = START + datetime.timedelta(days=3)
    assert list(queries.list_overdue_meetings(acting_user=personas.tongzhou_officer, now=later)) == [meeting]
    actions.do_hold_meeting(acting_user=personas.tongzhou_officer, meeting=meeting)
    assert list(queries.list_overdue_meetings(acting_user=personas.tongzhou_officer, now=later)) == [meeting]
    assert list(queries.list_overdue_meetings(acting_user=personas.haidian_officer, now=later)) == []
    actions.do_close_meeting(
        acting_user=personas.tongzhou_officer, meeting=meeting, outcome=MeetingOutcome(attendance=40)
    )
    assert list(queries.list_overdue_meetings(acting_user=personas.tongzhou_officer, now=later)) == []


def test_the_calendar_puts_meetings_on_their_local_day(personas):
    meeting = plan_worker_meeting(personas)
    weeks = queries.month_calendar(acting_user=personas.tongzhou_officer, year=2026, month=5)
    days = {d.date: d.meetings for week in weeks for d in week}
    assert days[datetime.date(2026, 5, 29)] == [meeting]
    assert weeks[0][0].date.weekday() == 0
    assert (
        queries.month_calendar(acting_user=personas.haidian_officer, year=2026, month=5)[4][4].meetings == []
    )
