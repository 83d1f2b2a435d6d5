"""Who sees what: a bank operator only their branch's queue and only what opening a card needs; union
officers the status of their own subtree's applications and nothing of the bank's."""

import json

import pytest

from gonghui.accounts.models import User
from gonghui.cards import actions
from gonghui.cards.tests.helpers import apply, branch, enrol, walk_to_authorised


@pytest.fixture
def lucheng_operator(personas) -> User:
    return User.objects.get(username="luchengbank")


@pytest.fixture
def at_lucheng(personas):
    application = apply(personas, enrol(personas, 1, phone="13900003333"))
    return actions.do_route_card_application(
        acting_user=personas.chair, application=application, branch=branch("BOB-LC")
    )


@pytest.fixture
def at_tongzhou(personas):
    return apply(personas, enrol(personas, 2, phone="13900004444"))


def test_it_hides_luchengs_queue_from_an_operator_of_tongzhou(
    personas, at_lucheng, at_tongzhou, lucheng_operator
):
    client = personas.client(personas.bank_operator)
    queue = client.get("/bank/queue/")
    assert queue.status_code == 200
    text = queue.content.decode()
    assert at_tongzhou.person.name in text and at_lucheng.person.name not in text
    # Another branch's application, by id: as if it did not exist.
    for url in (f"/bank/a/{at_lucheng.pk}/", f"/bank/sim/reader/{at_lucheng.pk}/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/bank/a/{at_lucheng.pk}/call/").status_code == 404
    response = client.post(f"/bank/a/{at_lucheng.pk}/id-read/", "{}", content_type="application/json")
    assert response.status_code == 404
    at_lucheng.refresh_from_db()
    assert at_lucheng.status == "ROUTED"
    # 潞城's operator sees it, and not 通州's.
    lucheng = personas.client(lucheng_operator).get("/bank/queue/").content.decode()
    assert at_lucheng.person.name in lucheng and at_tongzhou.person.name not in lucheng


def test_it_shows_the_pad_only_what_opening_the_card_needs(personas, at_tongzhou):
    client = personas.client(personas.bank_operator)
    client.post(f"/bank/a/{at_tongzhou.pk}/call/")
    page = client.get(f"/bank/a/{at_tongzhou.pk}/").content.decode()
    person = at_tongzhou.person
    assert person.name in page
    assert "通州区总工会 / 永顺镇总工会 / 北京云锐国际文化传媒有限公司工会" in page
    # Masked on the screen; the reader comparison happens on the server.
    assert person.resident_id not in page and person.resident_id[-4:] in page
    assert "13900004444" not in page and "139****4444" in page
    for other in ("民族", "政治面貌", "户籍", "ethnicity"):
        assert other not in page


def test_it_gives_a_bank_operator_nothing_else_of_gonghui(personas, at_tongzhou):
    client = personas.client(personas.bank_operator)
    assert client.get("/api/v1/cards/applications").json()["items"] == []
    assert client.get(f"/api/v1/cards/applications/{at_tongzhou.pk}").status_code == 404
    assert client.get("/api/v1/members").json()["items"] == []
    assert client.get(f"/cards/{at_tongzhou.pk}/").status_code == 404
    # The nav's "service cards" takes an operator to the pad.
    assert client.get("/cards/")["Location"] == "/bank/"


def test_it_gives_a_login_without_a_branch_no_pad(personas):
    for user in (personas.chair, personas.city_admin, personas.outsider):
        assert personas.client(user).get("/bank/").status_code == 404


def test_it_shows_union_officers_status_only_in_their_subtree(personas, at_tongzhou):
    application = walk_to_authorised(at_tongzhou, personas.bank_operator)
    actions.do_issue_card(acting_user=personas.bank_operator, application=application)
    chair = personas.client(personas.chair)
    (item,) = chair.get("/api/v1/cards/applications").json()["items"]
    assert item["status"] == "ISSUED" and item["branch_name"] == "北京银行通州支行"
    body = json.dumps(item)
    card_number = application.card.number
    assert card_number not in body and card_number[-4:] not in body
    assert application.person.resident_id not in body
    assert "called_by" not in item and "medical_account" not in body
    page = chair.get(f"/cards/{application.pk}/").content.decode()
    assert "已发卡" in page and card_number[-4:] not in page
    # 海淀's officer: another district's application does not exist.
    haidian = personas.client(personas.haidian_officer)
    assert haidian.get(f"/api/v1/cards/applications/{application.pk}").status_code == 404
    assert haidian.get("/api/v1/cards/applications").json()["items"] == []
    assert haidian.get(f"/cards/{application.pk}/").status_code == 404


def test_it_lets_officers_create_and_reroute_through_the_api(personas):
    membership = enrol(personas, 5)
    client = personas.client(personas.chair)
    created = client.post(
        "/api/v1/cards/applications", {"membership_id": membership.pk}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["status"] == "ROUTED"
    again = client.post(
        "/api/v1/cards/applications", {"membership_id": membership.pk}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "application_open"
    routed = client.post(
        f"/api/v1/cards/applications/{created.json()['id']}/route",
        {"branch_id": branch("BOB-LC").pk},
        content_type="application/json",
    )
    assert routed.status_code == 200 and routed.json()["branch_name"] == "北京银行潞城支行"
    haidian = personas.client(personas.haidian_officer)
    refused = haidian.post(
        "/api/v1/cards/applications", {"membership_id": membership.pk}, content_type="application/json"
    )
    assert refused.status_code == 404
    bad = client.post("/api/v1/cards/applications", {"membership_id": 2**70}, content_type="application/json")
    assert bad.status_code == 422
