"""The member's own card page's writes: a code texted to a member's number, and its check. Limits as for
the join page, counted in the database: per number one code a minute, five an hour and ten a day; per
asking address ten an hour and thirty a day (the page texts only members, but a text costs money and can
harass, and the answer must not depend on membership, so every request counts); ten minutes per code,
five tries. The code mechanics are shared with the join page in gonghui/core/phone_codes.py."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.core import phone_codes
from gonghui.core.audit import record_event
from gonghui.core.errors import DomainError, InvalidInput
from gonghui.core.phones import normalise_phone
from gonghui.core.pii import blind_index
from gonghui.members.models import Membership

CODE_TTL = datetime.timedelta(minutes=10)
TICKET_TTL = datetime.timedelta(minutes=30)
RESEND_INTERVAL = datetime.timedelta(seconds=60)
SENDS_PER_HOUR = 5
SENDS_PER_DAY = 10
ADDRESS_SENDS_PER_HOUR = 10
ADDRESS_SENDS_PER_DAY = 30
MAX_ATTEMPTS = 5

# The mechanics are core/phone_codes.py; this page's policy is the neutral answer (every refusal of a
# code is the same CodeWrong, and a number that is not a member's gets no text but the same reply) and a
# ticket that only lets the holder read and apply for their own card, for as long as it lives.
RULES = phone_codes.CodeRules(
    purpose=phone_codes.Purpose.CARD_SELF,
    code_ttl=CODE_TTL,
    ticket_ttl=TICKET_TTL,
    resend_interval=RESEND_INTERVAL,
    sends_per_hour=SENDS_PER_HOUR,
    sends_per_day=SENDS_PER_DAY,
    address_sends_per_hour=ADDRESS_SENDS_PER_HOUR,
    address_sends_per_day=ADDRESS_SENDS_PER_DAY,
    max_attempts=MAX_ATTEMPTS,
)


class CodeTooSoon(DomainError):
    code = "code_too_soon"
    default_message = _("A code was sent less than a minute ago; wait a moment before asking again.")
    status = 429


class CodeHourlyLimit(DomainError):
    code = "code_hourly_limit"
    default_message = _("Too many codes for this number in the last hour; try again later.")
    status = 429


class CodeDailyLimit(DomainError):
    code = "code_daily_limit"
    default_message = _("Too many codes for this number today; try again tomorrow.")
    status = 429


class CodeAddressLimit(DomainError):
    code = "code_address_limit"
    default_message = _("Too many codes have been asked for from this network; try again later.")
    status = 429


_SEND_ERRORS: dict[phone_codes.Refusal, type[DomainError]] = {
    phone_codes.Refusal.TOO_SOON: CodeTooSoon,
    phone_codes.Refusal.HOURLY_LIMIT: CodeHourlyLimit,
    phone_codes.Refusal.DAILY_LIMIT: CodeDailyLimit,
    phone_codes.Refusal.ADDRESS_LIMIT: CodeAddressLimit,
}


class CodeWrong(InvalidInput):
    code = "code_wrong"
    default_message = _("The code is wrong or has expired; ask for a new one.")


def member_memberships(phone: str) -> QuerySet[Membership]:
    return Membership.objects.filter(
        person__phone_index=blind_index(phone, purpose="phone"), status=Membership.Status.ACTIVE
    ).select_related("person", "union")


@transaction.atomic(durable=True)
def do_send_card_self_code(*, phone: str, address: str = "", now: datetime.datetime | None = None) -> None:
    """`address`: the asking client's (core/http.py client_ip), for the per-address limits."""
    now = now or timezone.now()
    phone = normalise_phone(phone, field="phone")

    def text(code: str) -> str:
        with translation.override("zh-hans"):
            return gettext("Your code for the union service card page is %(code)s, valid for 10 minutes.") % {
                "code": code
            }

    try:
        # Texted only to a member's stored number; the page says the same either way.
        check = phone_codes.issue_code(
            rules=RULES,
            phone=phone,
            now=now,
            address=address,
            text=text if member_memberships(phone).exists() else None,
        )
    except phone_codes.CodeRefused as refused:
        raise _SEND_ERRORS[refused.refusal](field="phone") from None
    record_event(acting_user=None, event_type="card_self_code_sent", obj=check, now=now)


def do_verify_card_self_code(*, phone: str, code: str, now: datetime.datetime | None = None) -> str:
    """A ticket for the verified number. A wrong code counts against the tries even though it fails, so
    the check commits first (one durable transaction, one audit event) and the error is raised after;
    every refusal reads the same."""
    now = now or timezone.now()

    def audit(result: phone_codes.CheckResult) -> None:
        verified = result.ticket is not None
        record_event(
            acting_user=None,
            event_type="card_self_code_verified" if verified else "card_self_code_rejected",
            obj=result.record,
            now=now,
        )

    result = phone_codes.check_code(rules=RULES, phone=phone, code=code, now=now, audit=audit)
    if result.ticket is None:
        raise CodeWrong(field="code")
    return result.ticket
