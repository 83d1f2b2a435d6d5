"""The SMS gateway interface: the outbox stores what it "sends", encrypted; sending waits for the commit;
the backend comes from settings; a failing provider does not break the request that queued the message."""

import logging

import pytest
from django.db import connection, transaction

from gonghui.core import sms
from gonghui.core.models import SmsMessage
from gonghui.core.pii import blind_index

PHONE = "13812345678"
sent_by_fake: list[tuple[str, str]] = []


class FakeProviderGateway:
    """What a real provider's class looks like to gonghui: the same one method."""

    def send(self, *, phone: str, text: str) -> str:
        sent_by_fake.append((phone, text))
        return "fake-1"


class BrokenGateway:
    def send(self, *, phone: str, text: str) -> str:
        raise ConnectionError("provider down")


class NotAGateway:
    pass


@pytest.mark.django_db
def test_it_stores_outbox_messages_encrypted_and_findable_by_phone():
    message_id = sms.OutboxGateway().send(phone=PHONE, text="验证码 123456")
    message = SmsMessage.objects.get(message_id=message_id)
    assert (message.phone, message.text) == (PHONE, "验证码 123456")
    assert message.phone_index == blind_index(PHONE, purpose="phone")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, text FROM core_smsmessage WHERE id = %s", [message.pk])
        raw_phone, raw_text = cursor.fetchone()
    assert PHONE not in raw_phone and "123456" not in raw_text
    assert PHONE not in str(message) and "123456" not in str(message)


@pytest.mark.django_db
def test_it_sends_only_after_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        sms.send_sms_on_commit(phone=PHONE, text="验证码 654321")
        assert not SmsMessage.objects.exists()  # nothing leaves while the transaction is open
    assert len(callbacks) == 1
    assert SmsMessage.objects.get().text == "验证码 654321"


@pytest.mark.django_db
def test_it_sends_nothing_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sms.send_sms_on_commit(phone=PHONE, text="验证码 111111")
        raise RuntimeError("the write failed")
    assert callbacks == []
    assert not SmsMessage.objects.exists()


@pytest.mark.django_db
def test_it_uses_the_backend_named_in_settings(settings, django_capture_on_commit_callbacks):
    settings.GONGHUI_SMS_BACKEND = f"{__name__}.FakeProviderGateway"
    sent_by_fake.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sms.send_sms_on_commit(phone=PHONE, text="hello")
    assert sent_by_fake == [(PHONE, "hello")]
    assert not SmsMessage.objects.exists()


def test_it_defaults_to_the_outbox(settings):
    del settings.GONGHUI_SMS_BACKEND
    assert isinstance(sms.get_gateway(), sms.OutboxGateway)


def test_it_refuses_a_backend_without_send(settings):
    settings.GONGHUI_SMS_BACKEND = f"{__name__}.NotAGateway"
    with pytest.raises(TypeError, match="GONGHUI_SMS_BACKEND"):
        sms.get_gateway()


def test_a_failing_provider_is_logged_without_the_number_or_text(settings, caplog):
    settings.GONGHUI_SMS_BACKEND = f"{__name__}.BrokenGateway"
    with caplog.at_level(logging.ERROR, logger="gonghui.core.sms"):
        assert sms.deliver(phone=PHONE, text="验证码 222222") is None
    assert "SMS gateway failed" in caplog.text
    assert PHONE not in caplog.text and "222222" not in caplog.text


def test_the_outbox_page_shows_masked_numbers_to_the_city_admin_only(personas):
    sms.OutboxGateway().send(phone=PHONE, text="您的工会入会验证码为123456")
    page = personas.client(personas.city_admin).get("/join/sms-outbox/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "138****5678" in html and PHONE not in html and "123456" in html
    # Live codes: a district officer or a union chair does not even learn the page exists.
    assert personas.client(personas.tongzhou_officer).get("/join/sms-outbox/").status_code == 404
    assert personas.client(personas.chair).get("/join/sms-outbox/").status_code == 404
