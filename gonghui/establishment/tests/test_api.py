import json

from gonghui.enterprises.validators import with_check_character
from gonghui.orgs.models import OrgUnit


def post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body, ensure_ascii=False), content_type="application/json")


def test_it_takes_a_case_from_identified_to_established_through_the_api(personas):
    client = personas.client(personas.ganjiakou_officer)
    xinyi = personas.enterprise("xinyi")
    response = post(
        client, "/api/v1/establishment/cases", {"enterprise_id": xinyi.pk, "stage_date": "2026-06-01"}
    )
    assert response.status_code == 201, response.content
    case_id = response.json()["id"]
    base = f"/api/v1/establishment/cases/{case_id}"
    assert post(client, f"{base}/stages", {"stage": "VISITED", "stage_date": "2026-06-02"}).status_code == 201
    skipped = post(
        client,
        f"{base}/preparatory-group",
        {
            "stage_date": "2026-07-02",
            "union_path": "COMMITTEE",
            "members": [
                {
                    "name": "申健",
                    "resident_id": "110108198203150017",
                    "applies_to_join": True,
                    "is_leader": True,
                },
            ],
        },
    )
    assert skipped.status_code == 400 and skipped.json()["code"] == "establishment_stage_skipped"
    assert "请记录原因" in skipped.json()["message"]
    from gonghui.establishment.tests.conftest import GROUP

    members = [
        {"name": m.name, "resident_id": m.resident_id, "applies_to_join": True, "is_leader": m.is_leader}
        for m in GROUP
    ]
    response = post(
        client,
        f"{base}/preparatory-group",
        {
            "stage_date": "2026-07-02",
            "union_path": "COMMITTEE",
            "members": members,
            "skip_reason": "沟通会与意向书合并",
        },
    )
    assert response.status_code == 201, response.content
    assert (
        post(
            client, f"{base}/approval", {"stage_date": "2026-07-20", "document_number": "甘工批〔2026〕7号"}
        ).status_code
        == 201
    )
    assembly = {
        "stage_date": "2026-08-15",
        "member_count": 210,
        "members_present": 186,
        "committee_size": 21,
        "chair_name": "申健",
        "women_member_count": 112,
        "funds_audit_committee": True,
        "women_committee": True,
        "term_years": 5,
    }
    response = post(client, f"{base}/assembly", assembly)
    assert response.status_code == 400 and response.json()["code"] == "establishment_committee_size"
    assert "3至7人" in response.json()["message"] or "7至15人" in response.json()["message"]
    assert post(client, f"{base}/assembly", {**assembly, "committee_size": 9}).status_code == 201
    response = post(
        client,
        f"{base}/establish",
        {
            "union_code": "BJ-HD-GJK-XY",
            "union_name": "北京新意互动广告有限公司工会",
            "chair_username": "shenjian",
            "chair_password": "xinyi-chair-2026-pass",
        },
    )
    assert response.status_code == 400 and response.json()["code"] == "establishment_registration_required"
    response = post(
        client,
        f"{base}/registration",
        {
            "stage_date": "2026-09-10",
            "certificate_number": "工法证字第110108260015号",
            "union_uscc": with_check_character("81110108MA0XYGH01"),
        },
    )
    assert response.status_code == 201, response.content
    response = post(
        client,
        f"{base}/establish",
        {
            "union_code": "BJ-HD-GJK-XY",
            "union_name": "北京新意互动广告有限公司工会",
            "chair_username": "shenjian",
            "chair_password": "xinyi-chair-2026-pass",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["case"]["stage"] == "ESTABLISHED" and body["enrolled"] == 3
    assert OrgUnit.objects.get(code="BJ-HD-GJK-XY").pk == body["union_id"]
    detail = client.get(base).json()
    assert [r["stage"] for r in detail["timeline"]] == [
        "IDENTIFIED",
        "VISITED",
        "PREPARATORY_GROUP",
        "APPROVED_BY_SUPERIOR",
        "FOUNDING_ASSEMBLY",
        "REGISTERED",
        "ESTABLISHED",
    ]
    coverage = client.get("/api/v1/establishment/coverage?district=110108").json()
    assert coverage["total"]["with_union"] == 1 and coverage["total"]["rate"] == 100.0


def test_it_lists_cases_and_the_board(personas):
    client = personas.client(personas.ganjiakou_officer)
    xinyi = personas.enterprise("xinyi")
    post(client, "/api/v1/establishment/cases", {"enterprise_id": xinyi.pk})
    listing = client.get("/api/v1/establishment/cases?stage=IDENTIFIED").json()
    assert listing["count"] == 1 and listing["items"][0]["enterprise_name"] == xinyi.name
    board = client.get("/api/v1/establishment/board").json()
    assert board[0]["stage"] == "IDENTIFIED" and len(board[0]["cases"]) == 1
    response = post(client, "/api/v1/establishment/cases", {"enterprise_id": xinyi.pk})
    assert response.status_code == 409 and response.json()["code"] == "establishment_case_open"
