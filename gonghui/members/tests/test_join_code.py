"""Phone verification for self-service enrolment: the code goes out after commit, the limits hold, and a
wrong, expired or over-tried code is refused with its own code."""

import datetime
import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from gonghui.core.models import AuditEvent, PhoneCode, SmsMessage
from gonghui.members import join
from gonghui.members.models import JoinLink

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    # The per-IP counters live in the (per-process) cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def link(personas) -> JoinLink:
    return join.do_create_join_link(acting_user=personas.chair, union=personas.unit("BJ-TZ-YS-YR"))


def send(link, phone=PHONE, now=None, capture=None):  # type: ignore[no-untyped-def]
    return join.do_send_join_code(link=link, phone=phone, now=now)


def last_code() -> str:
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", SmsMessage.objects.order_by("-pk").first().text)  # type: ignore[union-attr]
    assert match is not None
    return match.group(1)


def test_the_outbox_receives_the_code_after_commit(link, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        verification = send(link, phone="138 1234 5678")
    assert not SmsMessage.objects.exists()  # queued, not sent, until the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()
    message = SmsMessage.objects.get()
    assert message.phone == PHONE
    code = last_code()
    assert len(code) == 6 and "10" in message.text
    # Only a keyed hash of the code is stored, and the verification expires in 10 minutes.
    assert code not in verification.code_hash
    assert verification.expires_at - verification.created_at == datetime.timedelta(minutes=10)


def test_it_allows_one_code_a_minute_and_five_an_hour_per_phone(link):
    start = timezone.now()
    send(link, now=start)
    with pytest.raises(join.JoinCodeTooSoon) as too_soon:
        send(link, now=start + datetime.timedelta(seconds=30))
    assert too_soon.value.status == 429 and "30" in too_soon.value.message
    for minute in range(1, 5):
        send(link, now=start + datetime.timedelta(minutes=minute))
    with pytest.raises(join.JoinCodeHourlyLimit):
        send(link, now=start + datetime.timedelta(minutes=6))
    # Another number is not held up, and the first may ask again once the hour has passed.
    send(link, phone="13912345678", now=start + datetime.timedelta(minutes=6))
    send(link, now=start + datetime.timedelta(minutes=61))
    assert PhoneCode.objects.count() == 7


def test_the_per_phone_limit_spans_links(personas, link):
    other = join.do_create_join_link(acting_user=personas.chair, union=personas.unit("BJ-TZ-YS-YR"))
    send(link)
    with pytest.raises(join.JoinCodeTooSoon):
        send(other)


def test_it_accepts_the_right_code_once(link, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(link)
    ticket = join.do_verify_join_code(link=link, phone=PHONE, code=last_code())
    assert join.verified_phone_for(link=link, ticket=ticket) == PHONE
    with pytest.raises(join.JoinCodeUsed):
        join.do_verify_join_code(link=link, phone=PHONE, code=last_code())


def test_it_refuses_a_wrong_code_and_counts_the_try(link, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(link)
    wrong = f"{(int(last_code()) + 1) % 1_000_000:06d}"
    with pytest.raises(join.JoinCodeWrong) as error:
        join.do_verify_join_code(link=link, phone=PHONE, code=wrong)
    assert error.value.code == "join_code_wrong" and "4" in error.value.message
    # The failed call still counted: the try is stored although the call raised.
    assert PhoneCode.objects.get().attempts == 1
    assert AuditEvent.objects.filter(event_type="join_code_rejected").count() == 1


def test_it_refuses_after_five_wrong_codes_even_the_right_one(link, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(link)
    right = last_code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(4):
        with pytest.raises(join.JoinCodeWrong):
            join.do_verify_join_code(link=link, phone=PHONE, code=wrong)
    with pytest.raises(join.JoinCodeTooManyAttempts):
        join.do_verify_join_code(link=link, phone=PHONE, code=wrong)
    with pytest.raises(join.JoinCodeTooManyAttempts) as error:
        join.do_verify_join_code(link=link, phone=PHONE, code=right)
    assert error.value.code == "join_code_too_many_attempts"
    assert PhoneCode.objects.get().verified_at is None


def test_it_refuses_an_expired_code(link, django_capture_on_commit_callbacks):
    start = timezone.now() - datetime.timedelta(minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        send(link, now=start)
    with pytest.raises(join.JoinCodeExpired) as error:
        join.do_verify_join_code(link=link, phone=PHONE, code=last_code())
    assert error.value.code == "join_code_expired"


def test_only_the_newest_code_counts(link, django_capture_on_commit_callbacks):
    start = timezone.now() - datetime.timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        send(link, now=start)
    first = last_code()
    with django_capture_on_commit_callbacks(execute=True):
        send(link, now=start + datetime.timedelta(seconds=61))
    second = last_code()
    if first != second:
        with pytest.raises(join.JoinCodeWrong):
            join.do_verify_join_code(link=link, phone=PHONE, code=first)
    assert join.do_verify_join_code(link=link, phone=PHONE, code=second)


def test_it_names_the_problem_with_a_missing_or_malformed_code(link):
    with pytest.raises(join.JoinCodeNotSent):
        join.do_verify_join_code(link=link, phone=PHONE, code="123456")
    with pytest.raises(join.JoinCodeFormat):
        join.do_verify_join_code(link=link, phone=PHONE, code="12345")
    with pytest.raises(join.JoinCodeRequired):
        join.do_verify_join_code(link=link, phone=PHONE, code="")


def test_each_step_writes_one_audit_event_without_the_phone(link, django_capture_on_commit_callbacks):
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        send(link)
    assert AuditEvent.objects.count() == before + 1
    join.do_verify_join_code(link=link, phone=PHONE, code=last_code())
    assert AuditEvent.objects.count() == before + 2
    for event in AuditEvent.objects.filter(event_type__startswith="join_code"):
        assert PHONE not in json.dumps([event.details, event.object_label, event.changed_fields])
        assert event.actor is None and event.unit == link.union


def test_the_api_sends_and_verifies(link, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/api/v1/join/{link.token}/send-code",
            json.dumps({"phone": PHONE}),
            content_type="application/json",
        )
    assert sent.status_code == 202 and sent.json()["resend_after_seconds"] == 60
    again = client.post(
        f"/api/v1/join/{link.token}/send-code", json.dumps({"phone": PHONE}), content_type="application/json"
    )
    assert again.status_code == 429 and again.json()["code"] == "join_code_too_soon"
    bad_phone = client.post(
        f"/api/v1/join/{link.token}/send-code",
        json.dumps({"phone": "12345"}),
        content_type="application/json",
    )
    assert bad_phone.status_code == 400 and bad_phone.json()["code"] == "phone_invalid"
    verified = client.post(
        f"/api/v1/join/{link.token}/verify",
        json.dumps({"phone": PHONE, "code": last_code()}),
        content_type="application/json",
    )
    assert verified.status_code == 200 and verified.json()["ticket"]
    unknown = client.post(
        "/api/v1/join/not-a-token/send-code", json.dumps({"phone": PHONE}), content_type="application/json"
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "join_link_not_found"


def test_one_address_cannot_fire_codes_at_many_numbers(link):
    client = Client()
    limit, _window = join.IP_SEND_LIMIT
    codes = []
    for n in range(limit + 1):
        response = client.post(
            f"/api/v1/join/{link.token}/send-code",
            json.dumps({"phone": f"139{n:08d}"}),
            content_type="application/json",
        )
        codes.append(response.status_code)
    assert codes[:limit] == [202] * limit
    assert codes[limit] == 429
    assert PhoneCode.objects.count() == limit
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.1.2.3").post(
        f"/api/v1/join/{link.token}/send-code", json.dumps({"phone": PHONE}), content_type="application/json"
    )
    assert other.status_code == 202
