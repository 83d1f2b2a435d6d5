"""The member's own page: SMS code to the stored number, then status and applying."""

import re

import pytest
from django.test import Client

from gonghui.cards.models import CardApplication
from gonghui.cards.tests.helpers import enrol
from gonghui.core.models import PhoneCode, SmsMessage
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


def test_it_refuses_a_malformed_number(personas):
    # A form error, before any code exists: a well-formed number that is no member's also texts nobody,
    # but it is answered "a code is on its way" and leaves a code row.
    response = Client().post("/cards/self/", {"phone": "12345", "step": "send"})
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    # A control character never reaches the form: the door refuses the request.
    assert Client().post("/cards/self/", {"phone": "1390000\x007777", "step": "send"}).status_code == 400
    assert not PhoneCode.objects.exists()
    assert not SmsMessage.objects.exists()


def test_it_limits_codes_per_address_whatever_the_numbers(personas, django_capture_on_commit_callbacks):
    """35 of 35 codes asked from one address went out; now the address's tenth an hour is the last."""
    from gonghui.cards.selfservice import ADDRESS_SENDS_PER_HOUR

    for n in range(ADDRESS_SENDS_PER_HOUR):
        enrol(personas, 100 + n, phone=f"139100{n:05d}")
    client = Client(REMOTE_ADDR="203.0.113.50")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(ADDRESS_SENDS_PER_HOUR):
            response = client.post("/cards/self/", {"phone": f"139100{n:05d}", "step": "send"})
            assert "如果该号码属于工会会员" in response.content.decode(), n
        refused = client.post("/cards/self/", {"phone": "13910099999", "step": "send"})
    assert "网络" in refused.content.decode()
    assert SmsMessage.objects.count() == ADDRESS_SENDS_PER_HOUR
    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="198.51.100.7").post("/cards/self/", {"phone": "13910099999", "step": "send"})
    assert "如果该号码属于工会会员" in other.content.decode()


def test_it_limits_codes_per_address_per_day(personas):
    import datetime

    from django.utils import timezone

    from gonghui.cards import selfservice
    from gonghui.core.errors import DomainError

    start = timezone.now() - datetime.timedelta(hours=20)
    for n in range(selfservice.ADDRESS_SENDS_PER_DAY):
        # Spread over the day, under the hourly limit.
        at = start + datetime.timedelta(minutes=30 * n)
        selfservice.do_send_card_self_code(phone=f"139200{n:05d}", address="203.0.113.51", now=at)
    with pytest.raises(DomainError) as refused:
        selfservice.do_send_card_self_code(phone="13920099999", address="203.0.113.51")
    assert refused.value.code == "code_address_limit"


def test_it_limits_codes_per_number_per_day(personas):
    import datetime

    from django.utils import timezone

    from gonghui.cards import selfservice
    from gonghui.core.errors import DomainError

    start = timezone.now() - datetime.timedelta(hours=20)
    for n in range(selfservice.SENDS_PER_DAY):
        selfservice.do_send_card_self_code(
            phone=PHONE, address=f"10.0.0.{n}", now=start + datetime.timedelta(hours=n * 2)
        )
    with pytest.raises(DomainError) as refused:
        selfservice.do_send_card_self_code(phone=PHONE, address="10.0.1.1")
    assert refused.value.code == "code_daily_limit"
