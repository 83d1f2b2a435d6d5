"""Proving a mobile number by SMS code, written once for every flow that needs it (the QR join page in
members/join.py, the card self-service page in cards/selfservice.py).

The mechanics live here: a fresh 6-digit code per request, only a keyed hash of it stored, the message
queued for after commit (core/sms.py), per number one code a `resend_interval`, `sends_per_hour` an
hour and `sends_per_day` a day, per asking address `address_sends_per_hour` and `address_sends_per_day`
(a text costs money and can harass: one address must not text 35 numbers), all counted in the database,
so exact across processes and restarts; a code dies after `code_ttl` or
`max_attempts` wrong tries, and a right code turns into a ticket (kept as a hash) that vouches for the
number within its purpose and scope for `ticket_ttl`, and can be spent once.

What stays in each flow is its policy and its words: which error (code, message) answers each refusal,
which extra limits apply (per poster, per address), whether the page answers neutrally, which audit
event is written and what a ticket lets through. So refusals here are `CodeRefused` with a `Refusal`
reason, not DomainErrors: the flow translates them into its own.
"""

import datetime
import enum
import hmac
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from gonghui.core.models import PhoneCode
from gonghui.core.phones import normalise_phone
from gonghui.core.pii import blind_index, secret_digest
from gonghui.core.sms import send_sms_on_commit
from gonghui.core.text import to_half_width

Purpose = PhoneCode.Purpose


@dataclass(frozen=True)
class CodeRules:
    purpose: PhoneCode.Purpose
    code_ttl: datetime.timedelta = datetime.timedelta(minutes=10)
    ticket_ttl: datetime.timedelta = datetime.timedelta(minutes=30)
    resend_interval: datetime.timedelta = datetime.timedelta(seconds=60)
    sends_per_hour: int = 5
    sends_per_day: int = 10
    # Per asking address; None = the flow keeps no such limit.
    address_sends_per_hour: int | None = None
    address_sends_per_day: int | None = None
    max_attempts: int = 5


class Refusal(enum.StrEnum):
    # Sending
    TOO_SOON = "TOO_SOON"
    HOURLY_LIMIT = "HOURLY_LIMIT"
    DAILY_LIMIT = "DAILY_LIMIT"
    ADDRESS_LIMIT = "ADDRESS_LIMIT"
    # Checking: nothing written for these ...
    REQUIRED = "REQUIRED"
    FORMAT = "FORMAT"
    NOT_SENT = "NOT_SENT"
    USED = "USED"
    EXPIRED = "EXPIRED"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    # ... and a wrong code, which is counted (and may use up the last try: then TOO_MANY_ATTEMPTS).
    WRONG = "WRONG"


class CodeRefused(Exception):
    """Why a code was not sent. Each flow maps it to its own DomainError."""

    def __init__(self, refusal: Refusal, *, wait_seconds: int = 0) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class CheckResult:
    """What a check did. `record` is the row that was written (a counted wrong try or the verified code)
    — the flow writes its audit event for it — and None when nothing was."""

    ticket: str | None = None
    refusal: Refusal | None = None
    record: PhoneCode | None = None
    attempts_left: int = 0


def _code_hash(rules: CodeRules, scope: str, phone: str, code: str) -> str:
    # Keyed (the blind-index key is not in the database): a leaked table does not give the codes away,
    # as a plain hash of one of a million values would. Purpose and scope are in it, so a code is no
    # good anywhere else.
    return blind_index(f"{rules.purpose}\x00{scope}\x00{phone}\x00{code}", purpose="phone_code")


def _ticket_hash(ticket: str) -> str:
    return secret_digest(ticket)


def _require_transaction() -> None:
    # The limits are read and the row written in the caller's transaction (with its audit event).
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("phone_codes must run inside the calling action's transaction")


def sent_since(rules: CodeRules, *, scope: str, since: datetime.datetime) -> int:
    """Codes sent in this purpose and scope since `since` (a flow's own ceiling, e.g. per poster)."""
    return PhoneCode.objects.filter(purpose=rules.purpose, scope=scope, created_at__gt=since).count()


def issue_code(
    *,
    rules: CodeRules,
    phone: str,
    now: datetime.datetime,
    text: Callable[[str], str] | None,
    scope: str = "",
    address: str = "",
    before_create: Callable[[], None] | None = None,
) -> PhoneCode:
    """A new code for `phone` (the newest code for a number is the one that counts); texted after commit
    when `text` (code → message) is given — a flow that answers neutrally passes None for a number it
    will not text (the request still counts against the limits). `address` is the asking client's
    (core/http.py client_ip). `before_create` runs the flow's own limits after these. Raises
    CodeRefused(TOO_SOON / HOURLY_LIMIT / DAILY_LIMIT / ADDRESS_LIMIT). Runs inside the caller's
    durable action."""
    _require_transaction()
    phone = normalise_phone(phone, field="phone")
    past_day = PhoneCode.objects.filter(
        purpose=rules.purpose,
        phone_index=blind_index(phone, purpose="phone"),
        created_at__gt=now - datetime.timedelta(days=1),
    )
    # Locking the number's recent rows serialises two taps of the button for the same number.
    last = past_day.select_for_update().order_by("-created_at", "-pk").first()
    if last is not None and now - last.created_at < rules.resend_interval:
        wait = rules.resend_interval - (now - last.created_at)
        raise CodeRefused(Refusal.TOO_SOON, wait_seconds=max(1, math.ceil(wait.total_seconds())))
    if past_day.filter(created_at__gt=now - datetime.timedelta(hours=1)).count() >= rules.sends_per_hour:
        raise CodeRefused(Refusal.HOURLY_LIMIT)
    if past_day.count() >= rules.sends_per_day:
        raise CodeRefused(Refusal.DAILY_LIMIT)
    address_key = blind_index(address, purpose="phone_code_address") if address else ""
    if address_key:
        from_address = PhoneCode.objects.filter(purpose=rules.purpose, address_key=address_key)
        for limit, window in (
            (rules.address_sends_per_hour, datetime.timedelta(hours=1)),
            (rules.address_sends_per_day, datetime.timedelta(days=1)),
        ):
            if limit is not None and from_address.filter(created_at__gt=now - window).count() >= limit:
                raise CodeRefused(Refusal.ADDRESS_LIMIT)
    if before_create is not None:
        before_create()
    code = f"{secrets.randbelow(10**6):06d}"
    record = PhoneCode.objects.create(
        purpose=rules.purpose,
        scope=scope,
        phone=phone,
        code_hash=_code_hash(rules, scope, phone, code),
        address_key=address_key,
        created_at=now,
        expires_at=now + rules.code_ttl,
    )
    if text is not None:
        send_sms_on_commit(phone=phone, text=text(code))
    return record


@transaction.atomic(durable=True)
def check_code(
    *,
    rules: CodeRules,
    phone: str,
    code: str,
    now: datetime.datetime,
    audit: Callable[[CheckResult], None],
    scope: str = "",
) -> CheckResult:
    """Check `code` against the newest code sent to `phone` in this purpose and scope.

    Its own durable transaction, and it returns a refusal instead of raising it: a wrong code must
    count against the tries even though the call fails, so the count (with the flow's audit event,
    written by `audit` when `record` is set) commits and the flow raises its error afterwards."""
    phone = normalise_phone(phone, field="phone")
    code = re.sub(r"\s", "", to_half_width(code or ""))
    if not code:
        return CheckResult(refusal=Refusal.REQUIRED)
    if not re.fullmatch(r"\d{6}", code):
        return CheckResult(refusal=Refusal.FORMAT)
    record = (
        PhoneCode.objects.select_for_update()
        .filter(purpose=rules.purpose, scope=scope, phone_index=blind_index(phone, purpose="phone"))
        .order_by("-created_at", "-pk")
        .first()
    )
    if record is None:
        return CheckResult(refusal=Refusal.NOT_SENT)
    if record.verified_at is not None:
        return CheckResult(refusal=Refusal.USED)
    if record.attempts >= rules.max_attempts:
        return CheckResult(refusal=Refusal.TOO_MANY_ATTEMPTS)
    if record.expires_at <= now:
        return CheckResult(refusal=Refusal.EXPIRED)
    if not hmac.compare_digest(record.code_hash, _code_hash(rules, scope, phone, code)):
        record.attempts += 1
        record.save(update_fields=["attempts"])
        left = rules.max_attempts - record.attempts
        result = CheckResult(
            refusal=Refusal.WRONG if left > 0 else Refusal.TOO_MANY_ATTEMPTS,
            record=record,
            attempts_left=max(0, left),
        )
    else:
        ticket = secrets.token_urlsafe(24)
        record.verified_at = now
        record.ticket_hash = _ticket_hash(ticket)
        record.save(update_fields=["verified_at", "ticket_hash"])
        result = CheckResult(ticket=ticket, record=record)
    audit(result)
    return result


def _tickets(rules: CodeRules, ticket: str, scope: str) -> QuerySet[PhoneCode]:
    return PhoneCode.objects.filter(purpose=rules.purpose, scope=scope, ticket_hash=_ticket_hash(ticket))


def ticket_phone(*, rules: CodeRules, ticket: str, now: datetime.datetime, scope: str = "") -> str | None:
    """The number an unspent ticket vouches for in this purpose and scope, while it is valid."""
    if not ticket:
        return None
    record = (
        _tickets(rules, ticket, scope)
        .filter(verified_at__gt=now - rules.ticket_ttl, ticket_used_at__isnull=True)
        .first()
    )
    return record.phone if record is not None else None


def ticket_valid_until(*, rules: CodeRules, ticket: str, scope: str = "") -> datetime.datetime | None:
    record = _tickets(rules, ticket, scope).first() if ticket else None
    if record is None or record.verified_at is None:
        return None
    return record.verified_at + rules.ticket_ttl


def spend_ticket(*, rules: CodeRules, ticket: str, now: datetime.datetime, scope: str = "") -> bool:
    """Mark the ticket used; False if it is unknown, expired or already spent. A conditional UPDATE, so
    two requests racing with one ticket cannot both spend it."""
    if not ticket:
        return False
    return bool(
        _tickets(rules, ticket, scope)
        .filter(verified_at__gt=now - rules.ticket_ttl, ticket_used_at__isnull=True)
        .update(ticket_used_at=now)
    )


def release_ticket(*, rules: CodeRules, ticket: str, scope: str = "") -> None:
    """Give a spent ticket back (the flow's action was refused, so the person may correct and retry)."""
    if ticket:
        _tickets(rules, ticket, scope).update(ticket_used_at=None)
