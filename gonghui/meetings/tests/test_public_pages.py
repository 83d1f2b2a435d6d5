"""The worker's and the host's pages without login: check in, answer, host desk; stale links 404; bad
input is a message on the page, never a 500."""

from django.test import Client

from gonghui.meetings import actions, queries
from gonghui.meetings.models import CheckIn, Meeting, Response
from gonghui.meetings.tests.conftest import plan_worker_meeting, worker_survey
from gonghui.members.join import do_create_join_link


def test_a_worker_checks_in_by_name_and_phone_once_however_often_they_scan(personas):
    meeting = plan_worker_meeting(personas)
    client = Client()
    page = client.get(f"/m/{meeting.public_token}/")
    assert page.status_code == 200 and "签到" in page.content.decode()
    for _ in range(2):
        response = client.post(
            f"/m/{meeting.public_token}/", {"action": "named", "name": "李春贵", "phone": "139 1111 0005"}
        )
        assert response.status_code == 302 and response["Location"] == f"/m/{meeting.public_token}/welcome/"
    check_in = CheckIn.objects.get()
    assert check_in.phone == "13911110005" and check_in.source == CheckIn.Source.SELF
    assert queries.check_in_total(meeting) == 1


def test_a_worker_may_check_in_without_details(personas):
    meeting = plan_worker_meeting(personas)
    response = Client().post(
        f"/m/{meeting.public_token}/", {"action": "anonymous", "name": "x", "phone": "bad"}
    )
    assert response.status_code == 302
    assert CheckIn.objects.get().name == "" and CheckIn.objects.get().phone is None


def test_the_welcome_page_offers_the_questionnaire_and_the_meetings_join_link(personas):
    meeting = plan_worker_meeting(personas, questionnaire=worker_survey(personas))
    link = do_create_join_link(
        acting_user=personas.chair, union=personas.unit("BJ-TZ-YS-YR"), meeting=meeting
    )
    client = Client()
    assert client.get(f"/m/{meeting.public_token}/welcome/")["Location"] == f"/m/{meeting.public_token}/"
    client.post(f"/m/{meeting.public_token}/", {"action": "anonymous"})
    page = client.get(f"/m/{meeting.public_token}/welcome/").content.decode()
    assert f"/m/{meeting.public_token}/survey/" in page and f"/join/{link.token}/" in page


def test_bad_input_on_the_check_in_page_is_a_message_not_a_500(personas):
    meeting = plan_worker_meeting(personas)
    client = Client()
    cases = [
        ({"action": "named", "name": "李春贵", "phone": "12345"}, "手机号"),
        ({"action": "named", "name": "", "phone": "13911110005"}, "姓名"),
        ({"action": "named", "name": "李\x00春贵", "phone": "13911110005"}, "NUL"),
        ({"action": "named", "name": "长" * 100_000, "phone": "13911110005"}, ""),
    ]
    for data, words in cases:
        response = client.post(f"/m/{meeting.public_token}/", data)
        assert 400 <= response.status_code < 500, (data["name"][:10], response.status_code)
        if words and words != "NUL":
            assert words in response.content.decode()
    assert not CheckIn.objects.exists()


def test_bad_answers_on_the_questionnaire_page_are_messages_not_500s(personas):
    questionnaire = worker_survey(personas)
    meeting = plan_worker_meeting(personas, questionnaire=questionnaire)
    version = queries.current_version(questionnaire)
    q = {x.position: x for x in queries.version_questions(version)}
    url = f"/m/{meeting.public_token}/survey/"
    client = Client()
    good = {"version": str(version.pk), f"q{q[1].pk}": "是", f"q{q[3].pk}": ["技能培训"], f"q{q[6].pk}": "4"}
    for change in [
        {f"q{q[6].pk}": ""},  # required rating missing
        {f"q{q[1].pk}": "<script>"},  # not a choice
        {f"q{q[7].pk}": "长" * 5000},  # too long
        {f"q{q[7].pk}": "a\x00b"},  # NUL
        {"version": "999999999999999999999"},  # a version that is not the page's
    ]:
        response = client.post(url, {**good, **change})
        assert response.status_code == 400, change
    assert not Response.objects.exists()
    page = client.post(url, {**good, f"q{q[6].pk}": ""}).content.decode()
    assert "请回答此题" in page
    response = client.post(url, good)
    assert response.status_code == 302 and Response.objects.get().meeting == meeting


def test_the_host_link_checks_people_in_and_counts_and_stops_working_when_regenerated(personas):
    meeting = plan_worker_meeting(personas)
    meeting, token = actions.do_issue_host_link(acting_user=personas.tongzhou_officer, meeting=meeting)
    assert token not in (meeting.host_token_digest or "")
    host = Client()
    page = host.get(f"/m/host/{token}/")
    assert page.status_code == 200 and 'id="host-total">0<' in page.content.decode()
    host.post(f"/m/host/{token}/", {"name": "吴雪", "phone": "13911110004"})
    page = host.post(f"/m/host/{token}/", {"head_count": "7"})
    assert 'id="host-total">8<' in page.content.decode()
    assert "139****0004" in page.content.decode() and "13911110004" not in page.content.decode()
    bad = host.post(f"/m/host/{token}/", {"name": "x", "phone": "bad"})
    assert bad.status_code == 400 and "手机号" in bad.content.decode()
    assert host.post(f"/m/host/{token}/", {"head_count": "100000"}).status_code == 400
    assert queries.check_in_total(meeting) == 8

    _, new_token = actions.do_issue_host_link(acting_user=personas.tongzhou_officer, meeting=meeting)
    assert host.get(f"/m/host/{token}/").status_code == 404
    assert host.post(f"/m/host/{token}/", {"head_count": "1"}).status_code == 404
    assert host.get(f"/m/host/{new_token}/").status_code == 200
    assert queries.check_in_total(meeting) == 8
    # A closed meeting's host link is gone too.
    actions.do_hold_meeting(acting_user=personas.tongzhou_officer, meeting=meeting)
    actions.do_close_meeting(
        acting_user=personas.tongzhou_officer, meeting=meeting, outcome=actions.MeetingOutcome()
    )
    assert host.get(f"/m/host/{new_token}/").status_code == 404


def test_unknown_regenerated_and_closed_codes_are_404(personas):
    meeting = plan_worker_meeting(personas)
    client = Client()
    for token in ["nope", "x" * 300]:
        assert client.get(f"/m/{token}/").status_code == 404
        assert client.get(f"/m/host/{token}/").status_code == 404
    # A NUL in the address is refused before any view runs.
    assert client.get("/m/%00/").status_code == 400
    old = meeting.public_token
    actions.do_regenerate_meeting_codes(acting_user=personas.tongzhou_officer, meeting=meeting)
    assert client.get(f"/m/{old}/").status_code == 404
    meeting.refresh_from_db()
    actions.do_cancel_meeting(acting_user=personas.tongzhou_officer, meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CANCELLED
    assert client.get(f"/m/{meeting.public_token}/").status_code == 404
    # The survey page of a meeting without a questionnaire is not there either.
    other = plan_worker_meeting(personas)
    assert client.get(f"/m/{other.public_token}/survey/").status_code == 404
