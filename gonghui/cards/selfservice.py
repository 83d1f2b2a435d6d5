"""The member's own card page (/cards/self/): the member types their mobile number, gets a six-digit code
by SMS (only if the number is a member's stored phone — the page answers the same either way, so it
does not tell who is a member), types it, and then sees their card status and can apply.

Limits as for the join page: per number one code a minute and five an hour (counted in the database),
ten minutes per code, five tries; a verified number's ticket lives 30 minutes in the session.
"""

import datetime
import hmac
import re
import secrets
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.cards.models import Card, CardApplication, CardPhoneCheck
from gonghui.core.audit import record_event
from gonghui.core.errors import DomainError, InvalidInput
from gonghui.core.phones import normalise_phone
from gonghui.core.pii import blind_index, secret_digest
from gonghui.core.sms import send_sms_on_commit
from gonghui.core.text import to_half_width
from gonghui.members.models import Membership

CODE_TTL = datetime.timedelta(minutes=10)
TICKET_TTL = datetime.timedelta(minutes=30)
RESEND_INTERVAL = datetime.timedelta(seconds=60)
SENDS_PER_HOUR = 5
MAX_ATTEMPTS = 5


class CodeTooSoon(DomainError):
    code = "code_too_soon"
    default_message = _("A code was sent less than a minute ago; wait a moment before asking again.")
    status = 429


class CodeHourlyLimit(DomainError):
    code = "code_hourly_limit"
    default_message = _("Too many codes for this number in the last hour; try again later.")
    status = 429


class CodeWrong(InvalidInput):
    code = "code_wrong"
    default_message = _("The code is wrong or has expired; ask for a new one.")


def _code_hash(phone: str, code: str) -> str:
    return blind_index(f"{phone}\x00{code}", purpose="card_self_code")


def _member_memberships(phone: str) -> QuerySet[Membership]:
    return Membership.objects.filter(
        person__phone_index=blind_index(phone, purpose="phone"), status=Membership.Status.ACTIVE
    ).select_related("person", "union")


@transaction.atomic(durable=True)
def do_send_card_self_code(*, phone: str, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    phone = normalise_phone(phone, field="phone")
    index = blind_index(phone, purpose="phone")
    recent = CardPhoneCheck.objects.select_for_update().filter(
        phone_index=index, created_at__gt=now - datetime.timedelta(hours=1)
    )
    last = recent.order_by("-created_at").first()
    if last is not None and now - last.created_at < RESEND_INTERVAL:
        raise CodeTooSoon(field="phone")
    if recent.count() >= SENDS_PER_HOUR:
        raise CodeHourlyLimit(field="phone")
    code = f"{secrets.randbelow(10**6):06d}"
    check = CardPhoneCheck.objects.create(
        phone=phone, code_hash=_code_hash(phone, code), created_at=now, expires_at=now + CODE_TTL
    )
    # Texted only to a member's stored number; the page says the same either way.
    if _member_memberships(phone).exists():
        with translation.override("zh-hans"):
            text = gettext("Your code for the union service card page is %(code)s, valid for 10 minutes.") % {
                "code": code
            }
        send_sms_on_commit(phone=phone, text=text)
    record_event(acting_user=None, event_type="card_self_code_sent", obj=check, now=now)


@transaction.atomic(durable=True)
def _check_code(*, phone: str, code: str, now: datetime.datetime) -> tuple[str | None, DomainError | None]:
    phone = normalise_phone(phone, field="phone")
    code = re.sub(r"\s", "", to_half_width(code or ""))
    check = (
        CardPhoneCheck.objects.select_for_update()
        .filter(phone_index=blind_index(phone, purpose="phone"))
        .order_by("-created_at", "-pk")
        .first()
    )
    if (
        check is None
        or check.verified_at is not None
        or check.attempts >= MAX_ATTEMPTS
        or check.expires_at <= now
        or not re.fullmatch(r"\d{6}", code)
    ):
        return None, CodeWrong(field="code")
    if not hmac.compare_digest(check.code_hash, _code_hash(phone, code)):
        check.attempts += 1
        check.save(update_fields=["attempts"])
        record_event(acting_user=None, event_type="card_self_code_rejected", obj=check, now=now)
        return None, CodeWrong(field="code")
    ticket = secrets.token_urlsafe(24)
    check.verified_at = now
    check.ticket_hash = secret_digest(ticket)
    check.save(update_fields=["verified_at", "ticket_hash"])
    record_event(acting_user=None, event_type="card_self_code_verified", obj=check, now=now)
    return ticket, None


def do_verify_card_self_code(*, phone: str, code: str, now: datetime.datetime | None = None) -> str:
    """A ticket for the verified number. A wrong code counts against the tries even though it fails, so
    the check commits first and the error is raised after."""
    ticket, error = _check_code(phone=phone, code=code, now=now or timezone.now())
    if error is not None:
        raise error
    assert ticket is not None
    return ticket


def verified_phone(ticket: str, *, now: datetime.datetime | None = None) -> str | None:
    if not ticket:
        return None
    now = now or timezone.now()
    check = CardPhoneCheck.objects.filter(
        ticket_hash=secret_digest(ticket), verified_at__gt=now - TICKET_TTL
    ).first()
    return check.phone if check is not None else None


def self_service_view(phone: str) -> list[dict[str, Any]]:
    """Per active membership of the number's person(s): the latest application and the live card."""
    rows = []
    for membership in _member_memberships(phone):
        application = (
            CardApplication.objects.filter(person=membership.person)
            .select_related("branch")
            .order_by("-pk")
            .first()
        )
        card = Card.objects.filter(
            person=membership.person, status__in=[Card.Status.ISSUED, Card.Status.ACTIVE]
        ).first()
        rows.append({"membership": membership, "application": application, "card": card})
    return rows


def membership_for_ticket(ticket: str, membership_id: int) -> Membership | None:
    phone = verified_phone(ticket)
    if phone is None:
        return None
    return _member_memberships(phone).filter(pk=membership_id).first()
