"""The member's own card page (/cards/self/): the member types their mobile number, gets a six-digit code
by SMS (only if the number is a member's stored phone — the page answers the same either way, so it
does not tell who is a member), types it, and then sees their card status and can apply.

Limits as for the join page, counted in the database: per number one code a minute, five an hour and
ten a day; per asking address ten an hour and thirty a day (the page texts only members, but a text
costs money and can harass, and the answer must not depend on membership, so every request counts);
ten minutes per code, five tries; a verified number's ticket lives 30 minutes in the session.
The code mechanics are shared with the join page in gonghui/core/phone_codes.py.
The writes (the code sent, the code checked) are in cards.actions.selfservice; this module reads for
the page, and names those actions for it.
"""

import datetime
from typing import Any

from django.utils import timezone

from gonghui.cards.actions.selfservice import (
    ADDRESS_SENDS_PER_DAY,
    ADDRESS_SENDS_PER_HOUR,
    CODE_TTL,
    MAX_ATTEMPTS,
    RESEND_INTERVAL,
    RULES,
    SENDS_PER_DAY,
    SENDS_PER_HOUR,
    TICKET_TTL,
    CodeAddressLimit,
    CodeDailyLimit,
    CodeHourlyLimit,
    CodeTooSoon,
    CodeWrong,
    do_send_card_self_code,
    do_verify_card_self_code,
    member_memberships,
)
from gonghui.cards.models import Card, CardApplication
from gonghui.core import phone_codes
from gonghui.members.models import Membership


def verified_phone(ticket: str, *, now: datetime.datetime | None = None) -> str | None:
    return phone_codes.ticket_phone(rules=RULES, ticket=ticket, now=now or timezone.now())


def self_service_view(phone: str) -> list[dict[str, Any]]:
    """Per active membership of the number's person(s): the latest application and the live card."""
    rows = []
    for membership in member_memberships(phone):
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
    return member_memberships(phone).filter(pk=membership_id).first()


__all__ = [
    "ADDRESS_SENDS_PER_DAY",
    "ADDRESS_SENDS_PER_HOUR",
    "CODE_TTL",
    "MAX_ATTEMPTS",
    "RESEND_INTERVAL",
    "RULES",
    "SENDS_PER_DAY",
    "SENDS_PER_HOUR",
    "TICKET_TTL",
    "CodeAddressLimit",
    "CodeDailyLimit",
    "CodeHourlyLimit",
    "CodeTooSoon",
    "CodeWrong",
    "do_send_card_self_code",
    "do_verify_card_self_code",
    "membership_for_ticket",
    "self_service_view",
    "verified_phone",
]
