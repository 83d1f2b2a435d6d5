"""Worker self-service enrolment by QR code: join links (the posters) and phone verification by SMS.

A union officer creates a JoinLink and prints its poster. A worker scans it and opens /join/<token>/ on
their own phone, asks for a code (do_send_join_code), types it (do_verify_join_code gives a ticket for
the verified number), and submits the national collection form (submit_join_application), which goes
through do_enrol_member with Channel.SELF_SERVICE and lands PENDING in the union's review queue.

The public steps are an SMS cannon if left open: per phone at most one code a minute and five an hour
(counted in the database, so exact across processes), per client IP and per link a ceiling kept in the
cache. Codes are six digits, live ten minutes and take five wrong tries; only a keyed hash is stored.
The code mechanics are shared with the card self-service page in gonghui/core/phone_codes.py.
The writes (links, codes) are in members.actions.join; this module is the flow the join page and the
join API follow, and names those actions for them.
"""

import datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from gonghui.core import phone_codes
from gonghui.core.errors import DomainError
from gonghui.core.http import client_ip as core_client_ip
from gonghui.core.phones import normalise_phone
from gonghui.members.actions import EnrolmentData, EnrolmentOutcome, do_enrol_member
from gonghui.members.actions.join import (
    CODE_MAX_ATTEMPTS,
    CODE_TTL,
    IP_CHECK_LIMIT,
    IP_SEND_LIMIT,
    LINK_SENDS_PER_HOUR,
    RESEND_INTERVAL,
    RULES,
    SENDS_PER_PHONE_PER_HOUR,
    TICKET_TTL,
    JoinCodeDailyLimit,
    JoinCodeExpired,
    JoinCodeFormat,
    JoinCodeHourlyLimit,
    JoinCodeNotSent,
    JoinCodeRequired,
    JoinCodeTooManyAttempts,
    JoinCodeTooSoon,
    JoinCodeUsed,
    JoinCodeWrong,
    JoinLinkRevoked,
    PhoneNotVerified,
    RateLimited,
    WorksiteNotAvailable,
    code_scope,
    do_create_join_link,
    do_regenerate_join_link,
    do_revoke_join_link,
    do_send_join_code,
    do_verify_join_code,
    new_token,
    ticket_valid_until,
    verified_phone_for,
)
from gonghui.members.models import Channel, JoinLink
from gonghui.members.queries import union_employer


def client_ip(request: Any) -> str:
    return core_client_ip(request)


def check_ip_rate(ip: str, *, bucket: str, limit: tuple[int, int]) -> None:
    """A fixed-window counter in the cache (per process with the default cache; shared with REDIS_URL)."""
    count_limit, window = limit
    key = f"gonghui:join-rate:{bucket}:{ip or 'unknown'}"
    if cache.add(key, 1, timeout=window):
        return
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return
    if count > count_limit:
        raise RateLimited()


def session_key(link: JoinLink, what: str) -> str:
    """Where the join page keeps this link's state in the worker's session (the ticket, the outcome)."""
    return f"gonghui:join:{link.pk}:{what}"


def submit_join_application(
    *,
    link: JoinLink,
    data: EnrolmentData,
    consent_given: bool,
    ticket: str,
    now: datetime.datetime | None = None,
) -> EnrolmentOutcome:
    """The worker's application, once do_verify_join_code has given a ticket for the number: enrolment
    as SELF_SERVICE in the link's union, attributed to its worksite. A ticket carries one application:
    it is claimed before enrolling and released if the application is refused, so a mistyped ID number
    can be corrected and sent again, but one text message never files applications for many IDs.

    Not wrapped in a transaction: do_enrol_member is its own durable one (and writes the audit event);
    the claim is a conditional UPDATE, bookkeeping like a token's last use, not a domain change."""
    now = now or timezone.now()
    phone = normalise_phone(data.phone, field="phone")
    if verified_phone_for(link=link, ticket=ticket, now=now) != phone:
        raise PhoneNotVerified(field="phone")
    if not phone_codes.spend_ticket(rules=RULES, ticket=ticket, scope=code_scope(link), now=now):
        raise PhoneNotVerified(field="phone")
    data.phone = phone
    data.worksite = link.worksite
    data.meeting = link.meeting
    if data.employer is None:
        data.employer = union_employer(link.union)
    try:
        return do_enrol_member(
            acting_user=None,
            union=link.union,
            data=data,
            channel=Channel.SELF_SERVICE,
            consent_given=consent_given,
            now=now,
        )
    except DomainError:
        phone_codes.release_ticket(rules=RULES, ticket=ticket, scope=code_scope(link))
        raise


__all__ = [
    "CODE_MAX_ATTEMPTS",
    "CODE_TTL",
    "IP_CHECK_LIMIT",
    "IP_SEND_LIMIT",
    "LINK_SENDS_PER_HOUR",
    "RESEND_INTERVAL",
    "RULES",
    "SENDS_PER_PHONE_PER_HOUR",
    "TICKET_TTL",
    "JoinCodeDailyLimit",
    "JoinCodeExpired",
    "JoinCodeFormat",
    "JoinCodeHourlyLimit",
    "JoinCodeNotSent",
    "JoinCodeRequired",
    "JoinCodeTooManyAttempts",
    "JoinCodeTooSoon",
    "JoinCodeUsed",
    "JoinCodeWrong",
    "JoinLinkRevoked",
    "PhoneNotVerified",
    "RateLimited",
    "WorksiteNotAvailable",
    "check_ip_rate",
    "client_ip",
    "do_create_join_link",
    "do_regenerate_join_link",
    "do_revoke_join_link",
    "do_send_join_code",
    "do_verify_join_code",
    "new_token",
    "session_key",
    "submit_join_application",
    "ticket_valid_until",
    "verified_phone_for",
]
