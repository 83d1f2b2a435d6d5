"""One click from a meeting: what a worker meeting heard (the services ticked on its questionnaire, a
written answer, a follow-up) becomes a need that links back to it."""

import datetime

import pytest
from django.urls import reverse

from gonghui.meetings import actions as meeting_actions
from gonghui.meetings import queries as meeting_queries
from gonghui.meetings.actions import FollowUpData, MeetingData, MeetingOutcome
from gonghui.meetings.catalogue import TEMPLATES
from gonghui.meetings.models import Meeting, MeetingKind, PlaceKind, ResponseChannel
from gonghui.needs import actions
from gonghui.needs.actions import NeedData
from gonghui.needs.models import Need, NeedSource

START = datetime.datetime(2026, 6, 20, 12, 0, tzinfo=datetime.UTC)
HAIRCUTS = "免费理发等便民服务"


def _site_meeting(circle) -> Meeting:  # type: ignore[no-untyped-def]
    personas = circle.personas
    title, description, _kind, specs = TEMPLATES["worker_needs"]
    survey = meeting_actions.do_create_questionnaire(
        acting_user=personas.luyuan_officer,
        owner=personas.unit("BJ-TZ-LY"),
        title=title,
        description=description,
        questions=list(specs),
        template_key="worker_needs",
    )
    meeting = meeting_actions.do_plan_meeting(
        acting_user=personas.luyuan_officer,
        data=MeetingData(
            kind=MeetingKind.WORKER,
            title="潞源街道职工沟通会",
            organiser=personas.unit("BJ-TZ-LY"),
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=2),
            place_kind=PlaceKind.WORKSITE,
            worksite=circle.worksite,
            questionnaire=survey,
        ),
    )
    version = meeting_queries.current_version(survey)
    questions = meeting_queries.version_questions(version)
    rows = [
        (
            "否",
            "愿意，今天就办理",
            [HAIRCUTS, "技能培训"],
            "其他",
            "是",
            "5",
            "工地上有人被骗过，想听听防诈骗",
        ),
        ("否", "愿意，今天就办理", [HAIRCUTS], "其他", "是", "4", None),
        ("是", None, ["技能培训"], "劳动合同制", "是", "4", None),
    ]
    for row in rows:
        answers = {q.pk: value for q, value in zip(questions, row, strict=True) if value is not None}
        meeting_actions.do_submit_response(
            version=version, meeting=meeting, answers=answers, channel=ResponseChannel.SELF_SERVICE
        )
    meeting_actions.do_hold_meeting(acting_user=personas.luyuan_officer, meeting=meeting)
    meeting_actions.do_close_meeting(
        acting_user=personas.luyuan_officer,
        meeting=meeting,
        outcome=MeetingOutcome(
            attendance=90,
            follow_ups=[FollowUpData("宿舍送清凉：绿豆汤和藿香正气水", "张国宽", datetime.date(2026, 7, 1))],
        ),
    )
    return meeting


def test_it_lists_what_a_meeting_heard_with_counts_and_posts_a_choice_in_one_click(circle):
    meeting = _site_meeting(circle)
    client = circle.personas.client(circle.personas.luyuan_officer)
    page = client.get(reverse("needs:from_meeting", args=[meeting.pk])).content.decode()
    assert HAIRCUTS in page and "宿舍送清凉" in page and "防诈骗" in page
    # The link carries the meeting and the choice; the form comes filled in (place, work type, people).
    form = client.get(
        reverse("needs:create"), {"meeting": meeting.pk, "meeting_choice": HAIRCUTS, "people": 2}
    )
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["worksite"] == circle.worksite.pk and initial["work_type"] == circle.haircut.pk
    assert initial["people_count"] == 2
    response = client.post(
        reverse("needs:create"),
        {
            "committee": circle.committee.pk,
            "title": HAIRCUTS,
            "work_type": circle.haircut.pk,
            "worksite": circle.worksite.pk,
            "people_count": 2,
            "deadline_class": circle.general.pk,
            "meeting": meeting.pk,
            "meeting_choice": HAIRCUTS,
        },
    )
    assert response.status_code == 302
    need = Need.objects.get(meeting=meeting)
    assert need.source == NeedSource.MEETING_ANSWER and need.meeting_choice == HAIRCUTS
    # Posted once: the meeting's page now names it next to the choice.
    page = client.get(reverse("needs:from_meeting", args=[meeting.pk])).content.decode()
    assert f"#{need.pk}" in page


def test_it_links_a_follow_up_and_refuses_one_of_another_meeting(circle):
    meeting = _site_meeting(circle)
    follow_up = meeting.follow_ups.get()
    need = actions.do_post_need(
        acting_user=circle.personas.luyuan_officer,
        data=NeedData(
            committee=circle.committee,
            work_type=circle.haircut,
            deadline_class=circle.general,
            title=follow_up.text,
            worksite=circle.worksite,
            meeting=meeting,
            follow_up=follow_up,
        ),
    )
    assert need.source == NeedSource.MEETING_FOLLOW_UP and need.follow_up == follow_up
    other = _site_meeting(circle)
    with pytest.raises(actions.NotFromThisMeeting):
        actions.do_post_need(
            acting_user=circle.personas.luyuan_officer,
            data=NeedData(
                committee=circle.committee,
                work_type=circle.haircut,
                deadline_class=circle.general,
                title="x",
                worksite=circle.worksite,
                meeting=other,
                follow_up=follow_up,
            ),
        )


def test_it_does_not_open_another_districts_meeting(circle):
    meeting = _site_meeting(circle)
    client = circle.personas.client(circle.personas.ganjiakou_officer)
    assert client.get(reverse("needs:from_meeting", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("needs:create"), {"meeting": meeting.pk}).status_code == 404
