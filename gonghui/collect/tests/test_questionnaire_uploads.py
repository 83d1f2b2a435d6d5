"""A meeting's questionnaire filled in on the collector's phone: the device configuration carries the
current version's definition, the sealed record of kind "response" travels in the signed batch, and the
server stores it with meetings' rules (channel STAFF_MOBILE, idempotent on the record UUID)."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gonghui.accounts.actions import do_revoke_role
from gonghui.collect.models import DeviceUpload
from gonghui.collect.tests.phone import paired_phone, record_for, response_for
from gonghui.core.models import AuditEvent
from gonghui.meetings.actions import (
    MeetingData,
    MeetingOutcome,
    QuestionSpec,
    do_cancel_meeting,
    do_close_meeting,
    do_create_questionnaire,
    do_edit_questionnaire,
    do_hold_meeting,
    do_plan_meeting,
)
from gonghui.meetings.catalogue import TEMPLATES
from gonghui.meetings.models import Meeting, MeetingKind, PlaceKind, Questionnaire, Response, ResponseChannel
from gonghui.meetings.queries import current_version, meeting_funnel
from gonghui.orgs.models import RoleAssignment


def survey(p) -> Questionnaire:  # type: ignore[no-untyped-def]
    title, description, _kind, specs = TEMPLATES["worker_needs"]
    return do_create_questionnaire(
        acting_user=p.tongzhou_officer,
        owner=p.unit("BJ-TZ"),
        title=title,
        description=description,
        questions=list(specs),
        template_key="worker_needs",
    )


def plan(p, code: str, questionnaire: Questionnaire | None, *, officer=None) -> Meeting:  # type: ignore[no-untyped-def]
    starts_at = timezone.now().replace(second=0, microsecond=0)
    return do_plan_meeting(
        acting_user=officer or p.tongzhou_officer,
        data=MeetingData(
            kind=MeetingKind.WORKER,
            title="云锐大厅职工沟通会",
            organiser=p.unit(code),
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2),
            place_kind=PlaceKind.ADDRESS,
            address="一楼大厅",
            questionnaire=questionnaire,
        ),
    )


def answered(meeting: Meeting) -> int:
    return next(s.count for s in meeting_funnel(meeting).people if s.key == "answered")


def full_answers(questions: list[dict]) -> dict[int, object]:  # type: ignore[type-arg]
    """What the worker chose, by question position (1-based) of the worker needs survey."""
    by_position = {q["position"]: q["id"] for q in questions}
    return {
        by_position[1]: "否",
        by_position[2]: "愿意，今天就办理",
        by_position[3]: ["技能培训", "法律援助（欠薪、工伤等）"],
        by_position[6]: "5",
        by_position[7]: "希望多办几次理发日",
    }


def test_it_carries_the_questionnaire_in_the_device_configuration(personas):
    p = personas
    questionnaire = survey(p)
    meeting = plan(p, "BJ-TZ-YS", questionnaire)
    plan(p, "BJ-TZ-YS", None)
    phone, _ = paired_phone(p)
    listed = {m["id"]: m for m in phone.fetch_config().json()["meetings"]}
    definition = listed[meeting.pk]["questionnaire"]
    version = current_version(questionnaire)
    assert definition["version_id"] == version.pk
    assert definition["title"] == "职工需求调查"
    assert [q["kind"] for q in definition["questions"]] == [
        "SINGLE", "SINGLE", "MULTIPLE", "SINGLE", "SINGLE", "RATING", "TEXT"
    ]  # fmt: skip
    first, second = definition["questions"][:2]
    assert first["required"] is True and first["choices"] == ["是", "否", "不清楚"]
    assert second["show_if"] == {"question_id": first["id"], "choice": "否"}
    assert [m["questionnaire"] for m in listed.values() if m["id"] != meeting.pk] == [None]


def test_it_stores_a_response_once_and_counts_it_in_the_funnel(personas):
    p = personas
    meeting = plan(p, "BJ-TZ-YS", survey(p))
    phone, device = paired_phone(p)
    definition = next(m for m in phone.fetch_config().json()["meetings"] if m["id"] == meeting.pk)[
        "questionnaire"
    ]
    record = response_for(meeting.pk, definition["version_id"], full_answers(definition["questions"]))
    enrolment = record_for(p.unit("BJ-TZ-YS-YR").pk, meeting_id=meeting.pk)

    first = phone.send_batch([record, enrolment]).json()["results"]
    assert [r["status"] for r in first] == ["accepted", "accepted"]
    assert first[0]["code"] == "answered" and first[0]["membership_id"] is None
    assert first[0]["message"] == "已收到，答卷计入沟通会。"
    response = Response.objects.get(client_uuid=record["record_uuid"])
    assert first[0]["response_id"] == response.pk
    assert response.channel == ResponseChannel.STAFF_MOBILE
    assert response.collected_by == p.collector and response.meeting == meeting
    assert {a.question.position: (a.choices, a.text, a.number) for a in response.answers.all()} == {
        1: (["否"], "", None),
        2: (["愿意，今天就办理"], "", None),
        3: (["法律援助（欠薪、工伤等）", "技能培训"], "", None),  # in the question's order
        6: ([], "", 5),
        7: ([], "希望多办几次理发日", None),
    }

    # The answer was lost; the phone sends the same record again: stored once, same response.
    again = phone.send_batch([record]).json()["results"][0]
    assert (again["status"], again["code"], again["response_id"]) == ("accepted", "replayed", response.pk)
    assert Response.objects.filter(meeting=meeting).count() == 1
    assert answered(meeting) == 1
    # The same record twice in one batch (a phone re-queued it): stored once.
    twice = response_for(meeting.pk, definition["version_id"], full_answers(definition["questions"]))
    both = phone.send_batch([twice, twice]).json()["results"]
    assert [r["code"] for r in both] == ["answered", "replayed"]
    assert both[0]["response_id"] == both[1]["response_id"]
    assert answered(meeting) == 2
    # The meeting is closed before a third copy arrives: still the stored response, not a rejection.
    do_hold_meeting(acting_user=p.tongzhou_officer, meeting=meeting)
    do_close_meeting(acting_user=p.tongzhou_officer, meeting=meeting, outcome=MeetingOutcome(attendance=30))
    third = phone.send_batch([record]).json()["results"][0]
    assert (third["status"], third["code"], third["response_id"]) == ("accepted", "replayed", response.pk)
    log = DeviceUpload.objects.filter(device=device, client_uuid=record["record_uuid"]).order_by("pk")
    assert [(u.outcome, u.code) for u in log] == [("ACCEPTED", "answered")] + [("ACCEPTED", "replayed")] * 2
    assert (
        AuditEvent.objects.filter(event_type="questionnaire_answered", object_id=str(response.pk)).count()
        == 1
    )


def test_it_rejects_a_missing_required_answer_with_its_code(personas):
    p = personas
    questionnaire = survey(p)
    meeting = plan(p, "BJ-TZ-YS", questionnaire)
    phone, device = paired_phone(p)
    version = current_version(questionnaire)
    questions = {q.position: q.pk for q in version.questions.all()}
    # Question 2 is hidden (show-if 1 = 否 not met), so leaving it empty is fine; 6 (rating) is required.
    record = response_for(meeting.pk, version.pk, {questions[1]: "是", questions[3]: ["技能培训"]})
    result = phone.send_batch([record]).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "answer_required")
    assert result["message"] == "请回答此题。"
    bad_rating = response_for(
        meeting.pk, version.pk, {questions[1]: "是", questions[3]: ["技能培训"], questions[6]: "9"}
    )
    assert phone.send_batch([bad_rating]).json()["results"][0]["code"] == "answer_invalid"
    assert not Response.objects.exists()
    assert (
        DeviceUpload.objects.get(device=device, client_uuid=record["record_uuid"]).code == "answer_required"
    )


def test_it_rejects_a_foreign_cancelled_or_closed_meeting(personas):
    p = personas
    questionnaire = survey(p)
    sibling = plan(p, "BJ-TZ-LY", questionnaire)  # 潞源: another street, not this phone's area
    cancelled = plan(p, "BJ-TZ-YS", questionnaire)
    do_cancel_meeting(acting_user=p.tongzhou_officer, meeting=cancelled)
    closed = plan(p, "BJ-TZ-YS", questionnaire)
    do_hold_meeting(acting_user=p.tongzhou_officer, meeting=closed)
    do_close_meeting(acting_user=p.tongzhou_officer, meeting=closed, outcome=MeetingOutcome(attendance=30))
    version = current_version(questionnaire)
    questions = {q.position: q.pk for q in version.questions.all()}
    answers = {questions[1]: "是", questions[3]: ["技能培训"], questions[6]: "4"}
    phone, _ = paired_phone(p)
    late = (timezone.now() + datetime.timedelta(minutes=5)).isoformat()
    earlier = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    records = [
        response_for(sibling.pk, version.pk, answers),
        response_for(cancelled.pk, version.pk, answers),
        response_for(closed.pk, version.pk, answers, collected_at=late),
        response_for(closed.pk, version.pk, answers, collected_at=earlier),  # filled in while it was open
        response_for(10**12, version.pk, answers),
    ]
    results = phone.send_batch(records).json()["results"]
    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "response_meeting_not_allowed"),
        ("rejected", "response_meeting_not_allowed"),
        ("rejected", "response_meeting_not_allowed"),
        ("accepted", "answered"),
        ("rejected", "response_meeting_not_allowed"),
    ]
    assert "未保存" in results[0]["message"]
    assert list(Response.objects.values_list("meeting_id", flat=True)) == [closed.pk]


def test_it_keeps_an_answer_to_an_older_version_and_refuses_another_questionnaire(personas):
    p = personas
    questionnaire = survey(p)
    meeting = plan(p, "BJ-TZ-YS", questionnaire)
    phone, _ = paired_phone(p)
    old = current_version(questionnaire)
    old_questions = {q.position: q.pk for q in old.questions.all()}
    answers = {old_questions[1]: "是", old_questions[3]: ["技能培训"], old_questions[6]: "3"}
    first = response_for(meeting.pk, old.pk, answers)
    assert phone.send_batch([first]).json()["results"][0]["status"] == "accepted"
    # The officer edits the questionnaire after answers exist: a new version. A phone still offline
    # with the old definition sends its record later: it is stored against the version it answered.
    new = do_edit_questionnaire(
        acting_user=p.tongzhou_officer,
        questionnaire=questionnaire,
        questions=[QuestionSpec("RATING", "您对今天沟通会的满意程度", required=True)],
    )
    assert new.pk != old.pk
    late = response_for(meeting.pk, old.pk, answers)
    result = phone.send_batch([late]).json()["results"][0]
    assert (result["status"], result["code"]) == ("accepted", "answered")
    assert Response.objects.get(client_uuid=late["record_uuid"]).version == old

    # A version of a questionnaire the meeting does not use (or no version at all) is refused.
    other = do_create_questionnaire(
        acting_user=p.tongzhou_officer,
        owner=p.unit("BJ-TZ"),
        title="另一份问卷",
        questions=[QuestionSpec("TEXT", "意见")],
    )
    results = phone.send_batch(
        [
            response_for(meeting.pk, current_version(other).pk, {}),
            response_for(meeting.pk, 10**12, {}),
        ]
    ).json()["results"]
    assert [r["code"] for r in results] == ["response_wrong_questionnaire", "response_wrong_questionnaire"]
    assert results[0]["message"] == "该问卷不是本次沟通会使用的问卷。"


def test_it_rejects_malformed_response_records(personas):
    p = personas
    questionnaire = survey(p)
    meeting = plan(p, "BJ-TZ-YS", questionnaire)
    version = current_version(questionnaire)
    phone, _ = paired_phone(p)
    question = version.questions.get(position=7)
    records = [
        response_for(meeting.pk, version.pk, {question.pk: "有\x00空字符"}),
        response_for(meeting.pk, version.pk, {}, extra="field"),
        response_for(meeting.pk, version.pk, {"not-a-number": "x"}),
        response_for(meeting.pk, version.pk, {question.pk: {"nested": 1}}),
        response_for(0, version.pk, {}),
    ]
    results = phone.send_batch(records).json()["results"]
    assert [r["code"] for r in results] == [
        "nul_character", "record_invalid", "record_invalid", "record_invalid", "record_invalid"
    ]  # fmt: skip
    assert not Response.objects.exists()


def test_it_rejects_a_response_once_the_collector_lost_the_role(personas):
    p = personas
    questionnaire = survey(p)
    meeting = plan(p, "BJ-TZ-YS", questionnaire)
    version = current_version(questionnaire)
    questions = {q.position: q.pk for q in version.questions.all()}
    phone, _ = paired_phone(p)
    for assignment in RoleAssignment.objects.filter(user=p.collector, revoked_at__isnull=True):
        do_revoke_role(acting_user=p.tongzhou_officer, assignment=assignment)
    record = response_for(
        meeting.pk, version.pk, {questions[1]: "是", questions[3]: ["技能培训"], questions[6]: "4"}
    )
    result = phone.send_batch([record]).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "forbidden")
    assert not Response.objects.exists()


def test_it_stores_a_batch_of_responses_in_a_bounded_number_of_statements(personas):
    """Figures for docs/performance.md: statements for one signed batch of questionnaires. Each response is
    stored with meetings' own rules (a few statements each); the batch's lookups happen once."""
    p = personas
    questionnaire = survey(p)
    meeting = plan(p, "BJ-TZ-YS", questionnaire)
    version = current_version(questionnaire)
    questions = {q.position: q.pk for q in version.questions.all()}
    phone, _ = paired_phone(p)
    answers = {questions[1]: "是", questions[3]: ["技能培训"], questions[6]: "4", questions[7]: "好"}

    def statements(n: int) -> int:
        records = [response_for(meeting.pk, version.pk, answers) for _ in range(n)]
        with CaptureQueriesContext(connection) as queries:
            results = phone.send_batch(records).json()["results"]
        assert {r["code"] for r in results} == {"answered"}
        return len(queries)

    one, twenty = statements(1), statements(20)
    per_response = (twenty - one) / 19
    print(f"responses per batch: 1 -> {one} statements, 20 -> {twenty} ({per_response:.0f} per response)")
    assert per_response == int(per_response)  # a fixed cost per response, nothing growing with the batch
    assert answered(meeting) == 21
