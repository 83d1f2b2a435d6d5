"""The enterprise meeting and the signed letter of intent move a case by themselves: the case listens to
their rows being saved and runs its own action once their transaction has committed (apps.py)."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from gonghui.core.models import AuditEvent
from gonghui.enterprises.actions import do_record_intent_letter
from gonghui.establishment import actions
from gonghui.establishment.models import Stage, StageRecord
from gonghui.meetings import actions as meeting_actions
from gonghui.meetings.actions import MeetingData
from gonghui.meetings.models import MeetingKind, PlaceKind

DAY = datetime.date(2026, 6, 1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_it_moves_the_case_when_the_meeting_is_held_and_the_letter_signed(
    personas, django_capture_on_commit_callbacks
):
    officer = personas.ganjiakou_officer
    xinyi = personas.enterprise("xinyi")
    case = actions.do_open_case(acting_user=officer, enterprise=xinyi, stage_date=DAY)
    meeting_day = DAY + datetime.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meeting_actions.do_plan_meeting(
            acting_user=officer,
            data=MeetingData(
                kind=MeetingKind.ENTERPRISE,
                title="新意互动企业沟通会",
                organiser=personas.unit("BJ-HD-GJK"),
                starts_at=_at(meeting_day, 14),
                ends_at=_at(meeting_day, 16),
                place_kind=PlaceKind.ENTERPRISE,
                enterprise=xinyi,
            ),
            now=_at(DAY, 9),
        )
    case.refresh_from_db()
    assert case.stage == Stage.IDENTIFIED  # planned is not held
    with django_capture_on_commit_callbacks(execute=True):
        meeting_actions.do_hold_meeting(acting_user=officer, meeting=meeting, now=_at(meeting_day, 14))
    case.refresh_from_db()
    assert case.stage == Stage.ENTERPRISE_MEETING and case.stage_date == meeting_day
    record = StageRecord.objects.get(case=case, stage=Stage.ENTERPRISE_MEETING)
    assert record.source == StageRecord.Source.MEETING and record.skipped_stages == [Stage.VISITED]
    assert record.skip_reason  # the record itself is the reason, said in words
    with django_capture_on_commit_callbacks(execute=True):
        do_record_intent_letter(
            acting_user=officer,
            enterprise=xinyi,
            meeting=meeting,
            signatory_name="申健",
            signed_date=meeting_day,
            scan=ContentFile(PDF, name="letter.pdf"),
        )
    case.refresh_from_db()
    assert case.stage == Stage.INTENT_SIGNED
    assert (
        AuditEvent.objects.filter(event_type="establishment_moved_by_records", object_id=str(case.pk)).count()
        == 2
    )
    # Saving the meeting again moves nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        meeting.save()
    assert StageRecord.objects.filter(case=case, source=StageRecord.Source.MEETING).count() == 1


def test_it_reads_records_made_before_the_case_was_opened(personas, django_capture_on_commit_callbacks):
    officer = personas.ganjiakou_officer
    xinyi = personas.enterprise("xinyi")
    with django_capture_on_commit_callbacks(execute=True):
        do_record_intent_letter(acting_user=officer, enterprise=xinyi, signatory_name="申健", signed_date=DAY)
    case = actions.do_open_case(
        acting_user=officer, enterprise=xinyi, stage_date=DAY - datetime.timedelta(days=5)
    )
    assert case.stage == Stage.INTENT_SIGNED and case.stage_date == DAY
