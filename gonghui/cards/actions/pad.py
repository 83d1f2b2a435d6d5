"""The pad's steps at the bank counter: call, read the ID card, authorise, issue, link medical insurance,
complete or reject."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from gonghui.cards.actions.errors import (
    CalledElsewhere,
    CardBoxEmpty,
    CardNotLive,
    FingerprintInvalid,
    FingerprintStale,
    IdCardExpired,
    IdCardMismatch,
    IdCardReadInvalid,
    IllegalTransition,
    MedicalAccountInvalid,
    ReasonInvalid,
    RejectReason,
)
from gonghui.cards.actions.rules import FINGERPRINT_MAX_AGE, Status, _lock, _move, _require_branch_operator
from gonghui.cards.models import BankBranch, Card, CardApplication, CardBlank
from gonghui.cards.signing import FingerprintConfirmation, fingerprint_valid
from gonghui.core.audit import record_event
from gonghui.core.errors import DomainError
from gonghui.core.pii import mask_resident_id
from gonghui.core.sms import send_sms_on_commit
from gonghui.core.text import to_half_width


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
