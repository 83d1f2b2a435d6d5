"""The member's own page: SMS code to the stored number, then status and applying."""

import re

import pytest
from django.test import Client

from gonghui.cards.models import CardApplication
from gonghui.cards.tests.helpers import enrol
from gonghui.core.models import SmsMessage
from gonghui.members.models import EmploymentStatus

PHONE = "13900007777"


def code_from_outbox() -> str:
    message = SmsMessage.objects.order_by("-pk").first()
    assert message is not None
    match = re.search(r"(\d{6})", message.text)
    assert match is not None
    return match.group(1)


def test_it_lets_a_member_see_their_status_and_apply(personas, django_capture_on_commit_callbacks):
    membership = enrol(personas, 1, phone=PHONE)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/cards/self/", {"phone": PHONE, "step": "send"})
    assert "验证码" in response.content.decode()
    wrong = client.post("/cards/self/", {"phone": PHONE, "code": "000000", "step": "verify"})
    assert "验证码错误" in wrong.content.decode()
    client.post("/cards/self/", {"phone": PHONE, "code": code_from_outbox(), "step": "verify"})
    page = client.get("/cards/self/").content.decode()
    assert membership.person.name in page and "申请互助服务卡" in page
    client.post(f"/cards/self/{membership.pk}/apply/")
    application = CardApplication.objects.get()
    assert application.source == "SELF_SERVICE" and application.status == "ROUTED"
    assert "已分派网点" in client.get("/cards/self/").content.decode()


def test_it_gives_an_unknown_number_the_same_answer_and_no_text(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/cards/self/", {"phone": "13900008888", "step": "send"})
    assert "如果该号码属于工会会员" in response.content.decode()
    assert not SmsMessage.objects.exists()


def test_it_limits_codes_per_number(personas):
    enrol(personas, 2, phone=PHONE)
    client = Client()
    client.post("/cards/self/", {"phone": PHONE, "step": "send"})
    again = client.post("/cards/self/", {"phone": PHONE, "step": "send"})
    assert "请稍候" in again.content.decode()


def test_it_tells_a_retired_member_why(personas, django_capture_on_commit_callbacks):
    membership = enrol(personas, 3, phone=PHONE, employment_status=EmploymentStatus.RETIRED)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/cards/self/", {"phone": PHONE, "step": "send"})
    client.post("/cards/self/", {"phone": PHONE, "code": code_from_outbox(), "step": "verify"})
    response = client.post(f"/cards/self/{membership.pk}/apply/", follow=True)
    assert "不向退休会员发放" in response.content.decode()
    assert not CardApplication.objects.exists()


def test_it_shows_and_applies_nothing_without_a_verified_number(personas):
    membership = enrol(personas, 4, phone=PHONE)
    client = Client()
    assert membership.person.name not in client.get("/cards/self/").content.decode()
    client.post(f"/cards/self/{membership.pk}/apply/")
    assert not CardApplication.objects.exists()


@pytest.mark.parametrize("phone", ["12345", "1390000\x007777"])
def test_it_refuses_a_malformed_number(personas, phone):
    response = Client().post("/cards/self/", {"phone": phone, "step": "send"})
    assert response.status_code in (200, 400)
    assert not SmsMessage.objects.exists()
