"""The shared phone-code service (core/phone_codes.py) on its own: limits per number and purpose, expiry,
the tries limit, tickets bound to their purpose and scope, single use. The flows' own words and limits
are tested with them (members/tests/test_join_code.py, cards/tests/test_self_service.py)."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from gonghui.core import phone_codes
from gonghui.core.models import PhoneCode, SmsMessage
from gonghui.core.phone_codes import CheckResult, CodeRefused, CodeRules, Purpose, Refusal

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
JOIN = CodeRules(purpose=Purpose.JOIN)
CARD = CodeRules(purpose=Purpose.CARD_SELF)


class Sent:
    """Issues codes and keeps what would have been texted, so a test knows the code without parsing."""

    def __init__(self) -> None:
        self.codes: list[str] = []

    def __call__(
        self, rules: CodeRules = JOIN, *, phone: str = PHONE, scope: str = "7", now: datetime.datetime
    ) -> PhoneCode:
        with transaction.atomic():
            return phone_codes.issue_code(rules=rules, phone=phone, scope=scope, now=now, text=self.text)

    def text(self, code: str) -> str:
        self.codes.append(code)
        return f"code {code}"

    @property
    def last(self) -> str:
        return self.codes[-1]


class Audit:
    def __init__(self) -> None:
        self.results: list[CheckResult] = []

    def __call__(self, result: CheckResult) -> None:
        self.results.append(result)


def check(code: str, *, now: datetime.datetime, rules: CodeRules = JOIN, scope: str = "7", audit=None):  # type: ignore[no-untyped-def]
    return phone_codes.check_code(
        rules=rules, phone=PHONE, code=code, scope=scope, now=now, audit=audit or Audit()
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_it_stores_only_hashes_and_texts_after_commit(django_capture_on_commit_callbacks):
    sent, now = Sent(), timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        record = sent(phone="138 1234 5678", now=now)
    assert record.phone == PHONE and record.purpose == Purpose.JOIN and record.scope == "7"
    assert sent.last not in record.code_hash
    assert record.expires_at - record.created_at == datetime.timedelta(minutes=10)
    assert SmsMessage.objects.get().text == f"code {sent.last}"


def test_it_texts_nothing_when_the_flow_gives_no_text(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        phone_codes.issue_code(rules=CARD, phone=PHONE, now=timezone.now(), text=None)
    assert PhoneCode.objects.count() == 1 and not SmsMessage.objects.exists()


def test_it_limits_per_number_within_a_purpose_only():
    sent, start = Sent(), timezone.now()
    sent(now=start)
    with pytest.raises(CodeRefused) as too_soon:
        sent(scope="8", now=start + datetime.timedelta(seconds=45))  # another scope: the same number
    assert too_soon.value.refusal is Refusal.TOO_SOON and too_soon.value.wait_seconds == 15
    # Another purpose counts on its own.
    sent(CARD, scope="", now=start + datetime.timedelta(seconds=45))
    for minute in range(1, 5):
        sent(now=start + datetime.timedelta(minutes=minute))
    with pytest.raises(CodeRefused) as hourly:
        sent(now=start + datetime.timedelta(minutes=6))
    assert hourly.value.refusal is Refusal.HOURLY_LIMIT
    assert phone_codes.sent_since(JOIN, scope="7", since=start - datetime.timedelta(seconds=1)) == 5


def test_the_flow_limit_runs_before_anything_is_written():
    def ceiling() -> None:
        raise RuntimeError("poster ceiling")

    with pytest.raises(RuntimeError), transaction.atomic():
        phone_codes.issue_code(rules=JOIN, phone=PHONE, now=timezone.now(), text=None, before_create=ceiling)
    assert not PhoneCode.objects.exists()


def test_an_expired_code_is_refused_and_nothing_is_counted():
    sent, now = Sent(), timezone.now()
    record = sent(now=now)
    audit = Audit()
    result = check(sent.last, now=now + datetime.timedelta(minutes=10), audit=audit)
    assert result.refusal is Refusal.EXPIRED and result.ticket is None and result.record is None
    assert audit.results == []
    record.refresh_from_db()
    assert record.attempts == 0 and record.verified_at is None


def test_malformed_and_missing_codes_are_refused_before_any_lookup():
    sent, now = Sent(), timezone.now()
    sent(now=now)
    assert check("", now=now).refusal is Refusal.REQUIRED
    assert check("12345", now=now).refusal is Refusal.FORMAT
    assert check("１２３４５６", now=now, scope="other").refusal is Refusal.NOT_SENT  # full width is read
    assert PhoneCode.objects.get().attempts == 0


def test_wrong_tries_are_counted_and_the_last_one_kills_the_code():
    sent, now = Sent(), timezone.now()
    sent(now=now)
    audit = Audit()
    lefts = [check(wrong(sent.last), now=now, audit=audit) for _ in range(5)]
    assert [r.refusal for r in lefts] == [Refusal.WRONG] * 4 + [Refusal.TOO_MANY_ATTEMPTS]
    assert [r.attempts_left for r in lefts] == [4, 3, 2, 1, 0]
    # Each counted try handed the flow the row for its audit event.
    assert [r.record.attempts for r in audit.results if r.record] == [1, 2, 3, 4, 5]
    # The right code is no good now, and trying it is not counted again.
    assert check(sent.last, now=now).refusal is Refusal.TOO_MANY_ATTEMPTS
    assert PhoneCode.objects.get().attempts == 5


def test_a_code_works_once_and_only_in_its_purpose_and_scope():
    sent, now = Sent(), timezone.now()
    sent(now=now)
    assert check(sent.last, now=now, scope="8").refusal is Refusal.NOT_SENT
    assert check(sent.last, now=now, rules=CARD, scope="7").refusal is Refusal.NOT_SENT
    audit = Audit()
    result = check(sent.last, now=now, audit=audit)
    assert result.ticket and result.refusal is None and audit.results == [result]
    assert result.ticket not in (result.record.ticket_hash or "")  # type: ignore[union-attr]
    assert check(sent.last, now=now).refusal is Refusal.USED


def test_a_ticket_is_refused_for_another_purpose_or_scope_and_after_its_time():
    sent, now = Sent(), timezone.now()
    sent(now=now)
    ticket = check(sent.last, now=now).ticket
    assert ticket is not None
    assert phone_codes.ticket_phone(rules=JOIN, ticket=ticket, scope="7", now=now) == PHONE
    assert phone_codes.ticket_phone(rules=JOIN, ticket=ticket, scope="8", now=now) is None
    assert phone_codes.ticket_phone(rules=CARD, ticket=ticket, scope="7", now=now) is None
    assert phone_codes.ticket_phone(rules=JOIN, ticket="", scope="7", now=now) is None
    assert phone_codes.ticket_phone(rules=JOIN, ticket=ticket + "x", scope="7", now=now) is None
    assert not phone_codes.spend_ticket(rules=CARD, ticket=ticket, scope="7", now=now)
    assert phone_codes.ticket_valid_until(rules=JOIN, ticket=ticket, scope="7") == now + JOIN.ticket_ttl
    assert phone_codes.ticket_valid_until(rules=JOIN, ticket=ticket, scope="8") is None
    later = now + JOIN.ticket_ttl
    assert phone_codes.ticket_phone(rules=JOIN, ticket=ticket, scope="7", now=later) is None
    assert not phone_codes.spend_ticket(rules=JOIN, ticket=ticket, scope="7", now=later)


def test_a_ticket_is_spent_once_and_can_be_given_back():
    sent, now = Sent(), timezone.now()
    sent(scope="", rules=CARD, now=now)
    ticket = check(sent.last, now=now, rules=CARD, scope="").ticket
    assert ticket is not None
    assert phone_codes.spend_ticket(rules=CARD, ticket=ticket, now=now)
    assert not phone_codes.spend_ticket(rules=CARD, ticket=ticket, now=now)
    assert phone_codes.ticket_phone(rules=CARD, ticket=ticket, now=now) is None
    phone_codes.release_ticket(rules=CARD, ticket=ticket)
    assert phone_codes.ticket_phone(rules=CARD, ticket=ticket, now=now) == PHONE


def test_the_newest_code_is_the_one_that_counts():
    sent, start = Sent(), timezone.now()
    sent(now=start)
    first = sent.last
    later = start + datetime.timedelta(minutes=2)
    sent(now=later)
    if first != sent.last:
        assert check(first, now=later).refusal is Refusal.WRONG
    assert check(sent.last, now=later).ticket


def test_the_database_refuses_a_ticket_without_a_verified_code():
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneCode.objects.create(
            purpose=Purpose.JOIN, phone=PHONE, code_hash="x", created_at=now, expires_at=now, ticket_hash="t"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneCode.objects.create(
            purpose=Purpose.JOIN,
            phone=PHONE,
            code_hash="x",
            created_at=now,
            expires_at=now,
            ticket_used_at=now,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneCode.objects.create(purpose="OTHER", phone=PHONE, code_hash="x", created_at=now, expires_at=now)
