"""Applications reach a meeting's funnel through its join QR code, or by attribution afterwards."""

import pytest
from django.utils import timezone

from gonghui.core.errors import Forbidden
from gonghui.meetings import actions
from gonghui.meetings.tests.conftest import plan_worker_meeting
from gonghui.members import join
from gonghui.members.actions import EnrolmentData, do_enrol_member
from gonghui.members.models import Channel, Membership
from gonghui.members.tests.test_join_browser import PHONE, RID, latest_code


def test_an_application_through_the_meetings_join_link_is_attributed_to_it(
    personas, django_capture_on_commit_callbacks
):
    meeting = plan_worker_meeting(personas)
    link = join.do_create_join_link(
        acting_user=personas.chair, union=personas.unit("BJ-TZ-YS-YR"), meeting=meeting
    )
    asked_at = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # the SMS goes out after commit
        join.do_send_join_code(link=link, phone=PHONE)
    ticket = join.do_verify_join_code(link=link, phone=PHONE, code=latest_code(asked_at))
    outcome = join.submit_join_application(
        link=link,
        data=EnrolmentData(name="李春贵", resident_id=RID, phone=PHONE),
        consent_given=True,
        ticket=ticket,
    )
    assert outcome.membership.meeting == meeting and outcome.membership.channel == Channel.SELF_SERVICE


def test_officers_attribute_earlier_applications_only_under_the_organiser(personas):
    meeting = plan_worker_meeting(personas)
    union = personas.unit("BJ-TZ-YS-YR")
    mine = do_enrol_member(
        acting_user=personas.collector,
        union=union,
        data=EnrolmentData(name="赵敏", resident_id="110112199901012269"),
        channel=Channel.STAFF_MOBILE,
        consent_given=True,
    ).membership
    elsewhere = do_enrol_member(
        acting_user=personas.luyuan_officer,
        union=personas.unit("BJ-TZ-LY-SB3"),
        data=EnrolmentData(name="李春贵", resident_id="412721196103123712"),
        channel=Channel.CONSOLE,
        consent_given=True,
        confirm_area_warning=True,
    ).membership
    with pytest.raises(actions.MembershipNotUnderOrganiser):
        actions.do_attribute_memberships(
            acting_user=personas.tongzhou_officer, meeting=meeting, memberships=[mine, elsewhere]
        )
    assert not Membership.objects.filter(meeting=meeting).exists()
    with pytest.raises(Forbidden):
        actions.do_attribute_memberships(acting_user=personas.collector, meeting=meeting, memberships=[mine])
    assert (
        actions.do_attribute_memberships(
            acting_user=personas.tongzhou_officer, meeting=meeting, memberships=[mine]
        )
        == 1
    )
    # Already attributed: not taken again, nor moved to another meeting.
    other = plan_worker_meeting(personas, title="另一场")
    assert (
        actions.do_attribute_memberships(
            acting_user=personas.tongzhou_officer, meeting=other, memberships=[mine]
        )
        == 0
    )
    mine.refresh_from_db()
    assert mine.meeting == meeting


def test_the_meeting_page_offers_the_days_unattributed_applications(personas):
    import datetime

    meeting = plan_worker_meeting(personas)
    union = personas.unit("BJ-TZ-YS-YR")
    same_day = meeting.starts_at + datetime.timedelta(hours=1)
    taken = do_enrol_member(
        acting_user=personas.collector,
        union=union,
        data=EnrolmentData(name="赵敏", resident_id="110112199901012269"),
        channel=Channel.STAFF_MOBILE,
        consent_given=True,
        now=same_day,
    ).membership
    do_enrol_member(
        acting_user=personas.collector,
        union=union,
        data=EnrolmentData(name="孙浩", resident_id="11011219980303339X"),
        channel=Channel.STAFF_MOBILE,
        consent_given=True,
        now=same_day + datetime.timedelta(days=3),
    )
    client = personas.client(personas.tongzhou_officer)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "赵敏" in page and "孙浩" not in page
    # Another district's officer cannot attribute, and a forged id outside the list is ignored.
    assert (
        personas.client(personas.haidian_officer)
        .post(f"/meetings/{meeting.pk}/attribute/", {"membership": [taken.pk]})
        .status_code
        == 404
    )
    response = client.post(
        f"/meetings/{meeting.pk}/attribute/", {"membership": [str(taken.pk), "999999", "x"]}
    )
    assert response.status_code == 302
    taken.refresh_from_db()
    assert taken.meeting == meeting
    assert (
        "赵敏" not in client.get(f"/meetings/{meeting.pk}/").content.decode().split('id="attribute"')[-1][:10]
    )
