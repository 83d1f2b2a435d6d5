"""Workers check in at a service event by its QR code (the meeting check-in flow), once per phone; the
served are then followed: attended a worker meeting → applied → member → card."""

import datetime

from django.urls import reverse
from django.utils import timezone

from gonghui.meetings import actions as meeting_actions
from gonghui.meetings.actions import MeetingData
from gonghui.meetings.models import CheckIn, MeetingKind, PlaceKind
from gonghui.members.actions import EnrolmentData, do_enrol_member
from gonghui.members.models import Channel
from gonghui.needs import actions, queries
from gonghui.needs.models import Need, Served

WORKERS = [("李春贵", "13911110005"), ("刘强", "13911110007"), ("王建国", "13911110099")]


def _event(circle):  # type: ignore[no-untyped-def]
    need = circle.post()
    actions.do_claim_need(acting_user=circle.barber, need=need, work_types=[circle.haircut])
    return actions.do_schedule_service(
        acting_user=circle.barber, need=need, starts_at=timezone.now(), place="工地"
    )


def test_it_takes_three_check_ins_on_the_workers_phones_once_each(client, circle):
    event = _event(circle)
    url = reverse("needs:served_check_in", args=[event.public_token])
    page = client.get(url)
    assert page.status_code == 200 and "理发" in page.content.decode()
    for name, phone in WORKERS:
        assert client.post(url, {"name": name, "phone": phone}).status_code == 200
    # The same phone again is the same person; a bad number is a message on the page.
    assert client.post(url, {"name": "李春贵", "phone": "139 1111 0005"}).status_code == 200
    bad = client.post(url, {"name": "张三", "phone": "12345"})
    assert bad.status_code == 400 and "手机" in bad.content.decode()
    assert Served.objects.filter(event=event, source="SELF").count() == 3
    need = Need.objects.get(pk=event.need_id)
    assert need.status == Need.Status.DELIVERED
    # The unit sees the count, never the numbers.
    qr = (
        circle.personas.client(circle.barber)
        .get(reverse("needs:unit_event_qr", args=[event.pk]))
        .content.decode()
    )
    assert "3" in qr and "13911110005" not in qr
    assert client.get(reverse("needs:served_check_in", args=["nope"])).status_code == 404


def test_it_follows_the_served_into_the_meeting_and_the_union(circle):
    event = _event(circle)
    for name, phone in WORKERS:
        actions.do_check_in_served(event=event, name=name, phone=phone)
    personas = circle.personas
    start = timezone.now() + datetime.timedelta(hours=3)
    meeting = meeting_actions.do_plan_meeting(
        acting_user=personas.luyuan_officer,
        data=MeetingData(
            kind=MeetingKind.WORKER,
            title="潞源街道职工沟通会",
            organiser=personas.unit("BJ-TZ-LY"),
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            place_kind=PlaceKind.WORKSITE,
            worksite=circle.worksite,
        ),
    )
    meeting_actions.do_check_in(
        meeting=meeting, source=CheckIn.Source.SELF, name="李春贵", phone="13911110005"
    )
    meeting_actions.do_check_in(meeting=meeting, source=CheckIn.Source.SELF, name="刘强", phone="13911110007")
    do_enrol_member(
        acting_user=personas.luyuan_officer,
        union=personas.unit("BJ-TZ-LY-SB3"),
        data=EnrolmentData(name="李春贵", resident_id="412721196103123712", phone="13911110005"),
        channel=Channel.CONSOLE,
        consent_given=True,
        confirm_area_warning=True,
    )
    stages = {
        s.key: s.count
        for s in queries.served_funnel(queries.service_events_in_scope(personas.luyuan_officer))
    }
    assert stages == {"served": 3, "attended": 2, "applied": 1, "member": 1, "card": 0}
