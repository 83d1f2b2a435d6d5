from stdnum.cn import ric

from gonghui.core.models import AuditEvent
from gonghui.members.actions import EnrolmentData, do_enrol_member
from gonghui.members.models import Channel, Membership, Transfer
from gonghui.orgs.actions import do_create_org_unit


def rid(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def form(personas, **over):  # type: ignore[no-untyped-def]
    data = {
        "union": personas.unit("BJ-TZ-YS-YR").pk,
        "name": "李春贵",
        "resident_id": rid("11011219990520241"),
        "phone": "13812345678",
        "employment_status": "EMPLOYED",
        "consent": "on",
    }
    data.update(over)
    return data


def self_service(personas, name, body17):  # type: ignore[no-untyped-def]
    return do_enrol_member(
        acting_user=None,
        union=personas.unit("BJ-TZ-YS-YR"),
        data=EnrolmentData(name=name, resident_id=rid(body17)),
        channel=Channel.SELF_SERVICE,
        consent_given=True,
    ).membership


def test_it_enrols_from_the_console_and_shows_the_member_masked(personas):
    client = personas.client(personas.chair)
    response = client.post("/members/new/", form(personas))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "李春贵" in page and "138****5678" in page
    assert rid("11011219990520241") not in page and "13812345678" not in page


def test_it_shows_the_reason_for_a_bad_id_on_the_form(personas):
    client = personas.client(personas.chair)
    response = client.post("/members/new/", form(personas, resident_id="110112199905202410"))
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not Membership.objects.exists()


def test_it_asks_for_consent_on_the_form(personas):
    data = form(personas)
    del data["consent"]
    response = personas.client(personas.chair).post("/members/new/", data)
    assert response.status_code == 200 and not Membership.objects.exists()


def test_it_offers_the_area_code_override_to_the_officer(personas):
    client = personas.client(personas.chair)
    old = rid("11011219900101123")
    response = client.post("/members/new/", form(personas, resident_id=old))
    assert response.status_code == 200 and not Membership.objects.exists()
    response = client.post("/members/new/", form(personas, resident_id=old, confirm_area_warning="on"))
    assert response.status_code == 302
    assert Membership.objects.get().warnings == ["resident_id_area_unknown"]


def test_it_approves_rejects_and_bulk_approves_in_the_review_queue(personas):
    first = self_service(personas, "工友甲", "11011220000101001")
    second = self_service(personas, "工友乙", "11011220000101002")
    third = self_service(personas, "工友丙", "11011220000101003")
    client = personas.client(personas.chair)
    page = client.get("/members/review/").content.decode()
    assert all(name in page for name in ("工友甲", "工友乙", "工友丙"))
    assert client.post(f"/members/{first.pk}/reject/", {"reason": "非本单位职工"}).status_code == 302
    union = personas.unit("BJ-TZ-YS-YR").pk
    response = client.post(
        "/members/review/bulk-approve/", {"union": union, "membership": [second.pk, third.pk]}
    )
    assert response.status_code == 302
    statuses = dict(Membership.objects.values_list("person__name", "status"))
    assert statuses == {"工友甲": "REJECTED", "工友乙": "ACTIVE", "工友丙": "ACTIVE"}
    assert "工友" not in client.get("/members/review/").content.decode().split("<tbody>")[1]


def test_it_refuses_a_rejection_without_a_reason(personas):
    membership = self_service(personas, "工友甲", "11011220000101001")
    response = personas.client(personas.chair).post(f"/members/{membership.pk}/reject/", {"reason": ""})
    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.status == "PENDING"


def test_it_decides_a_transfer_on_the_transfer_page(personas):
    chair = personas.client(personas.chair)
    chair.post("/members/new/", form(personas))
    joint = do_create_org_unit(
        acting_user=personas.luyuan_officer,
        parent=personas.unit("BJ-TZ-LY"),
        code="LY-J",
        name="工地联合工会",
        kind="JOINT",
    )
    luyuan = personas.client(personas.luyuan_officer)
    response = luyuan.post("/members/new/", form(personas, union=joint.pk))
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert "工地联合工会" in chair.get("/members/transfers/").content.decode()
    assert luyuan.post(f"/members/transfers/{transfer.pk}/decide/", {"approve": "1"}).status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "APPROVED"


def test_it_reveals_the_full_id_once_and_logs_it(personas):
    client = personas.client(personas.chair)
    client.post("/members/new/", form(personas))
    membership = Membership.objects.get()
    response = client.post(f"/members/{membership.pk}/reveal/resident_id/")
    assert rid("11011219990520241") in response.content.decode()
    assert AuditEvent.objects.filter(event_type="pii_revealed").count() == 1
    assert client.post(f"/members/{membership.pk}/reveal/name/").status_code == 400
