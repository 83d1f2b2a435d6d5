"""The bank's back office (partner API): status updates, refusals, disclosures."""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from gonghui.cards.actions.errors import (
    CardNumberInvalid,
    CardNumberTaken,
    IllegalTransition,
    ReasonInvalid,
    RejectReason,
    StatusUpdateConflict,
)
from gonghui.cards.actions.pad import _link_medical, clean_medical_account
from gonghui.cards.actions.rules import Status, _lock, _move
from gonghui.cards.models import BankBranch, Card, CardApplication, PartnerKey
from gonghui.cards.numbers import card_number_problem, clean_card_number
from gonghui.core.audit import record_event
from gonghui.core.errors import InvalidInput, NotFound


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
