"""Join links (the posters) and the worker's phone verification by SMS code: the writes of self-service
enrolment by QR code (members.join has the flow). Per phone at most one code a minute and five an hour
(counted in the database, so exact across processes); codes are six digits, live ten minutes and take
five wrong tries; only a keyed hash is stored. The code mechanics are shared with the card self-service
page in gonghui/core/phone_codes.py."""

import datetime
import secrets
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.core import phone_codes
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from gonghui.core.models import PhoneCode
from gonghui.core.phones import normalise_phone
from gonghui.enterprises.models import Worksite
from gonghui.members.access import JoinLinkNotFound
from gonghui.members.actions.enrolment import NotAMemberUnion
from gonghui.members.models import JoinLink
from gonghui.members.queries import MEMBER_UNION_KINDS, RANK_MANAGE_LINKS
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import rank_at

if TYPE_CHECKING:
    from gonghui.meetings.models import Meeting


CODE_TTL = datetime.timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
RESEND_INTERVAL = datetime.timedelta(seconds=60)
SENDS_PER_PHONE_PER_HOUR = 5
# After the code is entered, the ticket lets the form through for this long (a mistyped ID number can be
# corrected and sent again without a new SMS).
TICKET_TTL = datetime.timedelta(minutes=30)
# Per client IP: (requests, seconds). Generous, because the workers of one site often share a Wi-Fi or
# a carrier's NAT address; the per-phone limits above are the tight ones.
IP_SEND_LIMIT = (30, 600)
IP_CHECK_LIMIT = (60, 600)
# One poster cannot drive more than this many messages an hour, whatever the numbers and addresses.
LINK_SENDS_PER_HOUR = 600


class JoinLinkRevoked(Conflict):
    code = "join_link_revoked"
    default_message = _("This link has been revoked; create a new one instead.")


class WorksiteNotAvailable(InvalidInput):
    code = "join_link_worksite"
    default_message = _("Choose a worksite in your area or in the area of the union.")


class RateLimited(DomainError):
    code = "rate_limited"
    default_message = _("Too many requests from this network. Wait a few minutes and try again.")
    status = 429


class JoinCodeTooSoon(DomainError):
    code = "join_code_too_soon"
    default_message = _("A code was just sent to this number. Wait %(seconds)d seconds before asking again.")
    status = 429


class JoinCodeHourlyLimit(DomainError):
    code = "join_code_hourly_limit"
    default_message = _("This number has been sent %(n)d codes in the past hour. Try again later.")
    status = 429


class JoinCodeDailyLimit(DomainError):
    code = "join_code_daily_limit"
    default_message = _("This number has been sent too many codes today. Try again tomorrow.")
    status = 429


class JoinCodeRequired(InvalidInput):
    code = "join_code_required"
    default_message = _("Enter the 6-digit code from the text message.")


class JoinCodeFormat(InvalidInput):
    code = "join_code_format"
    default_message = _("The code is the 6 digits in the text message.")


class JoinCodeNotSent(InvalidInput):
    code = "join_code_not_sent"
    default_message = _('No code has been sent to this number yet. Tap "Send code" first.')


class JoinCodeUsed(InvalidInput):
    code = "join_code_used"
    default_message = _("This code has already been used. Ask for a new one.")


class JoinCodeWrong(InvalidInput):
    code = "join_code_wrong"
    default_message = _("The code is not right. %(left)d tries left.")


class JoinCodeExpired(InvalidInput):
    code = "join_code_expired"
    default_message = _("The code has expired (a code is valid for 10 minutes). Ask for a new one.")


class JoinCodeTooManyAttempts(DomainError):
    code = "join_code_too_many_attempts"
    default_message = _("The code was entered wrongly too many times. Ask for a new one.")
    status = 429


class PhoneNotVerified(InvalidInput):
    code = "join_phone_not_verified"
    default_message = _("Verify this mobile number with a text-message code first.")


# --- join links (staff) ------------------------------------------------------------------------------


def new_token() -> str:
    # 128 random bits, URL-safe: short enough for a QR code a cheap phone reads from across a room.
    return secrets.token_urlsafe(16)


def _require_link_manager(acting_user: Any, union: OrgUnit) -> None:
    if rank_at(acting_user, union) < RANK_MANAGE_LINKS:
        raise Forbidden()


@transaction.atomic(durable=True)
def do_create_join_link(
    *,
    acting_user: Any,
    union: OrgUnit,
    worksite: Worksite | None = None,
    label: str = "",
    meeting: "Meeting | None" = None,
    now: datetime.datetime | None = None,
) -> JoinLink:
    """`meeting`: a poster for a 沟通会 — applications through it are attributed to the meeting (the
    caller has checked the meeting is in the acting user's area)."""
    now = now or timezone.now()
    _require_link_manager(acting_user, union)
    if union.kind not in MEMBER_UNION_KINDS or union.status != OrgUnit.Status.ACTIVE:
        raise NotAMemberUnion(field="union", name=union.name)
    if worksite is not None and not (
        rank_at(acting_user, worksite.managing_unit) > 0 or union.is_within(worksite.managing_unit)
    ):
        raise WorksiteNotAvailable(field="worksite")
    link = JoinLink.objects.create(
        union=union,
        worksite=worksite,
        meeting=meeting,
        label=" ".join(label.split())[:100],
        token=new_token(),
        token_issued_at=now,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        created_at=now,
    )
    record_event(
        acting_user=acting_user,
        event_type="join_link_created",
        obj=link,
        unit=union,
        changed_fields=["union", "worksite", "label", "token"],
        details={
            "worksite_id": worksite.pk if worksite else None,
            "meeting_id": meeting.pk if meeting else None,
        },
        now=now,
    )
    return link


def _lock_active(link: JoinLink) -> JoinLink:
    # Lock the link row only: PostgreSQL refuses FOR UPDATE on the nullable side of the worksite join.
    locked = (
        JoinLink.objects.select_for_update(of=("self",)).select_related("union", "worksite").get(pk=link.pk)
    )
    if not locked.is_active:
        raise JoinLinkRevoked()
    return locked


@transaction.atomic(durable=True)
def do_regenerate_join_link(
    *, acting_user: Any, link: JoinLink, now: datetime.datetime | None = None
) -> JoinLink:
    """A new token: every poster printed with the old one stops working (a poster photographed and
    passed around outside the union, say)."""
    now = now or timezone.now()
    _require_link_manager(acting_user, link.union)
    link = _lock_active(link)
    link.token = new_token()
    link.token_issued_at = now
    link.save(update_fields=["token", "token_issued_at"])
    record_event(
        acting_user=acting_user,
        event_type="join_link_regenerated",
        obj=link,
        unit=link.union,
        changed_fields=["token"],
        now=now,
    )
    return link


@transaction.atomic(durable=True)
def do_revoke_join_link(
    *, acting_user: Any, link: JoinLink, now: datetime.datetime | None = None
) -> JoinLink:
    now = now or timezone.now()
    _require_link_manager(acting_user, link.union)
    link = _lock_active(link)
    link.is_active = False
    link.revoked_at = now
    link.save(update_fields=["is_active", "revoked_at"])
    record_event(
        acting_user=acting_user,
        event_type="join_link_revoked",
        obj=link,
        unit=link.union,
        changed_fields=["is_active", "revoked_at"],
        now=now,
    )
    return link


# --- phone verification (public) ----------------------------------------------------------------------
# The mechanics are core/phone_codes.py; this flow adds the per-poster ceiling, its own words for each
# refusal, its audit events, and a single-use ticket scoped to the link.

RULES = phone_codes.CodeRules(
    purpose=phone_codes.Purpose.JOIN,
    code_ttl=CODE_TTL,
    ticket_ttl=TICKET_TTL,
    resend_interval=RESEND_INTERVAL,
    sends_per_hour=SENDS_PER_PHONE_PER_HOUR,
    max_attempts=CODE_MAX_ATTEMPTS,
)

_CHECK_ERRORS: dict[phone_codes.Refusal, type[DomainError]] = {
    phone_codes.Refusal.REQUIRED: JoinCodeRequired,
    phone_codes.Refusal.FORMAT: JoinCodeFormat,
    phone_codes.Refusal.NOT_SENT: JoinCodeNotSent,
    phone_codes.Refusal.USED: JoinCodeUsed,
    phone_codes.Refusal.EXPIRED: JoinCodeExpired,
    phone_codes.Refusal.TOO_MANY_ATTEMPTS: JoinCodeTooManyAttempts,
}


def code_scope(link: JoinLink) -> str:
    return str(link.pk)


@transaction.atomic(durable=True)
def do_send_join_code(
    *, link: JoinLink, phone: str, address: str = "", now: datetime.datetime | None = None
) -> PhoneCode:
    """Text a fresh 6-digit code to `phone` (after commit). The newest code for a number is the one
    that counts. `address`: the asking client's, kept (hashed) with the code."""
    now = now or timezone.now()
    phone = normalise_phone(phone, field="phone")
    # The link row is the lock that serialises concurrent requests for the same poster, so its hourly
    # ceiling holds.
    locked = JoinLink.objects.select_for_update().filter(pk=link.pk, is_active=True).first()
    if locked is None:
        raise JoinLinkNotFound()

    def poster_ceiling() -> None:
        if phone_codes.sent_since(
            RULES, scope=code_scope(locked), since=now - datetime.timedelta(hours=1)
        ) >= (LINK_SENDS_PER_HOUR):
            raise RateLimited()

    def text(code: str) -> str:
        return gettext(
            "Your union membership application code is %(code)s, valid for %(minutes)d minutes. "
            "If you did not ask for it, ignore this message."
        ) % {"code": code, "minutes": CODE_TTL.seconds // 60}

    try:
        verification = phone_codes.issue_code(
            rules=RULES,
            phone=phone,
            scope=code_scope(locked),
            now=now,
            text=text,
            address=address,
            before_create=poster_ceiling,
        )
    except phone_codes.CodeRefused as refused:
        if refused.refusal is phone_codes.Refusal.TOO_SOON:
            raise JoinCodeTooSoon(field="phone", seconds=refused.wait_seconds) from None
        if refused.refusal is phone_codes.Refusal.DAILY_LIMIT:
            raise JoinCodeDailyLimit(field="phone") from None
        raise JoinCodeHourlyLimit(field="phone", n=SENDS_PER_PHONE_PER_HOUR) from None
    record_event(
        acting_user=None,
        event_type="join_code_sent",
        obj=verification,
        unit=locked.union,
        details={"link_id": locked.pk},
        now=now,
    )
    return verification


def do_verify_join_code(
    *, link: JoinLink, phone: str, code: str, now: datetime.datetime | None = None
) -> str:
    """Check the code sent to `phone`; return a ticket for submit_join_application. The check commits
    (one durable transaction, one audit event) before a refusal is raised, so a wrong code counts."""
    now = now or timezone.now()

    def audit(result: phone_codes.CheckResult) -> None:
        assert result.record is not None
        verified = result.ticket is not None
        record_event(
            acting_user=None,
            event_type="join_code_verified" if verified else "join_code_rejected",
            obj=result.record,
            unit=link.union,
            changed_fields=["verified_at"] if verified else ["attempts"],
            details={"link_id": link.pk}
            if verified
            else {"link_id": link.pk, "attempts": result.record.attempts},
            now=now,
        )

    result = phone_codes.check_code(
        rules=RULES, phone=phone, code=code, scope=code_scope(link), now=now, audit=audit
    )
    if result.refusal is phone_codes.Refusal.WRONG:
        raise JoinCodeWrong(field="code", left=result.attempts_left)
    if result.refusal is not None:
        raise _CHECK_ERRORS[result.refusal](field="code")
    assert result.ticket is not None
    return result.ticket


def verified_phone_for(*, link: JoinLink, ticket: str, now: datetime.datetime | None = None) -> str | None:
    """The number an unspent ticket vouches for on this link, while it is valid."""
    return phone_codes.ticket_phone(
        rules=RULES, ticket=ticket, scope=code_scope(link), now=now or timezone.now()
    )


def ticket_valid_until(*, link: JoinLink, ticket: str) -> datetime.datetime | None:
    return phone_codes.ticket_valid_until(rules=RULES, ticket=ticket, scope=code_scope(link))
