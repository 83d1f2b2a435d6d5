"""Card applications, the pad's steps, card boxes, cards and partner keys. Every write is one durable
transaction with one audit event; the pad, the officer console, the partner API and bank_sim all call
these functions."""

import datetime
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.cards.models import (
    BankBranch,
    BranchOperator,
    Card,
    CardApplication,
    CardBlank,
    CardStock,
    PartnerKey,
)
from gonghui.cards.numbers import card_number_problem, clean_card_number
from gonghui.cards.signing import FingerprintConfirmation, fingerprint_valid
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from gonghui.core.pii import mask_resident_id
from gonghui.core.sms import send_sms_on_commit
from gonghui.core.text import to_half_width
from gonghui.members.models import EmploymentStatus, Membership
from gonghui.orgs.models import ROLE_RANK, OrgUnit, Role
from gonghui.orgs.scope import rank_at

Status = CardApplication.Status
RANK_APPLY = ROLE_RANK[Role.UNION_CHAIR]
RANK_MANAGE_BRANCHES = ROLE_RANK[Role.DISTRICT_OFFICER]
# Before a card exists: at most one of these per person (a DB constraint). Once issued, the card itself
# is what must be unique (one live card per person), so a lost card can be replaced.
OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.ROUTED,
    Status.CALLED,
    Status.ID_VERIFIED,
    Status.AUTHORISED,
)
IN_PROGRESS_STATUSES = (*OPEN_STATUSES, Status.ISSUED)
# The state machine. A target missing here is refused with IllegalTransition (code illegal_transition).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset({Status.ROUTED, Status.REJECTED, Status.CANCELLED}),
    Status.ROUTED: frozenset(
        {Status.ROUTED, Status.CALLED, Status.ISSUED, Status.REJECTED, Status.CANCELLED}
    ),
    Status.CALLED: frozenset({Status.ROUTED, Status.ID_VERIFIED, Status.REJECTED, Status.CANCELLED}),
    Status.ID_VERIFIED: frozenset({Status.AUTHORISED, Status.REJECTED, Status.CANCELLED}),
    Status.AUTHORISED: frozenset({Status.ISSUED, Status.REJECTED, Status.CANCELLED}),
    Status.ISSUED: frozenset({Status.ACTIVATED, Status.CANCELLED}),
    Status.ACTIVATED: frozenset({Status.CANCELLED}),
    Status.REJECTED: frozenset(),
    Status.CANCELLED: frozenset(),
}
STATUS_TIMESTAMP: dict[str, str] = {
    Status.SUBMITTED: "submitted_at",
    Status.ROUTED: "routed_at",
    Status.CALLED: "called_at",
    Status.ID_VERIFIED: "id_verified_at",
    Status.AUTHORISED: "authorised_at",
    Status.ISSUED: "issued_at",
    Status.ACTIVATED: "activated_at",
    Status.REJECTED: "rejected_at",
    Status.CANCELLED: "cancelled_at",
}
FINGERPRINT_MAX_AGE = datetime.timedelta(minutes=5)
KEY_OVERLAP = datetime.timedelta(hours=24)
MAX_BATCH = 5000


class RejectReason:
    """Reason codes for REJECTED (stable: the bank posts them, reports count them)."""

    ID_MISMATCH = "id_mismatch"
    ID_EXPIRED = "id_expired"
    MEMBER_ABSENT = "member_absent"
    BANK_DECLINED = "bank_declined"
    DUPLICATE_ACCOUNT = "duplicate_account"
    OTHER = "other"

    LABELS = {
        ID_MISMATCH: _("The ID card read does not match the application"),
        ID_EXPIRED: _("The ID card has expired"),
        MEMBER_ABSENT: _("The member did not come"),
        BANK_DECLINED: _("Declined by the bank"),
        DUPLICATE_ACCOUNT: _("The member already holds such a card at the bank"),
        OTHER: _("Other reason"),
    }


# ---- errors ---------------------------------------------------------------------------------------


class NotEligible(InvalidInput):
    code = "not_eligible"
    default_message = _("This member cannot apply for a card.")


class NotActive(NotEligible):
    code = "not_active_member"
    default_message = _("Only active members can apply for a card; this membership is not active.")


class NotInService(NotEligible):
    code = "not_in_service"
    default_message = _("The card is for members in service; this member is recorded as not employed.")


class RetiredNotEligible(NotEligible):
    code = "retired"
    default_message = _("The card is not issued to retired members.")


class TemporaryNotEligible(NotEligible):
    code = "temporary_staff"
    default_message = _("The card is not issued to temporary staff.")


class NoConsent(NotEligible):
    code = "no_consent"
    default_message = _(
        "The member has not consented to their data being handed to the bank; record the consent first."
    )


class ApplicationOpen(Conflict):
    code = "application_open"
    default_message = _("This member already has a card application in progress.")


class AlreadyHasCard(Conflict):
    code = "card_held"
    default_message = _("This member already holds a live card; report it lost to get a replacement.")


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_message = _("The application is “%(status)s” and cannot go to “%(target)s”.")


class NoBranch(InvalidInput):
    code = "no_branch"
    default_message = _("No bank branch serves this union yet; route the application by hand.")


class BranchNotServing(InvalidInput):
    code = "branch_not_serving"
    default_message = _("That branch is not active.")


class ReasonInvalid(InvalidInput):
    code = "reason_invalid"
    default_message = _("Choose one of the listed reasons.")


class IdCardMismatch(InvalidInput):
    code = RejectReason.ID_MISMATCH
    default_message = _("The ID card does not match the application (%(fields)s): the card cannot be issued.")


class IdCardExpired(InvalidInput):
    code = RejectReason.ID_EXPIRED
    default_message = _("The ID card expired on %(date)s: the card cannot be issued.")


class IdCardReadInvalid(InvalidInput):
    code = "id_read_invalid"
    default_message = _("The reader sent an incomplete reading; place the ID card on the reader again.")


class FingerprintInvalid(Forbidden):
    code = "fingerprint_invalid"
    default_message = _(
        "The authorisation was not confirmed by this branch's fingerprint device; authorise again."
    )


class FingerprintStale(Forbidden):
    code = "fingerprint_stale"
    default_message = _("The fingerprint confirmation is older than five minutes; authorise again.")


class CardBoxEmpty(Conflict):
    code = "card_box_empty"
    default_message = _("The branch's card box is empty: load a new batch of cards.")


class CardNumberInvalid(InvalidInput):
    code = "card_number_invalid"
    default_message = _("Card number %(number)s is not valid for this bank (%(problem)s).")


class CardNumberTaken(Conflict):
    code = "card_number_taken"
    default_message = _("A card with this number has already been loaded or issued.")


class BatchEmpty(InvalidInput):
    code = "batch_empty"
    default_message = _("Enter at least one card number, one per line.")


class BatchTooLarge(InvalidInput):
    code = "batch_too_large"
    default_message = _("At most %(n)d card numbers can be loaded at once.")


class BlankNotFree(Conflict):
    code = "blank_not_free"
    default_message = _("This card is no longer in the box.")


class MedicalAccountInvalid(InvalidInput):
    code = "medical_account_invalid"
    default_message = _("Enter the medical-insurance account number (6 to 32 letters or digits).")


class CardNotLive(Conflict):
    code = "card_not_live"
    default_message = _("This card is no longer in use.")


class NotAnOperator(NotFound):
    code = "not_an_operator"
    default_message = _("Your login is not tied to a bank branch; ask the union to link it.")


class CalledElsewhere(Conflict):
    code = "called_elsewhere"
    default_message = _("Another pad has already called up this member.")


class StatusUpdateConflict(Conflict):
    code = "status_conflict"
    default_message = _("The application already has a different outcome: %(detail)s.")


# ---- helpers ---------------------------------------------------------------------------------------


def _move(application: CardApplication, target: str, now: datetime.datetime) -> list[str]:
    """Set the new state and its timestamp; refuse what the state machine does not allow."""
    if target not in TRANSITIONS[application.status]:
        raise IllegalTransition(status=Status(application.status).label, target=Status(target).label)
    application.status = target
    stamp = STATUS_TIMESTAMP[target]
    setattr(application, stamp, now)
    return ["status", stamp]


def _lock(application: CardApplication) -> CardApplication:
    # Only the application row is locked ("of self"): the branch is an outer join, which PostgreSQL
    # cannot lock, and locking the branch would serialise every pad of the branch.
    return (
        CardApplication.objects.select_for_update(of=("self",))
        .select_related("person", "branch", "union")
        .get(pk=application.pk)
    )


def _require_officer(acting_user: Any, union: OrgUnit, rank: int = RANK_APPLY) -> None:
    if rank_at(acting_user, union) < rank:
        raise Forbidden()


def operator_branch(acting_user: Any) -> BankBranch:
    """The branch a bank operator works for; any other login is refused as if the page did not exist.
    Cached on the user object for the request, as its roles are (the access helper and the action ask)."""
    cached = getattr(acting_user, "_gonghui_bank_branch", None)
    if cached is not None:
        return cached
    user_id = getattr(acting_user, "pk", None)
    if user_id is None:
        raise NotAnOperator()
    link = (
        BranchOperator.objects.select_related("branch")
        .filter(user_id=user_id, branch__is_active=True)
        .first()
    )
    if link is None or not acting_user.is_active:
        raise NotAnOperator()
    acting_user._gonghui_bank_branch = link.branch
    return link.branch


def _require_branch_operator(acting_user: Any, application: CardApplication) -> BankBranch:
    branch = operator_branch(acting_user)
    if application.branch_id != branch.pk:
        raise NotFound()
    return branch


def check_eligibility(membership: Membership) -> None:
    """Raise the NotEligible subclass that says why this membership cannot have a card."""
    if membership.status != Membership.Status.ACTIVE:
        raise NotActive()
    if membership.employment_status == EmploymentStatus.RETIRED:
        raise RetiredNotEligible()
    if membership.employment_status == EmploymentStatus.TEMPORARY:
        raise TemporaryNotEligible()
    if membership.employment_status == EmploymentStatus.UNEMPLOYED:
        raise NotInService()
    if not membership.consents.exists():
        raise NoConsent()


# ---- routing ---------------------------------------------------------------------------------------


def _branch_serving_subtree(application: CardApplication) -> BankBranch | None:
    """The active branch serving the nearest union above the member's (a branch for 潞城镇 beats one for
    all of 通州)."""
    path = application.union.path
    candidates = [
        b
        for b in BankBranch.objects.filter(is_active=True).select_related("serves_unit")
        if path.startswith(b.serves_unit.path)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda b: (len(b.serves_unit.path), -b.pk))


def _branch_of_enrolment_meeting(application: CardApplication) -> BankBranch | None:
    """The branch named as issuing cards at the 沟通会 where the member enrolled (Membership.meeting,
    Meeting.card_branch), while it is active: the bank's staff at the meeting see the people who just
    joined there, whichever union's subtree they serve."""
    meeting_id = application.membership.meeting_id
    if meeting_id is None:
        return None
    return BankBranch.objects.filter(meetings__pk=meeting_id, is_active=True).first()


# Tried in order; the first that names a branch wins: the meeting the member enrolled at, then the
# branch serving the member's union.
ROUTING_RULES: list[Callable[[CardApplication], BankBranch | None]] = [
    _branch_of_enrolment_meeting,
    _branch_serving_subtree,
]


def route_for(application: CardApplication) -> BankBranch | None:
    for rule in ROUTING_RULES:
        branch = rule(application)
        if branch is not None:
            return branch
    return None


# ---- applications ----------------------------------------------------------------------------------


def _open_application(
    membership: Membership,
    *,
    source: str,
    acting_user: Any,
    now: datetime.datetime,
    replaces: Card | None = None,
) -> CardApplication:
    check_eligibility(membership)
    if (
        replaces is None
        and Card.objects.filter(
            person_id=membership.person_id, status__in=[Card.Status.ISSUED, Card.Status.ACTIVE]
        ).exists()
    ):
        raise AlreadyHasCard()
    application = CardApplication(
        membership=membership,
        person_id=membership.person_id,
        union_id=membership.union_id,
        status=Status.SUBMITTED,
        source=source,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        submitted_at=now,
        replaces=replaces,
    )
    application.union = membership.union
    branch = route_for(application)
    if branch is not None:
        application.branch = branch
        application.status = Status.ROUTED
        application.routed_at = now
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ApplicationOpen() from None
    return application


@transaction.atomic(durable=True)
def do_create_card_application(
    *, acting_user: Any, membership: Membership, now: datetime.datetime | None = None
) -> CardApplication:
    """An officer applies for a member's card; it is routed at once if a branch serves the union."""
    now = now or timezone.now()
    _require_officer(acting_user, membership.union)
    membership = Membership.objects.select_related("union", "person").get(pk=membership.pk)
    application = _open_application(
        membership, source=CardApplication.Source.OFFICER, acting_user=acting_user, now=now
    )
    record_event(
        acting_user=acting_user,
        event_type="card_application_created",
        obj=application,
        unit=membership.union,
        details={"status": application.status, "branch_id": application.branch_id},
        now=now,
    )
    return application


@dataclass
class BulkOutcome:
    created: list[CardApplication] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)


@transaction.atomic(durable=True)
def do_create_card_applications_for_union(
    *, acting_user: Any, union: OrgUnit, now: datetime.datetime | None = None
) -> BulkOutcome:
    """Apply for every active member of `union` who can have a card and has none in progress; the others
    are counted by the reason they were left out."""
    now = now or timezone.now()
    _require_officer(acting_user, union)
    outcome = BulkOutcome()
    memberships = (
        Membership.objects.filter(union=union, status=Membership.Status.ACTIVE)
        .select_related("union", "person")
        .order_by("pk")
    )
    for membership in memberships:
        try:
            outcome.created.append(
                _open_application(
                    membership, source=CardApplication.Source.BULK, acting_user=acting_user, now=now
                )
            )
        except DomainError as error:
            outcome.refused[error.code] += 1
    record_event(
        acting_user=acting_user,
        event_type="card_applications_bulk_created",
        obj=union,
        unit=union,
        details={"created": len(outcome.created), "refused": dict(outcome.refused)},
        now=now,
    )
    return outcome


@transaction.atomic(durable=True)
def do_apply_for_card_self_service(
    *, membership: Membership, now: datetime.datetime | None = None
) -> CardApplication:
    """The member applies from their own phone (after the phone check in cards.selfservice)."""
    now = now or timezone.now()
    membership = Membership.objects.select_related("union", "person").get(pk=membership.pk)
    application = _open_application(
        membership, source=CardApplication.Source.SELF_SERVICE, acting_user=None, now=now
    )
    record_event(
        acting_user=None,
        event_type="card_application_self_service",
        obj=application,
        unit=membership.union,
        details={"status": application.status},
        now=now,
    )
    return application


@transaction.atomic(durable=True)
def do_route_card_application(
    *,
    acting_user: Any,
    application: CardApplication,
    branch: BankBranch,
    now: datetime.datetime | None = None,
) -> CardApplication:
    """An officer sends the application to another branch (or to one at all, if none served the union)."""
    now = now or timezone.now()
    application = _lock(application)
    _require_officer(acting_user, application.union)
    if not branch.is_active:
        raise BranchNotServing(field="branch")
    previous = application.branch_id
    changed = _move(application, Status.ROUTED, now)
    application.branch = branch
    application.called_by = None
    application.save(update_fields=[*changed, "branch", "called_by"])
    record_event(
        acting_user=acting_user,
        event_type="card_application_routed",
        obj=application,
        unit=application.union,
        changed_fields=["branch", "status"],
        details={"from_branch_id": previous, "to_branch_id": branch.pk},
        now=now,
    )
    return application


@transaction.atomic(durable=True)
def do_cancel_card_application(
    *, acting_user: Any, application: CardApplication, now: datetime.datetime | None = None
) -> CardApplication:
    now = now or timezone.now()
    application = _lock(application)
    _require_officer(acting_user, application.union)
    if application.status not in OPEN_STATUSES:
        raise IllegalTransition(status=Status(application.status).label, target=Status.CANCELLED.label)
    changed = _move(application, Status.CANCELLED, now)
    application.save(update_fields=changed)
    record_event(
        acting_user=acting_user,
        event_type="card_application_cancelled",
        obj=application,
        unit=application.union,
        changed_fields=changed,
        now=now,
    )
    return application


# ---- the pad ---------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def do_call_card_application(
    *, acting_user: Any, application: CardApplication, now: datetime.datetime | None = None
) -> CardApplication:
    """The operator picks the member from the queue (a second pad picking the same one is refused)."""
    now = now or timezone.now()
    application = _lock(application)
    _require_branch_operator(acting_user, application)
    if application.status == Status.CALLED and application.called_by_id == acting_user.pk:
        return application  # a double tap on the pad
    if application.status == Status.CALLED:
        raise CalledElsewhere()
    changed = _move(application, Status.CALLED, now)
    application.called_by = acting_user
    application.save(update_fields=[*changed, "called_by"])
    record_event(
        acting_user=acting_user,
        event_type="card_application_called",
        obj=application,
        unit=application.union,
        changed_fields=changed,
        now=now,
    )
    return application


@dataclass(frozen=True)
class IdCardReading:
    """The reader bridge's output (docs/cards.md, "Reader bridge")."""

    name: str
    resident_id: str
    valid_from: datetime.date
    valid_until: datetime.date | None  # None: 长期 (no end date)
    issuing_authority: str
    reader_id: str = ""


def _normalise_name(value: str) -> str:
    return "".join(to_half_width(value).split())


def compare_reading(application: CardApplication, reading: IdCardReading, today: datetime.date) -> str | None:
    """None if the card is this member's and valid today, else the reject reason code."""
    person = application.person
    differs = []
    if _normalise_name(reading.name) != _normalise_name(person.name):
        differs.append("name")
    if to_half_width(reading.resident_id).strip().upper() != (person.resident_id or "").upper():
        differs.append("resident_id")
    if differs:
        return RejectReason.ID_MISMATCH
    if reading.valid_from > today or (reading.valid_until is not None and reading.valid_until < today):
        return RejectReason.ID_EXPIRED
    return None


@dataclass
class ReadOutcome:
    application: CardApplication
    error: DomainError | None


@transaction.atomic(durable=True)
def _record_id_card_read(
    *, acting_user: Any, application: CardApplication, reading: IdCardReading, now: datetime.datetime
) -> ReadOutcome:
    application = _lock(application)
    _require_branch_operator(acting_user, application)
    if application.status != Status.CALLED:
        raise IllegalTransition(status=Status(application.status).label, target=Status.ID_VERIFIED.label)
    if not reading.name.strip() or not reading.resident_id.strip() or not reading.issuing_authority.strip():
        raise IdCardReadInvalid()
    reason = compare_reading(application, reading, timezone.localdate(now))
    error: DomainError | None = None
    if reason is None:
        changed = _move(application, Status.ID_VERIFIED, now)
    else:
        changed = _move(application, Status.REJECTED, now)
        application.reject_reason = reason
        changed.append("reject_reason")
        if reason == RejectReason.ID_EXPIRED:
            error = IdCardExpired(date=reading.valid_until.isoformat() if reading.valid_until else "")
        else:
            fields = (
                [gettext("name on the ID card")]
                if _normalise_name(reading.name) != _normalise_name(application.person.name)
                else []
            )
            if (
                to_half_width(reading.resident_id).strip().upper()
                != (application.person.resident_id or "").upper()
            ):
                fields.append(gettext("resident ID number"))
            error = IdCardMismatch(fields="、".join(fields))
    application.save(update_fields=changed)
    record_event(
        acting_user=acting_user,
        event_type="card_id_verified" if reason is None else "card_id_refused",
        obj=application,
        unit=application.union,
        changed_fields=changed,
        details={
            "reason": reason or "",
            "reader_id": reading.reader_id[:64],
            # What the reader saw, masked: enough for a supervisor to tell a misread from another person.
            "read_resident_id": mask_resident_id(to_half_width(reading.resident_id).strip().upper()),
            "valid_until": reading.valid_until.isoformat() if reading.valid_until else "",
        },
        now=now,
    )
    return ReadOutcome(application=application, error=error)


def do_record_id_card_read(
    *,
    acting_user: Any,
    application: CardApplication,
    reading: IdCardReading,
    now: datetime.datetime | None = None,
) -> CardApplication:
    """Compare the reader's output with the application. A match moves it to ID_VERIFIED; a mismatch or
    an expired card rejects it (committed, so the refusal stays on record) and then raises the reason."""
    outcome = _record_id_card_read(
        acting_user=acting_user, application=application, reading=reading, now=now or timezone.now()
    )
    if outcome.error is not None:
        raise outcome.error
    return outcome.application


@transaction.atomic(durable=True)
def do_authorise_card_application(
    *,
    acting_user: Any,
    application: CardApplication,
    confirmation: FingerprintConfirmation,
    now: datetime.datetime | None = None,
) -> CardApplication:
    """The authorising step: the branch's fingerprint device confirmed, with its key, that this operator
    authorised this application just now."""
    now = now or timezone.now()
    application = _lock(application)
    branch = _require_branch_operator(acting_user, application)
    if (
        confirmation.device_id != branch.authoriser_device_id
        or confirmation.application_id != application.pk
        or confirmation.operator != acting_user.username
        or not fingerprint_valid(confirmation, secret=branch.authoriser_secret)
    ):
        raise FingerprintInvalid()
    if abs(now.timestamp() - confirmation.confirmed_at) > FINGERPRINT_MAX_AGE.total_seconds():
        raise FingerprintStale()
    changed = _move(application, Status.AUTHORISED, now)
    application.save(update_fields=changed)
    record_event(
        acting_user=acting_user,
        event_type="card_authorised",
        obj=application,
        unit=application.union,
        changed_fields=changed,
        details={"device_id": confirmation.device_id},
        now=now,
    )
    return application


def _take_blank(branch: BankBranch, now: datetime.datetime) -> CardBlank:
    """The next free card of the branch's boxes, locked. On PostgreSQL SKIP LOCKED lets two pads issuing
    at the same moment take two different cards without waiting on each other; SQLite serialises writers
    anyway."""
    free = CardBlank.objects.filter(stock__branch=branch, status=CardBlank.Status.FREE).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        # "of self": otherwise the joined card-box row is locked too, and every other pad would skip
        # every card of the box as locked.
        free = free.select_for_update(skip_locked=True, of=("self",))
    blank = free.first()
    if blank is None:
        raise CardBoxEmpty()
    # Conditional update: even without row locks, a card already taken is never handed out twice.
    taken = CardBlank.objects.filter(pk=blank.pk, status=CardBlank.Status.FREE).update(
        status=CardBlank.Status.ISSUED, issued_at=now
    )
    if taken != 1:
        raise CardBoxEmpty()
    return blank


@transaction.atomic(durable=True)
def do_issue_card(
    *, acting_user: Any, application: CardApplication, now: datetime.datetime | None = None
) -> Card:
    """The next card from the branch's box goes to the member."""
    now = now or timezone.now()
    application = _lock(application)
    branch = _require_branch_operator(acting_user, application)
    if application.status != Status.AUTHORISED:
        # At the pad a card follows the ID check and the authorisation, never skips them.
        raise IllegalTransition(status=Status(application.status).label, target=Status.ISSUED.label)
    changed = _move(application, Status.ISSUED, now)
    blank = _take_blank(branch, now)
    card = Card.objects.create(
        application=application,
        person_id=application.person_id,
        branch=branch,
        blank=blank,
        number=blank.number,
        status=Card.Status.ISSUED,
        issued_at=now,
    )
    application.save(update_fields=changed)
    record_event(
        acting_user=acting_user,
        event_type="card_issued",
        obj=application,
        unit=application.union,
        changed_fields=changed,
        details={"card_id": card.pk, "last4": blank.last4},
        now=now,
    )
    return card


def clean_medical_account(value: str) -> str:
    account = "".join(to_half_width(value).split()).upper()
    if not (6 <= len(account) <= 32 and account.isascii() and account.isalnum()):
        raise MedicalAccountInvalid(field="medical_account")
    return account


def _link_medical(card: Card, account: str, now: datetime.datetime) -> bool:
    """Returns whether anything changed (the same account posted twice is a no-op)."""
    if card.status not in (Card.Status.ISSUED, Card.Status.ACTIVE):
        raise CardNotLive()
    if card.medical_account == account:
        return False
    card.medical_account = account
    card.medical_linked_at = now
    card.save(update_fields=["medical_account", "medical_linked_at"])
    return True


@transaction.atomic(durable=True)
def do_link_medical_insurance(
    *,
    acting_user: Any,
    application: CardApplication,
    account_reference: str,
    now: datetime.datetime | None = None,
) -> Card:
    """Link the member's medical-insurance account so that payouts arrive on the card."""
    now = now or timezone.now()
    application = _lock(application)
    _require_branch_operator(acting_user, application)
    account = clean_medical_account(account_reference)
    card = Card.objects.select_for_update().filter(application=application).first()
    if card is None:
        raise IllegalTransition(
            status=Status(application.status).label, target=gettext("medical-insurance link")
        )
    _link_medical(card, account, now)
    record_event(
        acting_user=acting_user,
        event_type="card_medical_linked",
        obj=application,
        unit=application.union,
        changed_fields=["medical_account"],
        details={"card_id": card.pk},
        now=now,
    )
    return card


def _notify_member(application: CardApplication, card: Card) -> None:
    phone = application.person.phone
    if not phone:
        return
    # In the members' language (the console default), whatever language the operator's pad is set to.
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext(
            "Your union member service card (ending %(last4)s) has been issued at %(branch)s. "
            "Keep it safe; mutual-aid payouts arrive on it."
        ) % {"last4": card.number[-4:], "branch": str(card.branch)}
    send_sms_on_commit(phone=phone, text=text)


@transaction.atomic(durable=True)
def do_complete_card_application(
    *, acting_user: Any, application: CardApplication, now: datetime.datetime | None = None
) -> CardApplication:
    """The pad's "done": the card is in the member's hands; they get a text message."""
    now = now or timezone.now()
    application = _lock(application)
    _require_branch_operator(acting_user, application)
    card = Card.objects.filter(application=application).select_related("branch").first()
    if card is None or application.status not in (Status.ISSUED, Status.ACTIVATED):
        raise IllegalTransition(status=Status(application.status).label, target=gettext("done"))
    if application.completed_at is not None:
        return application
    application.completed_at = now
    application.save(update_fields=["completed_at"])
    _notify_member(application, card)
    record_event(
        acting_user=acting_user,
        event_type="card_handed_over",
        obj=application,
        unit=application.union,
        changed_fields=["completed_at"],
        details={
            "seconds": int((now - application.called_at).total_seconds()) if application.called_at else None
        },
        now=now,
    )
    return application


@transaction.atomic(durable=True)
def do_reject_card_application(
    *,
    acting_user: Any,
    application: CardApplication,
    reason: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> CardApplication:
    """The operator ends the application (the member did not come, the bank declines …)."""
    now = now or timezone.now()
    application = _lock(application)
    _require_branch_operator(acting_user, application)
    if reason not in RejectReason.LABELS:
        raise ReasonInvalid(field="reason")
    changed = _move(application, Status.REJECTED, now)
    application.reject_reason = reason
    application.reject_note = note.strip()[:200]
    application.save(update_fields=[*changed, "reject_reason", "reject_note"])
    record_event(
        acting_user=acting_user,
        event_type="card_application_rejected",
        obj=application,
        unit=application.union,
        changed_fields=changed,
        details={"reason": reason},
        now=now,
    )
    return application


# ---- the bank's back office (partner API) ----------------------------------------------------------


@dataclass(frozen=True)
class StatusUpdate:
    status: str  # ISSUED, ACTIVATED, REJECTED, MEDICAL_LINKED
    card_number: str = ""
    reason: str = ""
    note: str = ""
    medical_account: str = ""


@dataclass
class UpdateOutcome:
    application: CardApplication
    changed: bool


def _apply_partner_update(
    application: CardApplication, branch: BankBranch, update: StatusUpdate, now: datetime.datetime
) -> tuple[list[str], Card | None]:
    """The change `update` makes, or [] when it was already made (a retry). Raises when it contradicts
    what is recorded."""
    card = Card.objects.select_for_update().filter(application=application).first()
    if update.status == "ISSUED":
        number = clean_card_number(update.card_number)
        problem = card_number_problem(number, bin_prefix=branch.bin_prefix)
        if problem:
            raise CardNumberInvalid(field="card_number", number=number[-4:], problem=problem)
        if card is not None:
            if card.number == number:
                return [], card
            raise StatusUpdateConflict(detail=gettext("another card number was issued"))
        changed = _move(application, Status.ISSUED, now)
        try:
            with transaction.atomic():
                card = Card.objects.create(
                    application=application,
                    person_id=application.person_id,
                    branch=branch,
                    number=number,
                    status=Card.Status.ISSUED,
                    issued_at=now,
                )
        except IntegrityError:
            raise CardNumberTaken(field="card_number") from None
        return changed, card
    if update.status == "ACTIVATED":
        if application.status == Status.ACTIVATED:
            return [], card
        changed = _move(application, Status.ACTIVATED, now)
        assert card is not None  # ISSUED always has its card
        card.status = Card.Status.ACTIVE
        card.activated_at = now
        card.save(update_fields=["status", "activated_at"])
        return changed, card
    if update.status == "REJECTED":
        if update.reason not in RejectReason.LABELS:
            raise ReasonInvalid(field="reason")
        if application.status == Status.REJECTED:
            if application.reject_reason == update.reason:
                return [], card
            raise StatusUpdateConflict(detail=application.reject_reason)
        changed = _move(application, Status.REJECTED, now)
        application.reject_reason = update.reason
        application.reject_note = update.note.strip()[:200]
        return [*changed, "reject_reason", "reject_note"], card
    if update.status == "MEDICAL_LINKED":
        if card is None:
            raise IllegalTransition(
                status=Status(application.status).label, target=gettext("medical-insurance link")
            )
        return (
            ["medical_account"]
            if _link_medical(card, clean_medical_account(update.medical_account), now)
            else []
        ), card
    raise InvalidInput(field="status")


@transaction.atomic(durable=True)
def do_partner_update_status(
    *,
    key: PartnerKey,
    application: CardApplication,
    update: StatusUpdate,
    now: datetime.datetime | None = None,
) -> UpdateOutcome:
    """A status posted by the bank's back office. Posting the same status again changes nothing and
    answers as the first time did, so a bank may retry after a lost response."""
    now = now or timezone.now()
    application = _lock(application)
    if application.branch_id != key.branch_id:
        raise NotFound()
    changed, card = _apply_partner_update(application, key.branch, update, now)
    if changed:
        application.save(update_fields=[f for f in changed if f != "medical_account"])
    record_event(
        acting_user=None,
        event_type="card_partner_status" if changed else "card_partner_status_repeated",
        obj=application,
        unit=application.union,
        changed_fields=changed,
        details={"key_id": key.key_id, "status": update.status, "card_id": card.pk if card else None},
        now=now,
    )
    return UpdateOutcome(application=application, changed=bool(changed))


@transaction.atomic(durable=True)
def do_record_partner_refusal(
    *, key_id: str, code: str, method: str, path: str, remote_addr: str, now: datetime.datetime | None = None
) -> None:
    """A refused partner request, kept as a security event (the request itself is not stored)."""
    branch = BankBranch.objects.filter(partner_keys__key_id=key_id[:40]).select_related("serves_unit").first()
    record_event(
        acting_user=None,
        event_type="partner_request_refused",
        obj=branch,
        unit=branch.serves_unit if branch is not None else None,
        details={
            "key_id": key_id[:40],
            "code": code,
            "method": method[:10],
            "path": path[:200],
            "ip": remote_addr[:45],
        },
        now=now,
    )


@transaction.atomic(durable=True)
def do_record_partner_disclosure(
    *, key: PartnerKey, application_ids: list[int], now: datetime.datetime | None = None
) -> None:
    """The bank received full personal data (name, resident ID, phone) of these applications: every full
    view is logged (DESIGN §3), here as one event per answer."""
    if not application_ids:
        return
    record_event(
        acting_user=None,
        event_type="partner_applications_disclosed",
        obj=key.branch,
        unit=key.branch.serves_unit,
        details={"key_id": key.key_id, "application_ids": application_ids[:500]},
        now=now,
    )


# ---- cards after issue -----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def do_report_card_lost(
    *, acting_user: Any, card: Card, replace: bool = True, now: datetime.datetime | None = None
) -> CardApplication | None:
    """The card is lost: it stops being live, and (by default) a replacement application is routed."""
    now = now or timezone.now()
    card = Card.objects.select_for_update().select_related("application__membership__union").get(pk=card.pk)
    membership = card.application.membership
    _require_officer(acting_user, membership.union)
    if card.status not in (Card.Status.ISSUED, Card.Status.ACTIVE):
        raise CardNotLive()
    card.status = Card.Status.LOST
    card.ended_at = now
    card.end_reason = "lost"
    card.save(update_fields=["status", "ended_at", "end_reason"])
    replacement = None
    if replace:
        current = (
            Membership.objects.select_related("union", "person")
            .filter(person_id=card.person_id, status=Membership.Status.ACTIVE)
            .first()
        )
        if current is None:
            raise NotActive()
        replacement = _open_application(
            current,
            source=CardApplication.Source.REPLACEMENT,
            acting_user=acting_user,
            now=now,
            replaces=card,
        )
    record_event(
        acting_user=acting_user,
        event_type="card_reported_lost",
        obj=card,
        unit=membership.union,
        changed_fields=["status"],
        details={"replacement_id": replacement.pk if replacement else None},
        now=now,
    )
    return replacement


def cancel_cards_of_membership(*, membership: Membership, now: datetime.datetime) -> tuple[int, int]:
    """Inside the caller's transaction: cancel the live card and any open application of a membership
    that ended. Returns (cards, applications) cancelled."""
    cards = Card.objects.filter(
        application__membership=membership, status__in=[Card.Status.ISSUED, Card.Status.ACTIVE]
    ).update(status=Card.Status.CANCELLED, ended_at=now, end_reason="membership_ended")
    applications = CardApplication.objects.filter(membership=membership, status__in=OPEN_STATUSES).update(
        status=Status.CANCELLED, cancelled_at=now
    )
    return cards, applications


@transaction.atomic(durable=True)
def do_cancel_cards_for_membership_end(
    *, acting_user: Any, membership: Membership, now: datetime.datetime | None = None
) -> tuple[int, int]:
    """What the members side calls when a membership ends: the card goes with it."""
    now = now or timezone.now()
    _require_officer(acting_user, membership.union)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status == Membership.Status.ACTIVE:
        raise InvalidInput(_("The membership is still active; end it first."))
    cards, applications = cancel_cards_of_membership(membership=membership, now=now)
    record_event(
        acting_user=acting_user,
        event_type="cards_cancelled_membership_ended",
        obj=membership,
        unit=membership.union,
        details={"cards": cards, "applications": applications},
        now=now,
    )
    return cards, applications


# ---- branches, boxes, keys -------------------------------------------------------------------------


@transaction.atomic(durable=True)
def do_create_bank_branch(
    *,
    acting_user: Any,
    code: str,
    bank_name: str,
    name: str,
    serves_unit: OrgUnit,
    bin_prefix: str,
    low_stock_threshold: int = 20,
    now: datetime.datetime | None = None,
) -> BankBranch:
    now = now or timezone.now()
    _require_officer(acting_user, serves_unit, RANK_MANAGE_BRANCHES)
    if not (bin_prefix.isascii() and bin_prefix.isdigit() and 6 <= len(bin_prefix) <= 10):
        raise InvalidInput(_("The BIN is the card number's first 6 to 10 digits."), field="bin_prefix")
    if BankBranch.objects.filter(code=code).exists():
        raise Conflict(field="code")
    branch = BankBranch.objects.create(
        code=code,
        bank_name=bank_name.strip(),
        name=name.strip(),
        serves_unit=serves_unit,
        bin_prefix=bin_prefix,
        low_stock_threshold=low_stock_threshold,
        authoriser_device_id=f"fp-{secrets.token_hex(6)}",
        authoriser_secret=secrets.token_urlsafe(32),
        created_at=now,
    )
    record_event(
        acting_user=acting_user, event_type="bank_branch_created", obj=branch, unit=serves_unit, now=now
    )
    return branch


@transaction.atomic(durable=True)
def do_assign_branch_operator(
    *, acting_user: Any, branch: BankBranch, user: Any, now: datetime.datetime | None = None
) -> BranchOperator:
    """Tie a bank-operator login to a branch (moving it from another branch if it had one)."""
    now = now or timezone.now()
    _require_officer(acting_user, branch.serves_unit, RANK_MANAGE_BRANCHES)
    if not user.role_assignments.filter(role=Role.BANK_OPERATOR, revoked_at__isnull=True).exists():
        raise InvalidInput(_("Only a login with the bank-operator role can work at a branch."), field="user")
    link, _created = BranchOperator.objects.update_or_create(
        user=user, defaults={"branch": branch, "created_at": now}
    )
    record_event(
        acting_user=acting_user,
        event_type="bank_operator_assigned",
        obj=branch,
        unit=branch.serves_unit,
        details={"user_id": user.pk},
        now=now,
    )
    return link


@transaction.atomic(durable=True)
def do_create_card_stock(
    *, acting_user: Any, branch: BankBranch, label: str, now: datetime.datetime | None = None
) -> CardStock:
    now = now or timezone.now()
    if operator_branch(acting_user).pk != branch.pk:
        raise NotFound()
    stock = CardStock.objects.create(branch=branch, label=label.strip()[:100] or "卡箱", created_at=now)
    record_event(
        acting_user=acting_user, event_type="card_stock_created", obj=stock, unit=branch.serves_unit, now=now
    )
    return stock


@transaction.atomic(durable=True)
def do_load_card_batch(
    *,
    acting_user: Any,
    stock: CardStock,
    numbers: Iterable[str],
    batch: str = "",
    now: datetime.datetime | None = None,
) -> int:
    """Put a batch of blank cards into the box. Every number must be Luhn-valid under the bank's BIN and
    new; one bad number refuses the batch (the operator fixes the list, nothing half-loaded)."""
    now = now or timezone.now()
    branch = stock.branch
    if operator_branch(acting_user).pk != branch.pk:
        raise NotFound()
    cleaned = [clean_card_number(n) for n in numbers if n.strip()]
    if not cleaned:
        raise BatchEmpty(field="numbers")
    if len(cleaned) > MAX_BATCH:
        raise BatchTooLarge(field="numbers", n=MAX_BATCH)
    for number in cleaned:
        problem = card_number_problem(number, bin_prefix=branch.bin_prefix)
        if problem:
            raise CardNumberInvalid(field="numbers", number=number[:32], problem=PROBLEM_LABELS[problem])
    if len(set(cleaned)) != len(cleaned):
        raise CardNumberTaken(field="numbers")
    batch = batch.strip()[:40] or now.strftime("%Y%m%d-%H%M%S")
    blanks = [CardBlank(stock=stock, number=n, last4=n[-4:], batch=batch, loaded_at=now) for n in cleaned]
    try:
        with transaction.atomic():
            CardBlank.objects.bulk_create(blanks, batch_size=500)
    except IntegrityError:
        raise CardNumberTaken(field="numbers") from None
    record_event(
        acting_user=acting_user,
        event_type="card_batch_loaded",
        obj=stock,
        unit=branch.serves_unit,
        details={"count": len(blanks), "batch": batch},
        now=now,
    )
    return len(blanks)


PROBLEM_LABELS = {
    "not_digits": _("not all digits"),
    "length": _("must be 16 to 19 digits"),
    "bin": _("does not start with the bank's BIN"),
    "check_digit": _("wrong check digit"),
}


@transaction.atomic(durable=True)
def do_void_card_blank(
    *, acting_user: Any, blank: CardBlank, reason: str, now: datetime.datetime | None = None
) -> CardBlank:
    """Take a damaged card out of the box for good."""
    now = now or timezone.now()
    blank = (
        CardBlank.objects.select_for_update().select_related("stock__branch__serves_unit").get(pk=blank.pk)
    )
    if operator_branch(acting_user).pk != blank.stock.branch_id:
        raise NotFound()
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the card is voided."), field="reason")
    if blank.status != CardBlank.Status.FREE:
        raise BlankNotFree()
    blank.status = CardBlank.Status.VOID
    blank.voided_at = now
    blank.void_reason = reason[:200]
    blank.save(update_fields=["status", "voided_at", "void_reason"])
    record_event(
        acting_user=acting_user,
        event_type="card_blank_voided",
        obj=blank,
        unit=blank.stock.branch.serves_unit,
        details={"reason": blank.void_reason},
        now=now,
    )
    return blank


def new_key_id(branch: BankBranch) -> str:
    return f"{branch.code.lower()}-{secrets.token_hex(4)}"


@transaction.atomic(durable=True)
def do_issue_partner_key(
    *, acting_user: Any, branch: BankBranch, now: datetime.datetime | None = None
) -> tuple[PartnerKey, str]:
    """A new signing key for the branch's back office. The secret is returned once (to hand to the bank)
    and stored encrypted. Earlier keys keep working for KEY_OVERLAP, then stop: a rotation."""
    now = now or timezone.now()
    if (
        acting_user is not None
    ):  # None: the demo loader and `bank_sim --setup`, run by the operator of the host
        _require_officer(acting_user, branch.serves_unit, RANK_MANAGE_BRANCHES)
    secret = secrets.token_urlsafe(32)
    rotated = PartnerKey.objects.filter(
        branch=branch, revoked_at__isnull=True, expires_at__isnull=True
    ).update(expires_at=now + KEY_OVERLAP)
    key = PartnerKey.objects.create(branch=branch, key_id=new_key_id(branch), secret=secret, created_at=now)
    record_event(
        acting_user=acting_user,
        event_type="partner_key_issued",
        obj=key,
        unit=branch.serves_unit,
        details={"branch_id": branch.pk, "rotated": rotated},
        now=now,
    )
    return key, secret


@transaction.atomic(durable=True)
def do_revoke_partner_key(
    *, acting_user: Any, key: PartnerKey, now: datetime.datetime | None = None
) -> PartnerKey:
    now = now or timezone.now()
    key = PartnerKey.objects.select_for_update().select_related("branch__serves_unit").get(pk=key.pk)
    _require_officer(acting_user, key.branch.serves_unit, RANK_MANAGE_BRANCHES)
    if key.revoked_at is None:
        key.revoked_at = now
        key.save(update_fields=["revoked_at"])
    record_event(
        acting_user=acting_user,
        event_type="partner_key_revoked",
        obj=key,
        unit=key.branch.serves_unit,
        now=now,
    )
    return key


def simulator_enabled() -> bool:
    """The simulated ID reader and fingerprint device exist in development, the demo and the tests only."""
    return bool(settings.GONGHUI_CARD_DEVICE_SIMULATOR)
