import json

from stdnum.cn import ric

from gonghui.core.models import AuditEvent
from gonghui.members.models import Membership, Person, Transfer
from gonghui.orgs.actions import do_create_org_unit


def rid(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


LI = rid("11011219990520241")


def enrol_body(personas, **over):  # type: ignore[no-untyped-def]
    body = {
        "union_id": personas.unit("BJ-TZ-YS-YR").pk,
        "name": "李春贵",
        "resident_id": LI,
        "phone": "13812345678",
        "is_migrant_worker": True,
        "consent": True,
    }
    body.update(over)
    return json.dumps(body, ensure_ascii=False)


def post(client, url, body):  # type: ignore[no-untyped-def]
    return client.post(url, body, content_type="application/json")


def test_it_enrols_through_the_api_and_masks_personal_data(personas):
    response = post(personas.client(personas.chair), "/api/v1/members", enrol_body(personas))
    assert response.status_code == 201, response.content
    member = response.json()["membership"]
    assert member["resident_id_masked"] == LI[:6] + "********" + LI[-4:]
    assert member["phone_masked"] == "138****5678"
    assert LI not in response.content.decode() and "13812345678" not in response.content.decode()


def test_it_normalises_full_width_digits_spaces_and_lower_case_x(personas):
    raw = rid("11011220000101003")
    messy = " ".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in raw)
    response = post(
        personas.client(personas.chair), "/api/v1/members", enrol_body(personas, resident_id=messy)
    )
    assert response.status_code == 201, response.content
    assert Person.objects.get().resident_id == raw


def test_it_answers_bad_ids_with_stable_codes(personas):
    client = personas.client(personas.chair)
    cases = {
        "1.10112199905E+17": "resident_id_excel_number",
        LI[:-1] + ("0" if LI[-1] != "0" else "1"): "resident_id_checksum",
        LI[:10]: "resident_id_length",
        rid("11011219991340241"): "resident_id_birth_date",
    }
    for value, code in cases.items():
        response = post(client, "/api/v1/members", enrol_body(personas, resident_id=value))
        assert response.status_code == 400, (value, response.content)
        assert response.json()["code"] == code
        assert response.json()["message"]
    assert not Person.objects.exists()


def test_it_finds_a_member_by_exact_id_or_phone_and_by_name(personas):
    client = personas.client(personas.chair)
    post(client, "/api/v1/members", enrol_body(personas))
    for q in (LI, "13812345678", "春贵"):
        items = client.post("/api/v1/members/search", json.dumps({"q": q}), content_type="application/json")
        assert [m["name"] for m in items.json()["items"]] == ["李春贵"], q
    assert [m["name"] for m in client.get("/api/v1/members", {"q": "春贵"}).json()["items"]] == ["李春贵"]
    # A full number in a web address would be kept in access logs: refused, the body search is the way.
    refused = client.get("/api/v1/members", {"q": rid("11011219990520242")})
    assert refused.status_code == 400 and refused.json()["code"] == "personal_number_in_url"


def test_it_reviews_and_bulk_approves(personas):
    from gonghui.members.actions import EnrolmentData, do_enrol_member
    from gonghui.members.models import Channel

    for i in range(3):
        do_enrol_member(
            acting_user=None,
            union=personas.unit("BJ-TZ-YS-YR"),
            data=EnrolmentData(name=f"工友{i}", resident_id=rid(f"1101122000010100{i}")),
            channel=Channel.SELF_SERVICE,
            consent_given=True,
        )
    client = personas.client(personas.chair)
    queue = client.get("/api/v1/members/review-queue").json()["items"]
    assert len(queue) == 3
    ids = [m["id"] for m in queue]
    response = post(client, f"/api/v1/members/{ids[0]}/reject", json.dumps({"reason": "不在本单位工作"}))
    assert response.json()["status"] == "REJECTED"
    response = post(
        client,
        "/api/v1/members/bulk-approve",
        json.dumps({"union_id": personas.unit("BJ-TZ-YS-YR").pk, "membership_ids": ids}),
    )
    body = response.json()
    assert sorted(body["approved"]) == sorted(ids[1:])
    assert body["skipped"] == {str(ids[0]): "membership_not_pending"}
    assert Membership.objects.filter(status="ACTIVE").count() == 2
    # One event per approved application, on the application itself: each member's history shows it.
    approved = AuditEvent.objects.filter(event_type="membership_approved", details__bulk=True)
    assert sorted(int(e.object_id) for e in approved) == sorted(ids[1:])


def test_it_lets_both_sides_see_a_transfer_and_the_receiver_decide(personas):
    post(personas.client(personas.chair), "/api/v1/members", enrol_body(personas))
    site_union = do_create_org_unit(
        acting_user=personas.luyuan_officer,
        parent=personas.unit("BJ-TZ-LY"),
        code="LY-J",
        name="工地联合工会",
        kind="JOINT",
    )
    luyuan = personas.client(personas.luyuan_officer)
    response = post(luyuan, "/api/v1/members", enrol_body(personas, union_id=site_union.pk))
    assert response.json()["kind"] == "transfer_proposed"
    transfer_id = response.json()["transfer_id"]
    # The sending chair sees it but cannot decide it.
    chair = personas.client(personas.chair)
    assert [t["id"] for t in chair.get("/api/v1/members/transfers").json()["items"]] == [transfer_id]
    response = post(chair, f"/api/v1/members/transfers/{transfer_id}/decide", json.dumps({"approve": True}))
    assert response.status_code == 403
    response = post(luyuan, f"/api/v1/members/transfers/{transfer_id}/decide", json.dumps({"approve": True}))
    assert response.status_code == 200 and response.json()["status"] == "APPROVED"
    assert Transfer.objects.get().status == "APPROVED"


def test_it_logs_a_reveal_and_refuses_it_to_a_collector(personas):
    client = personas.client(personas.chair)
    membership_id = post(client, "/api/v1/members", enrol_body(personas)).json()["membership"]["id"]
    response = post(client, f"/api/v1/members/{membership_id}/reveal", json.dumps({"field": "resident_id"}))
    assert response.json()["value"] == LI
    assert AuditEvent.objects.filter(event_type="pii_revealed", details={"field": "resident_id"}).count() == 1
    collector = personas.client(personas.collector)
    response = post(collector, f"/api/v1/members/{membership_id}/reveal", json.dumps({"field": "phone"}))
    assert response.status_code == 403


def test_it_shows_the_member_history(personas):
    client = personas.client(personas.chair)
    membership_id = post(client, "/api/v1/members", enrol_body(personas)).json()["membership"]["id"]
    events = client.get(f"/api/v1/members/{membership_id}/history").json()
    assert [e["event_type"] for e in events] == ["member_enrolled"]
