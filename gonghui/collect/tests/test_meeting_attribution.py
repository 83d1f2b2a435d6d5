"""A record taken at a 沟通会 on the collector's phone counts for the meeting: the device configuration
lists the meetings nearby in time and area, the record carries `meeting_id`, the server checks it."""

import datetime
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gonghui.collect.models import DeviceUpload
from gonghui.collect.tests.phone import paired_phone, record_for
from gonghui.core.models import AuditEvent
from gonghui.meetings.actions import (
    MeetingData,
    MeetingOutcome,
    do_cancel_meeting,
    do_close_meeting,
    do_hold_meeting,
    do_plan_meeting,
)
from gonghui.meetings.models import Meeting, MeetingKind, PlaceKind
from gonghui.meetings.queries import meeting_funnel
from gonghui.members.models import Membership
from gonghui.orgs.actions import do_create_org_unit


def plan(p, code: str, title: str, *, days: float = 0, officer=None) -> Meeting:  # type: ignore[no-untyped-def]
    starts_at = (timezone.now() + datetime.timedelta(days=days)).replace(second=0, microsecond=0)
    return do_plan_meeting(
        acting_user=officer or p.tongzhou_officer,
        data=MeetingData(
            kind=MeetingKind.WORKER,
            title=title,
            organiser=p.unit(code),
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2),
            place_kind=PlaceKind.ADDRESS,
            address="一楼大厅",
        ),
    )


def stage(meeting: Meeting, key: str) -> int:
    return next(s.count for s in meeting_funnel(meeting).people if s.key == key)


def test_it_lists_the_meetings_of_the_phones_area_from_yesterday_to_next_week(personas):
    p = personas
    street = plan(p, "BJ-TZ-YS", "永顺镇职工沟通会")
    union_own = plan(p, "BJ-TZ-YS-YR", "云锐工会会员大会", days=6)
    district = plan(p, "BJ-TZ", "通州区沟通日", days=-0.5)
    plan(p, "BJ-TZ-LY", "潞源街道职工沟通会")  # a sibling street: not this phone's area
    plan(p, "BJ-HD-GJK", "甘家口职工沟通会", officer=p.haidian_officer)  # another district
    plan(p, "BJ-TZ-YS", "下月的沟通会", days=10)  # too far ahead
    plan(p, "BJ-TZ-YS", "上周的沟通会", days=-3)  # over
    do_cancel_meeting(acting_user=p.tongzhou_officer, meeting=plan(p, "BJ-TZ-YS", "取消的沟通会", days=1))

    street_phone, _ = paired_phone(p)
    listed = street_phone.fetch_config().json()["meetings"]
    assert [m["title"] for m in listed] == [district.title, street.title, union_own.title]
    assert listed[1] == {
        "id": street.pk,
        "title": "永顺镇职工沟通会",
        "starts_at": listed[1]["starts_at"],
        "place": "一楼大厅",
        "union_ids": None,  # organised by the phone's own unit: any of its unions
        "questionnaire": None,
    }
    # Organised by a union under the phone's street: only for records joining that union.
    assert listed[2]["union_ids"] == [p.unit("BJ-TZ-YS-YR").pk]
    assert datetime.datetime.fromisoformat(listed[1]["starts_at"]) == street.starts_at

    # A union's phone sees its own meetings and those its street and district organise, not its siblings'.
    union_phone, _ = paired_phone(p, unit_code="BJ-TZ-YS-YR")
    titles = {m["title"] for m in union_phone.fetch_config().json()["meetings"]}
    assert titles == {district.title, street.title, union_own.title}


def test_it_attributes_a_record_taken_at_a_meeting(personas):
    p = personas
    meeting = plan(p, "BJ-TZ-YS", "云锐大厅职工沟通会")
    phone, device = paired_phone(p)
    union = p.unit("BJ-TZ-YS-YR")
    at_meeting, elsewhere = record_for(union.pk, n=1, meeting_id=meeting.pk), record_for(union.pk, n=2)

    results = phone.send_batch([at_meeting, elsewhere]).json()["results"]

    assert [(r["status"], r["code"], r["warnings"]) for r in results] == [("accepted", "created", [])] * 2
    assert Membership.objects.get(client_uuid=at_meeting["record_uuid"]).meeting == meeting
    assert Membership.objects.get(client_uuid=elsewhere["record_uuid"]).meeting is None
    assert stage(meeting, "applied") == 1
    # The officer sees on the phone's page which upload counted for which meeting.
    device_page = p.client(p.tongzhou_officer).get(f"/collect/devices/{device.pk}/").content.decode()
    assert device_page.count("云锐大厅职工沟通会") == 1


def test_it_enrols_but_does_not_attribute_to_a_meeting_the_phone_may_not_use(personas):
    p = personas
    foreign = plan(p, "BJ-HD-GJK", "甘家口职工沟通会", officer=p.haidian_officer)
    cancelled = plan(p, "BJ-TZ-YS", "取消的沟通会")
    do_cancel_meeting(acting_user=p.tongzhou_officer, meeting=cancelled)
    phone, _ = paired_phone(p)
    union = p.unit("BJ-TZ-YS-YR")
    records = [
        record_for(union.pk, n=1, meeting_id=foreign.pk),
        record_for(union.pk, n=2, meeting_id=cancelled.pk),
        record_for(union.pk, n=3, meeting_id=2**40),
    ]
    before = AuditEvent.objects.count()

    results = phone.send_batch(records).json()["results"]

    assert [(r["status"], r["code"], r["warnings"]) for r in results] == [
        ("accepted", "created", ["meeting_not_allowed"])
    ] * 3
    assert "未计入所选沟通会" in results[0]["message"]
    assert Membership.objects.filter(meeting__isnull=False).count() == 0
    assert stage(foreign, "applied") == 0
    logged = DeviceUpload.objects.get(client_uuid=uuid.UUID(records[0]["record_uuid"]))
    assert logged.outcome == "ACCEPTED" and logged.code == "created" and "未计入所选沟通会" in logged.message
    batch_event = AuditEvent.objects.filter(pk__gt=before).get(event_type="collect_uploads_stored")
    assert batch_event.details == {"accepted": 3, "rejected": [], "meeting_not_allowed": 3}


def test_it_attributes_only_to_a_meeting_whose_organiser_the_union_is_under(personas):
    p = personas
    yunrui_meeting = plan(p, "BJ-TZ-YS-YR", "云锐工会会员大会")
    joint = do_create_org_unit(
        acting_user=p.tongzhou_officer,
        parent=p.unit("BJ-TZ-YS"),
        code="YS-J",
        name="永顺镇商务园联合工会",
        kind="JOINT",
    )
    phone, _ = paired_phone(p)  # the street's phone may use both unions and the union's meeting
    ours = record_for(p.unit("BJ-TZ-YS-YR").pk, n=1, meeting_id=yunrui_meeting.pk)
    theirs = record_for(joint.pk, n=2, meeting_id=yunrui_meeting.pk)
    results = phone.send_batch([ours, theirs]).json()["results"]
    assert [r["warnings"] for r in results] == [[], ["meeting_not_allowed"]]
    assert Membership.objects.get(client_uuid=ours["record_uuid"]).meeting == yunrui_meeting
    assert Membership.objects.get(client_uuid=theirs["record_uuid"]).meeting is None


def test_it_keeps_a_late_record_for_a_meeting_closed_after_it_was_taken(personas):
    p = personas
    meeting = plan(p, "BJ-TZ-YS", "云锐大厅职工沟通会", days=-0.1)
    do_hold_meeting(acting_user=p.tongzhou_officer, meeting=meeting)
    taken = timezone.now()
    do_close_meeting(acting_user=p.tongzhou_officer, meeting=meeting, outcome=MeetingOutcome(attendance=40))
    phone, _ = paired_phone(p)
    union = p.unit("BJ-TZ-YS-YR")
    before_close = record_for(union.pk, n=1, meeting_id=meeting.pk, collected_at=taken.isoformat())
    after_close = record_for(
        union.pk,
        n=2,
        meeting_id=meeting.pk,
        collected_at=(timezone.now() + datetime.timedelta(minutes=1)).isoformat(),
    )
    results = phone.send_batch([before_close, after_close]).json()["results"]
    assert [r["warnings"] for r in results] == [[], ["meeting_not_allowed"]]
    assert stage(meeting, "applied") == 1


def test_it_refuses_a_malformed_meeting_id_like_any_malformed_record(personas):
    phone, _ = paired_phone(personas)
    union = personas.unit("BJ-TZ-YS-YR")
    results = phone.send_batch(
        [record_for(union.pk, meeting_id=0), record_for(union.pk, n=2, meeting_id="x")]
    )
    assert [r["code"] for r in results.json()["results"]] == ["record_invalid"] * 2


def test_it_looks_the_meetings_up_once_per_batch(personas):
    p = personas
    meetings = [plan(p, "BJ-TZ-YS", "永顺镇职工沟通会"), plan(p, "BJ-TZ-YS-YR", "云锐工会会员大会")]
    phone, _ = paired_phone(p)
    union = p.unit("BJ-TZ-YS-YR")

    def statements(records: list[dict[str, object]]) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert phone.send_batch(records).status_code == 200
        return len(queries)

    plain = statements([record_for(union.pk, n=n) for n in range(20)])
    at_meetings = statements(
        [record_for(union.pk, n=n, meeting_id=meetings[n % 2].pk) for n in range(20, 40)]
    )
    assert at_meetings == plain + 1
    assert stage(meetings[0], "applied") == 10 and stage(meetings[1], "applied") == 10
