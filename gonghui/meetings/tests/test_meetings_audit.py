"""Every meetings action (and the letter of intent) writes exactly one audit event, with no personal data."""

import datetime
import inspect

import pytest

from gonghui.core.models import AuditEvent
from gonghui.enterprises.actions import do_record_intent_letter
from gonghui.meetings import actions, queries
from gonghui.meetings.actions import MeetingData, MeetingOutcome, QuestionSpec
from gonghui.meetings.models import CheckIn, FollowUp, MeetingKind, PlaceKind, QuestionKind
from gonghui.meetings.tests.conftest import START, plan_enterprise_meeting, plan_worker_meeting, worker_survey


def _calls(personas):  # type: ignore[no-untyped-def]
    """name -> (setup, call): setup returns what the call needs, so only the call is counted."""
    officer = personas.tongzhou_officer

    def held():  # type: ignore[no-untyped-def]
        return actions.do_hold_meeting(acting_user=officer, meeting=plan_worker_meeting(personas))

    def closed_with_follow_up():  # type: ignore[no-untyped-def]
        meeting = held()
        actions.do_close_meeting(
            acting_user=officer,
            meeting=meeting,
            outcome=MeetingOutcome(
                attendance=1, follow_ups=[actions.FollowUpData("回访", "张国宽", datetime.date(2026, 6, 1))]
            ),
        )
        return FollowUp.objects.get(meeting=meeting)

    series_data = MeetingData(
        kind=MeetingKind.WORKER,
        title="每周",
        organiser=personas.unit("BJ-TZ-LY"),
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=1),
        place_kind=PlaceKind.ADDRESS,
        address="服务站",
    )
    return {
        "do_plan_meeting": (lambda: None, lambda _: plan_worker_meeting(personas)),
        "do_plan_meeting_series": (
            lambda: None,
            lambda _: actions.do_plan_meeting_series(
                acting_user=personas.luyuan_officer, data=series_data, count=3
            ),
        ),
        "do_update_meeting": (
            lambda: plan_worker_meeting(personas),
            lambda m: actions.do_update_meeting(
                acting_user=officer,
                meeting=m,
                data=MeetingData(
                    kind=MeetingKind.WORKER,
                    title="改名",
                    organiser=m.organiser,
                    starts_at=m.starts_at,
                    ends_at=m.ends_at,
                    place_kind=PlaceKind.ADDRESS,
                    address="大厅",
                ),
            ),
        ),
        "do_hold_meeting": (
            lambda: plan_worker_meeting(personas),
            lambda m: actions.do_hold_meeting(acting_user=officer, meeting=m),
        ),
        "do_cancel_meeting": (
            lambda: plan_worker_meeting(personas),
            lambda m: actions.do_cancel_meeting(acting_user=officer, meeting=m),
        ),
        "do_close_meeting": (
            held,
            lambda m: actions.do_close_meeting(acting_user=officer, meeting=m, outcome=MeetingOutcome()),
        ),
        "do_complete_follow_up": (
            closed_with_follow_up,
            lambda f: actions.do_complete_follow_up(acting_user=officer, follow_up=f),
        ),
        "do_issue_host_link": (
            lambda: plan_worker_meeting(personas),
            lambda m: actions.do_issue_host_link(acting_user=officer, meeting=m),
        ),
        "do_regenerate_meeting_codes": (
            lambda: plan_worker_meeting(personas),
            lambda m: actions.do_regenerate_meeting_codes(acting_user=officer, meeting=m),
        ),
        "do_check_in": (
            lambda: plan_worker_meeting(personas),
            lambda m: actions.do_check_in(
                meeting=m, source=CheckIn.Source.SELF, name="李春贵", phone="13911110005"
            ),
        ),
        "do_create_questionnaire": (lambda: None, lambda _: worker_survey(personas)),
        "do_edit_questionnaire": (
            lambda: worker_survey(personas),
            lambda q: actions.do_edit_questionnaire(
                acting_user=officer, questionnaire=q, questions=[QuestionSpec(QuestionKind.RATING, "满意度")]
            ),
        ),
        "do_submit_response": (
            lambda: plan_worker_meeting(personas, questionnaire=worker_survey(personas)),
            lambda m: actions.do_submit_response(
                version=queries.current_version(m.questionnaire),
                meeting=m,
                channel="SELF_SERVICE",
                answers={
                    q.pk: v
                    for q, v in zip(
                        queries.version_questions(queries.current_version(m.questionnaire)),
                        ["是", None, ["技能培训"], None, None, "5", None],
                        strict=True,
                    )
                    if v is not None
                },
            ),
        ),
        "do_attribute_memberships": (
            lambda: plan_worker_meeting(personas),
            lambda m: actions.do_attribute_memberships(acting_user=officer, meeting=m, memberships=[]),
        ),
        "do_record_intent_letter": (
            lambda: actions.do_hold_meeting(
                acting_user=personas.ganjiakou_officer, meeting=plan_enterprise_meeting(personas)
            ),
            lambda m: do_record_intent_letter(
                acting_user=personas.ganjiakou_officer,
                enterprise=personas.enterprise("xinyi"),
                meeting=m,
                signatory_name="申健",
                signed_date=datetime.date(2026, 5, 29),
            ),
        ),
    }


def test_every_meetings_action_is_covered_here():
    found = {name for name, _ in inspect.getmembers(actions, inspect.isfunction) if name.startswith("do_")}
    assert found | {"do_record_intent_letter"} == set(NAMES)


NAMES = [
    "do_plan_meeting",
    "do_plan_meeting_series",
    "do_update_meeting",
    "do_hold_meeting",
    "do_cancel_meeting",
    "do_close_meeting",
    "do_complete_follow_up",
    "do_issue_host_link",
    "do_regenerate_meeting_codes",
    "do_check_in",
    "do_create_questionnaire",
    "do_edit_questionnaire",
    "do_submit_response",
    "do_attribute_memberships",
    "do_record_intent_letter",
]


@pytest.mark.parametrize("name", NAMES)
def test_it_writes_exactly_one_audit_event(personas, name):
    setup, call = _calls(personas)[name]
    arg = setup()
    before = AuditEvent.objects.count()
    call(arg)
    events = list(AuditEvent.objects.order_by("-pk")[: AuditEvent.objects.count() - before])
    assert len(events) == 1, [e.event_type for e in events]
    text = f"{events[0].object_label} {events[0].details}"
    assert "13911110005" not in text and "李春贵" not in text
