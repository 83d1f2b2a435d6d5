"""The pad's and the officers' pages through the test client: bad input gets a code, never a 500."""

import json

import pytest

from gonghui.cards.models import CardApplication, CardBlank
from gonghui.cards.numbers import sequential_card_numbers
from gonghui.cards.tests.helpers import apply, enrol


@pytest.fixture
def called(personas) -> CardApplication:
    application = apply(personas, enrol(personas, 1))
    personas.client(personas.bank_operator).post(f"/bank/a/{application.pk}/call/")
    application.refresh_from_db()
    assert application.status == "CALLED"
    return application


@pytest.mark.parametrize(
    "body",
    [b"not json", b"{}", b'{"name": "x"}', json.dumps({"name": "a" * 500}).encode(), b"[]"],
)
def test_it_answers_a_broken_reader_reading_with_a_code(personas, called, body):
    client = personas.client(personas.bank_operator)
    response = client.post(f"/bank/a/{called.pk}/id-read/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "id_read_invalid"
    called.refresh_from_db()
    assert called.status == "CALLED"


def test_it_answers_a_forged_fingerprint_confirmation_with_a_code(personas, called):
    client = personas.client(personas.bank_operator)
    reading = client.get(f"/bank/sim/reader/{called.pk}/").json()
    assert (
        client.post(f"/bank/a/{called.pk}/id-read/", reading, content_type="application/json").status_code
        == 200
    )
    forged = client.post(f"/bank/sim/fingerprint/{called.pk}/").json()
    forged["signature"] = "0" * 64
    response = client.post(f"/bank/a/{called.pk}/authorise/", forged, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "fingerprint_invalid"
    garbage = client.post(f"/bank/a/{called.pk}/authorise/", b"{", content_type="application/json")
    assert garbage.status_code == 403
    genuine = client.post(f"/bank/sim/fingerprint/{called.pk}/").json()
    assert (
        client.post(f"/bank/a/{called.pk}/authorise/", genuine, content_type="application/json").status_code
        == 200
    )


def test_it_refuses_a_second_pad_calling_the_same_member(personas, called):
    from gonghui.accounts.models import User
    from gonghui.cards import actions
    from gonghui.cards.tests.helpers import branch

    other = User.objects.create_user("gaoli2", password="x-Long-enough-2026", display_name="第二台")
    other.role_assignments.create(
        unit=personas.unit("BJ-TZ"), role="BANK_OPERATOR", granted_at=called.submitted_at
    )
    actions.do_assign_branch_operator(acting_user=personas.city_admin, branch=branch("BOB-TZ"), user=other)
    response = personas.client(other).post(f"/bank/a/{called.pk}/call/", follow=True)
    assert response.redirect_chain[-1][0] == "/bank/"
    assert "已被其他终端叫号" in response.content.decode()
    called.refresh_from_db()
    assert called.called_by == personas.bank_operator


def test_it_loads_a_batch_and_voids_a_card_on_the_branch_page(personas):
    client = personas.client(personas.bank_operator)
    page = client.get("/bank/branch/")
    assert page.status_code == 200 and "通州支行1号卡箱" in page.content.decode()
    stock = page.context["stocks"][0]
    numbers = "\n".join(sequential_card_numbers(bin_prefix="621468", start=555_000, count=5))
    response = client.post(
        f"/bank/branch/stocks/{stock.pk}/load/", {"numbers": numbers, "batch": "B-7"}, follow=True
    )
    assert "已向卡箱装入5张卡" in response.content.decode()
    bad = client.post(f"/bank/branch/stocks/{stock.pk}/load/", {"numbers": "1234"}, follow=True)
    assert "不是本行的有效卡号" in bad.content.decode()
    first = numbers.splitlines()[0]
    client.post("/bank/branch/void/", {"number": first, "reason": "芯片损坏"})
    assert CardBlank.objects.get(batch="B-7", last4=first[-4:]).status == "VOID"
    lucheng_box = CardBlank.objects.filter(stock__branch__code="BOB-LC").first()
    assert lucheng_box is not None
    assert (
        client.post(f"/bank/branch/stocks/{lucheng_box.stock_id}/load/", {"numbers": numbers}).status_code
        == 404
    )


def test_it_lets_officers_apply_in_bulk_and_follow_the_status(personas):
    enrol(personas, 2)
    enrol(personas, 3)
    client = personas.client(personas.chair)
    union = personas.unit("BJ-TZ-YS-YR")
    response = client.post("/cards/bulk/", {"union": union.pk}, follow=True)
    assert "已创建2份申请" in response.content.decode()
    page = client.get("/cards/?status=ROUTED").content.decode()
    assert "已分派网点" in page and "北京银行通州支行" in page
    application = CardApplication.objects.first()
    assert application is not None
    detail = client.get(f"/cards/{application.pk}/")
    assert detail.status_code == 200
    from gonghui.cards.tests.helpers import branch

    client.post(f"/cards/{application.pk}/", {"branch": branch("BOB-LC").pk})
    application.refresh_from_db()
    assert application.branch == branch("BOB-LC")
    assert client.get("/cards/99999999999999999999/").status_code == 404


def test_it_lets_a_district_officer_issue_and_revoke_partner_keys(personas):
    from gonghui.cards.models import PartnerKey
    from gonghui.cards.tests.helpers import branch

    client = personas.client(personas.tongzhou_officer)
    page = client.get("/cards/branches/").content.decode()
    assert "北京银行通州支行" in page and "北京银行潞城支行" in page
    response = client.post(f"/cards/branches/{branch('BOB-TZ').pk}/keys/new/")
    assert response["Cache-Control"] == "no-store"
    key = PartnerKey.objects.filter(branch=branch("BOB-TZ")).order_by("-pk").first()
    assert key is not None and key.secret in response.content.decode()
    assert key.secret not in client.get("/cards/branches/").content.decode()
    client.post(f"/cards/keys/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None
    # A union chair manages no branch; 海淀 sees none of 通州's.
    assert "北京银行" not in personas.client(personas.chair).get("/cards/branches/").content.decode()
    haidian = personas.client(personas.haidian_officer)
    assert haidian.post(f"/cards/branches/{branch('BOB-TZ').pk}/keys/new/").status_code == 404


def test_it_lets_an_officer_report_a_card_lost_from_the_console(personas):
    from gonghui.cards import actions
    from gonghui.cards.tests.helpers import walk_to_authorised

    application = walk_to_authorised(apply(personas, enrol(personas, 9)), personas.bank_operator)
    actions.do_issue_card(acting_user=personas.bank_operator, application=application)
    client = personas.client(personas.chair)
    assert "挂失" in client.get(f"/cards/{application.pk}/").content.decode()
    response = client.post(f"/cards/{application.pk}/lost/", follow=True)
    assert "补卡" in response.content.decode()
    assert CardApplication.objects.filter(source="REPLACEMENT", status="ROUTED").count() == 1


def test_it_lets_an_officer_find_one_member_and_apply(personas):
    membership = enrol(personas, 11)
    client = personas.client(personas.chair)
    page = client.post("/cards/", {"member": membership.person.name}).content.decode()
    assert membership.person.name in page and f"/cards/member/{membership.pk}/apply/" in page
    client.post(f"/cards/member/{membership.pk}/apply/")
    assert CardApplication.objects.get().source == "OFFICER"
    page = client.post("/cards/", {"member": membership.person.name}).content.decode()
    assert f"/cards/member/{membership.pk}/apply/" not in page
    # 海淀's officer does not find 通州's member.
    other = personas.client(personas.haidian_officer).post("/cards/", {"member": membership.person.name})
    assert "未找到" in other.content.decode()


def test_it_finds_a_member_by_resident_id_through_the_posted_search_only(personas):
    membership = enrol(personas, 12)
    client = personas.client(personas.chair)
    page = client.post("/cards/", {"member": membership.person.resident_id}).content.decode()
    assert f"/cards/member/{membership.pk}/apply/" in page
    assert client.get("/cards/", {"member": membership.person.resident_id}).status_code == 400
