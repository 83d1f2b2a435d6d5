import datetime
import uuid

from gonghui.demo.personas import json_of
from gonghui.meetings import queries
from gonghui.meetings.models import CheckIn, Meeting, Response
from gonghui.meetings.tests.conftest import plan_worker_meeting, worker_survey


def _payload(personas, **changes):
    body = {
        "kind": "WORKER",
        "title": "潞源街道职工沟通会",
        "organiser_id": personas.unit("BJ-TZ-LY").pk,
        "starts_at": "2026-06-05T09:00:00+08:00",
        "ends_at": "2026-06-05T11:00:00+08:00",
        "place_kind": "ADDRESS",
        "address": "潞源街道职工服务站",
        "partner_units": ["北京银行通州支行", "潞源税务所"],
    }
    body.update(changes)
    return body


def test_it_plans_lists_holds_and_closes_through_the_api(personas):
    client = personas.client(personas.luyuan_officer)
    created = client.post("/api/v1/meetings", _payload(personas), content_type="application/json")
    assert created.status_code == 201, created.content
    meeting = json_of(created)[0]
    assert meeting["partner_units"] == ["北京银行通州支行", "潞源税务所"] and meeting["status"] == "PLANNED"
    listed = client.get("/api/v1/meetings?start_date=2026-06-01&end_date=2026-07-01").json()
    assert [m["id"] for m in listed["items"]] == [meeting["id"]]
    assert client.post(f"/api/v1/meetings/{meeting['id']}/hold").json()["status"] == "HELD"
    checked = client.post(
        f"/api/v1/meetings/{meeting['id']}/check-ins", {"head_count": 30}, content_type="application/json"
    )
    assert checked.status_code == 201 and checked.json() == {"created": True, "total": 30}
    closed = client.post(
        f"/api/v1/meetings/{meeting['id']}/close",
        {
            "materials_handed_out": 100,
            "consultations": 25,
            "follow_ups": [{"text": "回访未办卡职工", "owner_name": "张国宽", "due_date": "2026-06-12"}],
        },
        content_type="application/json",
    )
    assert closed.status_code == 200 and closed.json()["attendance"] == 30
    funnel = client.get(f"/api/v1/meetings/{meeting['id']}/funnel").json()
    assert funnel["people"][0] == {"key": "attended", "label": "参会", "count": 30}
    again = client.post(f"/api/v1/meetings/{meeting['id']}/close", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "meeting_not_held"


def test_it_plans_a_weekly_series_through_the_api(personas):
    client = personas.client(personas.luyuan_officer)
    created = client.post(
        "/api/v1/meetings", _payload(personas, weekly_count=4), content_type="application/json"
    )
    assert created.status_code == 201
    starts = [m["starts_at"][:10] for m in created.json()]
    assert starts == ["2026-06-05", "2026-06-12", "2026-06-19", "2026-06-26"]
    assert len({m["series_id"] for m in created.json()}) == 1


def test_bad_input_gets_a_code_and_a_chinese_message(personas):
    client = personas.client(personas.luyuan_officer)
    cases = [
        (_payload(personas, ends_at="2026-06-05T08:00:00+08:00"), 400, "meeting_times"),
        (_payload(personas, address=""), 400, "meeting_place_required"),
        (_payload(personas, title="x" * 201), 422, "invalid_input"),
        (_payload(personas, organiser_id=2**70), 422, "invalid_input"),
        (_payload(personas, organiser_id=personas.unit("BJ-HD-GJK").pk), 404, "not_found"),
        (_payload(personas, title="a\x00b"), 400, "nul_character"),
        (_payload(personas, starts_at="2026-06-05T09:00:00"), 400, "invalid_input"),
    ]
    for body, status, code in cases:
        response = client.post("/api/v1/meetings", body, content_type="application/json")
        assert response.status_code == status, (code, response.content)
        assert response.json()["code"].startswith(code.split("_")[0]), response.json()
    assert not Meeting.objects.exists()
    # Not an id at all: no such path (the same 404 body as any unknown API path).
    not_an_id = client.get("/api/v1/meetings/abc")
    assert not_an_id.status_code == 404 and not_an_id.json()["code"] == "not_found"
    assert client.get(f"/api/v1/meetings/{2**70}").status_code == 422


def test_the_collector_gets_the_definition_and_uploads_a_response_once(personas):
    questionnaire = worker_survey(personas)
    meeting = plan_worker_meeting(personas, questionnaire=questionnaire)
    client = personas.client(personas.collector)
    definition = client.get(f"/api/v1/meetings/questionnaires/{questionnaire.pk}").json()
    q = {item["position"]: item["id"] for item in definition["questions"]}
    record = str(uuid.uuid4())
    body = {
        "version_id": definition["version_id"],
        "meeting_id": meeting.pk,
        "channel": "STAFF_MOBILE",
        "client_uuid": record,
        "answers": {str(q[1]): "是", str(q[3]): ["技能培训"], str(q[6]): 4},
    }
    for _ in range(2):
        response = client.post(
            f"/api/v1/meetings/questionnaires/{questionnaire.pk}/responses",
            body,
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
    assert Response.objects.get().collected_by == personas.collector
    results = client.get(f"/api/v1/meetings/{meeting.pk}/results").json()
    assert results["responses"] == 1 and dict(results["questions"][5]["counts"])["4"] == 1
    bad = client.post(
        f"/api/v1/meetings/questionnaires/{questionnaire.pk}/responses",
        {**body, "client_uuid": str(uuid.uuid4()), "answers": {"x1": "是"}},
        content_type="application/json",
    )
    assert bad.status_code == 400


def test_the_api_creates_a_questionnaire_from_a_template_and_edits_it(personas):
    client = personas.client(personas.ganjiakou_officer)
    created = client.post(
        "/api/v1/meetings/questionnaires",
        {"owner_id": personas.unit("BJ-HD-GJK").pk, "template": "establishment_ten"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["title"] == "工会组建十问"
    qid = created.json()["id"]
    edited = client.put(
        f"/api/v1/meetings/questionnaires/{qid}",
        {
            "title": "工会组建十问（甘家口版）",
            "questions": [{"kind": "RATING", "text": "满意度", "required": True}],
        },
        content_type="application/json",
    )
    assert edited.status_code == 200 and edited.json()["version"] == 1
    bad = client.post(
        "/api/v1/meetings/questionnaires",
        {"owner_id": personas.unit("BJ-HD-GJK").pk, "template": "nope"},
        content_type="application/json",
    )
    assert bad.status_code == 400


def test_the_host_link_endpoint_returns_a_working_url_once(personas):
    meeting = plan_worker_meeting(personas)
    client = personas.client(personas.tongzhou_officer)
    issued = client.post(f"/api/v1/meetings/{meeting.pk}/host-link")
    assert issued.status_code == 201
    url = issued.json()["url"]
    path = url[url.index("/m/host/") :]
    assert client.get(path).status_code == 200
    client.post(f"/api/v1/meetings/{meeting.pk}/host-link")
    assert client.get(path).status_code == 404
    assert queries.check_in_total(meeting) == 0 and not CheckIn.objects.exists()
    assert (
        personas.client(personas.collector).post(f"/api/v1/meetings/{meeting.pk}/host-link").status_code
        == 403
    )


def test_overdue_and_area_funnel_endpoints(personas):
    meeting = plan_worker_meeting(
        personas,
        starts_at=datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 1, 5, 11, tzinfo=datetime.UTC),
    )
    client = personas.client(personas.tongzhou_officer)
    overdue = client.get("/api/v1/meetings/overdue").json()
    assert [m["id"] for m in overdue["items"]] == [meeting.pk]
    funnel = client.get(
        f"/api/v1/meetings/funnel?unit_id={personas.unit('BJ-TZ').pk}&start_date=2026-01-01&end_date=2026-02-01"
    ).json()
    assert funnel["meetings"] == 1
    assert client.get("/api/v1/meetings/funnel?start_date=2026-13-01").status_code == 422


def test_a_letter_of_intent_is_recorded_through_the_api_with_its_scan(personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gonghui.meetings import actions as meeting_actions
    from gonghui.meetings.tests.conftest import plan_enterprise_meeting

    meeting = plan_enterprise_meeting(personas)
    meeting_actions.do_hold_meeting(acting_user=personas.ganjiakou_officer, meeting=meeting)
    client = personas.client(personas.ganjiakou_officer)
    url = f"/api/v1/meetings/{meeting.pk}/intent-letters"
    form = {
        "enterprise_id": personas.enterprise("xinyi").pk,
        "signatory_name": "申健",
        "signed_date": "2026-05-29",
    }
    bad = client.post(
        url, {**form, "scan": SimpleUploadedFile("x.pdf", b"GIF89a", content_type="application/pdf")}
    )
    assert bad.status_code == 400 and bad.json()["code"] == "upload_wrong_type"
    done = client.post(
        url, {**form, "scan": SimpleUploadedFile("x.pdf", b"%PDF-1.4 x", content_type="application/pdf")}
    )
    assert done.status_code == 201 and done.json()["has_scan"] is True
    assert client.post(url, form).json()["code"] == "intent_letter_exists"
    assert [row["signatory_name"] for row in client.get(url).json()] == ["申健"]
    assert personas.client(personas.tongzhou_officer).get(url).status_code == 404
    yunrui = personas.client(personas.haidian_officer).post(
        url, {**form, "enterprise_id": personas.enterprise("yunrui").pk}
    )
    assert yunrui.status_code == 404
