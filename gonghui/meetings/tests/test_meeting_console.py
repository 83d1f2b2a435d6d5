"""The console pages render for the people who use them, and their forms go through the actions."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gonghui.enterprises.models import IntentLetter
from gonghui.meetings import actions, queries
from gonghui.meetings.models import Meeting, Questionnaire
from gonghui.meetings.tests.conftest import plan_enterprise_meeting, plan_worker_meeting, worker_survey


def test_the_meeting_pages_render(personas):
    questionnaire = worker_survey(personas)
    meeting = plan_worker_meeting(personas, questionnaire=questionnaire)
    client = personas.client(personas.tongzhou_officer)
    for url, words in [
        ("/meetings/", "云锐大厅职工沟通会"),
        ("/meetings/calendar/?month=2026-05", "云锐大厅职工沟通会"),
        ("/meetings/calendar/?month=bogus", "沟通会日历"),
        ("/meetings/overdue/", "逾期"),
        ("/meetings/funnel/?start=2026-05-01&end=bad", "成效漏斗"),
        ("/meetings/new/", "安排沟通会"),
        (f"/meetings/{meeting.pk}/", "北京银行通州支行"),
        (f"/meetings/{meeting.pk}/edit/", "修改沟通会"),
        (f"/meetings/{meeting.pk}/poster/", "签到"),
        (f"/meetings/{meeting.pk}/results/", "职工需求调查"),
        ("/meetings/questionnaires/", "职工需求调查"),
        (f"/meetings/questionnaires/{questionnaire.pk}/", "您是否愿意加入工会"),
        (f"/meetings/questionnaires/{questionnaire.pk}/results/", "职工需求调查"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert words in response.content.decode(), url
    assert client.get("/meetings/questionnaires/1/results/?version=99").status_code == 404


def test_an_officer_plans_a_weekly_series_in_the_console(personas):
    client = personas.client(personas.luyuan_officer)
    response = client.post(
        "/meetings/new/",
        {
            "kind": "WORKER",
            "title": "潞源街道每周职工沟通会",
            "organiser": personas.unit("BJ-TZ-LY").pk,
            "starts_at": "2026-06-05T09:00",
            "ends_at": "2026-06-05T11:00",
            "cadence": "WEEKLY",
            "place_kind": "ADDRESS",
            "address": "潞源街道职工服务站",
            "weekly_count": "3",
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.filter(series__isnull=False).count() == 3
    bad = client.post("/meetings/new/", {"kind": "WORKER", "title": "x", "organiser": "abc"})
    assert bad.status_code == 200 and Meeting.objects.count() == 3


def test_closing_in_the_console_records_outcomes_and_a_follow_up(personas):
    meeting = plan_worker_meeting(personas)
    client = personas.client(personas.tongzhou_officer)
    client.post(f"/meetings/{meeting.pk}/hold/")
    bad = client.post(f"/meetings/{meeting.pk}/close/", {"consultations": "-1", "materials_handed_out": "0"})
    assert bad.status_code == 400
    done = client.post(
        f"/meetings/{meeting.pk}/close/",
        {
            "attendance": "150",
            "consultations": "40",
            "materials_handed_out": "120",
            "follow_up_1": "为银行补发卡",
            "owner_1": "高丽",
            "due_1": "2026-06-05",
        },
    )
    assert done.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED and meeting.attendance == 150
    assert meeting.follow_ups.get().owner_name == "高丽"


def test_the_builder_adds_edits_and_removes_questions_and_versions_after_answers(personas):
    questionnaire = worker_survey(personas)
    meeting = plan_worker_meeting(personas, questionnaire=questionnaire)
    client = personas.client(personas.tongzhou_officer)
    url = f"/meetings/questionnaires/{questionnaire.pk}/"
    added = client.post(
        url, {"op": "add", "kind": "SINGLE", "text": "是否需要法律咨询？", "choices": "是\n否"}
    )
    assert added.status_code == 302
    version = queries.current_version(questionnaire)
    assert version.number == 1 and len(queries.version_questions(version)) == 8
    bad = client.post(url, {"op": "add", "kind": "SINGLE", "text": "只有一个选项", "choices": "是"})
    assert bad.status_code == 200 and "2到20个" in bad.content.decode()
    q = {x.position: x for x in queries.version_questions(version)}
    actions.do_submit_response(
        version=version,
        meeting=meeting,
        channel="SELF_SERVICE",
        answers={q[1].pk: "是", q[3].pk: ["技能培训"], q[6].pk: "5"},
    )
    client.post(
        url,
        {
            "op": "edit",
            "position": "8",
            "kind": "SINGLE",
            "text": "需要法律咨询吗？",
            "choices": "需要\n不需要",
        },
    )
    assert queries.current_version(questionnaire).number == 2
    client.post(url, {"op": "remove", "position": "8"})
    current = queries.current_version(questionnaire)
    assert current.number == 2 and len(queries.version_questions(current)) == 7
    assert client.post(url, {"op": "nonsense"}).status_code == 404
    # The district's questionnaire is read-only for a street officer.
    assert (
        personas.client(personas.luyuan_officer).post(url, {"op": "remove", "position": "1"}).status_code
        == 403
    )


def test_the_csv_export_has_one_row_per_response_with_bom(personas):
    questionnaire = worker_survey(personas)
    meeting = plan_worker_meeting(personas, questionnaire=questionnaire)
    version = queries.current_version(questionnaire)
    q = {x.position: x for x in queries.version_questions(version)}
    actions.do_submit_response(
        version=version,
        meeting=meeting,
        channel="SELF_SERVICE",
        answers={
            q[1].pk: "否",
            q[2].pk: "愿意，今天就办理",
            q[3].pk: ["技能培训", "文体活动"],
            q[6].pk: "5",
            q[7].pk: "=HYPERLINK()",
        },
    )
    response = personas.client(personas.tongzhou_officer).get(
        f"/meetings/questionnaires/{questionnaire.pk}/export.csv?meeting={meeting.pk}"
    )
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff") and response["Content-Type"].startswith("text/csv")
    lines = body.strip().splitlines()
    assert len(lines) == 2 and "技能培训；文体活动" in lines[1] and ",5," in lines[1]
    # A formula typed by a worker stays text in Excel.
    assert ",'=HYPERLINK()" in lines[1]


def test_questionnaires_created_from_templates_in_the_console(personas):
    client = personas.client(personas.ganjiakou_officer)
    response = client.post(
        "/meetings/questionnaires/", {"owner": personas.unit("BJ-HD-GJK").pk, "template": "establishment_ten"}
    )
    assert response.status_code == 302
    created = Questionnaire.objects.get()
    assert (
        created.title == "工会组建十问"
        and len(queries.version_questions(queries.current_version(created))) == 10
    )


def test_an_intent_letter_with_a_scan_is_recorded_and_bad_scans_are_refused(personas, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    meeting = plan_enterprise_meeting(personas)
    client = personas.client(personas.ganjiakou_officer)
    client.post(f"/meetings/{meeting.pk}/hold/")
    url = f"/meetings/{meeting.pk}/intent-letter/"
    base = {
        "enterprise": personas.enterprise("xinyi").pk,
        "signatory_name": "申健",
        "signatory_title": "工会主席",
        "signed_date": "2026-05-29",
    }
    for scan, says in [
        (SimpleUploadedFile("letter.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"), "PDF"),
        (
            SimpleUploadedFile("letter.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"),
            "图片",
        ),
        (SimpleUploadedFile("letter.png", b"", content_type="image/png"), "空"),
    ]:
        refused = client.post(url, {**base, "scan": scan})
        assert refused.status_code == 400 and says in refused.content.decode()
    future = client.post(
        url, {**base, "signed_date": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()}
    )
    assert future.status_code == 400
    assert not IntentLetter.objects.exists()
    picture = io.BytesIO()
    Image.new("RGBA", (40, 30), (10, 20, 30, 255)).save(picture, format="PNG")
    png = picture.getvalue()
    done = client.post(url, {**base, "scan": SimpleUploadedFile("扫描.png", png, content_type="image/png")})
    assert done.status_code == 302
    letter = IntentLetter.objects.get()
    assert letter.scan_content_type == "image/png" and (letter.scan.name or "").endswith(".png")
    assert str(tmp_path) in letter.scan.path
    scan = client.get(f"/meetings/intent-letters/{letter.pk}/scan/")
    served = b"".join(scan.streaming_content)
    assert scan.status_code == 200 and Image.open(io.BytesIO(served)).size == (40, 30)
    again = client.post(url, base)
    assert again.status_code == 400 and "已经登记" in again.content.decode()


def test_an_officer_types_in_paper_questionnaires_after_the_meeting(personas):
    from gonghui.meetings.models import Response

    questionnaire = worker_survey(personas)
    meeting = plan_worker_meeting(personas, questionnaire=questionnaire)
    actions.do_hold_meeting(acting_user=personas.tongzhou_officer, meeting=meeting)
    actions.do_close_meeting(
        acting_user=personas.tongzhou_officer, meeting=meeting, outcome=actions.MeetingOutcome(attendance=30)
    )
    q = {x.position: x for x in queries.version_questions(queries.current_version(questionnaire))}
    client = personas.client(personas.collector)
    url = f"/meetings/{meeting.pk}/responses/new/"
    assert "职工需求调查" in client.get(url).content.decode()
    missing = client.post(url, {f"q{q[1].pk}": "是", f"q{q[3].pk}": ["技能培训"]})
    assert missing.status_code == 400 and "请回答此题" in missing.content.decode()
    saved = client.post(
        url, {f"q{q[1].pk}": "是", f"q{q[3].pk}": ["技能培训", "文体活动"], f"q{q[6].pk}": "4"}
    )
    assert saved.status_code == 302
    response = Response.objects.get()
    assert (
        response.channel == "CONSOLE"
        and response.collected_by == personas.collector
        and response.meeting == meeting
    )
    assert personas.client(personas.haidian_officer).get(url).status_code == 404
