"""Every page that shows audit events renders every kind of actor an action can record (issue 12 point 1:
the member page was a 500 for every QR self-service applicant, whose event has no acting user).

Each actor kind is written through the real action that writes it: an officer at the console, the
worker's own phone (the QR join form's enrolment), a collector's phone, a partner bank's back office (a
refused partner request) and the system (loading the regions, as `manage.py load_regions` does)."""

import datetime

from django.urls import reverse

from gonghui.cards.actions import do_record_partner_refusal
from gonghui.cards.tests.helpers import resident_id
from gonghui.core.models import AuditEvent
from gonghui.members.actions import EnrolmentData, do_enrol_member
from gonghui.members.models import Channel, EmploymentStatus, Membership


def _enrol(personas, n: int, *, acting_user, channel: str) -> Membership:  # type: ignore[no-untyped-def]
    outcome = do_enrol_member(
        acting_user=acting_user,
        union=personas.unit("BJ-TZ-YS-YR"),
        data=EnrolmentData(
            name=f"郑{'一二三'[n]}洁",
            resident_id=resident_id(500 + n),
            phone=f"1391234560{n}",
            employment_status=EmploymentStatus.EMPLOYED,
        ),
        channel=channel,
        consent_given=True,
        confirm_area_warning=True,
    )
    return outcome.membership


def test_it_renders_the_member_page_for_a_qr_self_service_applicant_and_lets_the_officer_reject(personas):
    applicant = _enrol(personas, 0, acting_user=None, channel=Channel.SELF_SERVICE)
    chair = personas.client(personas.chair)

    page = chair.get(reverse("members:detail", args=[applicant.pk]))

    assert page.status_code == 200
    assert "职工本人（手机）" in page.content.decode()
    rejected = chair.post(
        reverse("members:reject", args=[applicant.pk]),
        {"reason": "身份证号与本人不符", "next": reverse("members:detail", args=[applicant.pk])},
    )
    assert rejected.status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.REJECTED
    after = chair.get(reverse("members:detail", args=[applicant.pk])).content.decode()
    # Both the worker's application and the chair's decision are in the history, each with its actor.
    assert "职工本人（手机）" in after
    assert personas.chair.display_name in after


def test_it_names_a_collector_phone_enrolment_on_the_member_page(personas):
    enrolled = _enrol(personas, 1, acting_user=personas.collector, channel=Channel.STAFF_MOBILE)

    page = personas.client(personas.city_admin).get(reverse("members:detail", args=[enrolled.pk]))

    assert page.status_code == 200
    name = personas.collector.display_name or personas.collector.username
    assert f"{name}（采集手机）" in page.content.decode()


def test_it_shows_every_actor_kind_in_the_audit_log_in_chinese(personas):
    _enrol(personas, 0, acting_user=None, channel=Channel.SELF_SERVICE)
    _enrol(personas, 1, acting_user=personas.collector, channel=Channel.STAFF_MOBILE)
    do_record_partner_refusal(
        key_id="unknown-key",
        code="partner_key_unknown",
        method="GET",
        path="/api/v1/partner/x",
        remote_addr="1",
    )
    # Loading the regions (make_personas did it, with no acting user) is the system's event.
    assert AuditEvent.objects.filter(event_type="regions_loaded", actor=None).exists()
    client = personas.client(personas.city_admin)

    expected = {
        "member_enrolled": ["职工本人（手机）", "（采集手机）"],
        "partner_request_refused": ["银行后台（合作方接口）"],
        "regions_loaded": ["系统"],
    }
    for event_type, actors in expected.items():
        page = client.get(reverse("accounts:audit_log"), {"event_type": event_type})
        assert page.status_code == 200
        text = page.content.decode()
        for actor in actors:
            assert actor in text, (event_type, actor)
        # Objects are named in Chinese, never by their English support label.
        assert " of meeting " not in text and "members.membership" not in text


def test_it_names_changed_fields_and_objects_in_chinese_in_the_audit_log(personas):
    applicant = _enrol(personas, 0, acting_user=None, channel=Channel.SELF_SERVICE)
    chair = personas.client(personas.chair)
    chair.post(reverse("members:reject", args=[applicant.pk]), {"reason": "重复申请"})

    text = chair.get(reverse("accounts:audit_log"), {"event_type": "membership_rejected"}).content.decode()

    assert "状态" in text and "退回原因" in text
    assert "rejection_reason" not in text
    assert f"会员关系：{applicant.person.name}" in text


def test_it_answers_the_history_api_for_an_event_without_an_acting_user(personas):
    applicant = _enrol(personas, 2, acting_user=None, channel=Channel.SELF_SERVICE)

    answer = personas.client(personas.chair).get(f"/api/v1/members/{applicant.pk}/history")

    assert answer.status_code == 200
    [event] = answer.json()
    assert event["actor"] is None
    assert event["actor_label"] == "职工本人（手机）"
    assert datetime.datetime.fromisoformat(event["created_at"])
