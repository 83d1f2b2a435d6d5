"""Another district's meetings, answers, funnel and letters are invisible: 404, as if not there."""

import datetime

import pytest

from gonghui.core.errors import Forbidden, NotFound
from gonghui.enterprises.actions import do_record_intent_letter
from gonghui.meetings import actions, queries
from gonghui.meetings.access import access_meeting, access_questionnaire
from gonghui.meetings.models import ResponseChannel
from gonghui.meetings.tests.conftest import plan_enterprise_meeting, plan_worker_meeting, worker_survey


@pytest.fixture
def tongzhou_meeting(personas):
    questionnaire = worker_survey(personas)
    meeting = plan_worker_meeting(personas, questionnaire=questionnaire)
    version = queries.current_version(questionnaire)
    q = {x.position: x for x in queries.version_questions(version)}
    actions.do_submit_response(
        version=version,
        meeting=meeting,
        channel=ResponseChannel.SELF_SERVICE,
        answers={q[1].pk: "是", q[3].pk: ["技能培训"], q[6].pk: "5", q[7].pk: "通州的意见"},
    )
    return meeting


def test_another_districts_officer_gets_404_everywhere(personas, tongzhou_meeting):
    meeting = tongzhou_meeting
    client = personas.client(personas.haidian_officer)
    for url in [
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/edit/",
        f"/meetings/{meeting.pk}/poster/",
        f"/meetings/{meeting.pk}/results/",
        f"/meetings/questionnaires/{meeting.questionnaire_id}/",
        f"/meetings/questionnaires/{meeting.questionnaire_id}/results/",
        f"/meetings/questionnaires/{meeting.questionnaire_id}/export.csv",
        f"/api/v1/meetings/{meeting.pk}",
        f"/api/v1/meetings/{meeting.pk}/funnel",
        f"/api/v1/meetings/{meeting.pk}/results",
        f"/api/v1/meetings/questionnaires/{meeting.questionnaire_id}",
        f"/api/v1/meetings/questionnaires/{meeting.questionnaire_id}/results",
        f"/api/v1/meetings/funnel?unit_id={meeting.organiser_id}",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        f"/meetings/{meeting.pk}/hold/",
        f"/meetings/{meeting.pk}/host-link/",
        f"/meetings/{meeting.pk}/check-in/",
    ]:
        assert client.post(url).status_code == 404, url
    assert client.post(f"/api/v1/meetings/{meeting.pk}/hold").status_code == 404
    page = client.get("/meetings/").content.decode()
    assert meeting.title not in page
    funnel = client.get("/api/v1/meetings/funnel").json()
    assert funnel["meetings"] == 0 and all(s["count"] == 0 for s in funnel["people"])


def test_answers_from_another_district_do_not_reach_a_shared_questionnaires_results(
    personas, tongzhou_meeting
):
    # The city's questionnaire, used in 通州: 海淀 sees the questionnaire but not 通州's answers.
    questionnaire = tongzhou_meeting.questionnaire
    assert (
        queries.results_for(
            queries.current_version(questionnaire), queries.responses_in_scope(personas.haidian_officer)
        ).responses
        == 0
    )
    assert (
        queries.results_for(
            queries.current_version(questionnaire), queries.responses_in_scope(personas.luyuan_officer)
        ).responses
        == 0
    )
    assert (
        queries.results_for(
            queries.current_version(questionnaire), queries.responses_in_scope(personas.tongzhou_officer)
        ).responses
        == 1
    )


def test_a_viewer_reads_but_cannot_write_and_a_collector_checks_in(personas, tongzhou_meeting):
    from gonghui.accounts.models import User

    leader = User.objects.get(username="leader")
    assert access_meeting(leader, tongzhou_meeting.pk) == tongzhou_meeting
    with pytest.raises(Forbidden):
        access_meeting(leader, tongzhou_meeting.pk, write=True)
    with pytest.raises(NotFound):
        access_meeting(personas.outsider, tongzhou_meeting.pk)
    with pytest.raises(NotFound):
        access_questionnaire(personas.haidian_officer, "1; drop table")
    outcome = actions.do_check_in(
        meeting=tongzhou_meeting, source="STAFF", acting_user=personas.collector, head_count=2
    )
    assert outcome.total == 2
    with pytest.raises(Forbidden):
        actions.do_check_in(meeting=tongzhou_meeting, source="STAFF", acting_user=leader, head_count=2)


def test_intent_letter_scans_are_served_only_in_scope(personas, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    from django.core.files.uploadedfile import SimpleUploadedFile

    meeting = plan_enterprise_meeting(personas)
    actions.do_hold_meeting(acting_user=personas.ganjiakou_officer, meeting=meeting)
    letter = do_record_intent_letter(
        acting_user=personas.ganjiakou_officer,
        enterprise=personas.enterprise("xinyi"),
        meeting=meeting,
        signatory_name="申健",
        signed_date=datetime.date(2026, 5, 29),
        scan=SimpleUploadedFile("意向书.pdf", b"%PDF-1.4 letter", content_type="application/pdf"),
    )
    assert (
        personas.client(personas.haidian_officer)
        .get(f"/meetings/intent-letters/{letter.pk}/scan/")
        .status_code
        == 200
    )
    assert (
        personas.client(personas.tongzhou_officer)
        .get(f"/meetings/intent-letters/{letter.pk}/scan/")
        .status_code
        == 404
    )
    assert personas.client(personas.tongzhou_officer).get(f"/meetings/{meeting.pk}/").status_code == 404
