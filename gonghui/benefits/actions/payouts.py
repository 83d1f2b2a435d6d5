"""Payouts to the service card through the bank's back office: officers put approved claims into batches
(one per branch of the members' cards); the bank pulls them over the signed partner API and posts each
payout's result. A paid payout pays the claim and sends the member an SMS; a failed one sends the claim back
to the exception queue. A claim is never paid twice: at most one payout of it is live or paid (a database
constraint), and a result the bank posts again changes nothing."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.models import Payout, PayoutBatch, ReimbursementClaim
from gonghui.cards.models import Card, PartnerKey
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.core.sms import send_sms_on_commit
from gonghui.core.text import TextKind, clean_text
from gonghui.orgs.models import ROLE_RANK, OrgUnit, Role
from gonghui.orgs.scope import path_q, scope_top_unit_id

RANK_PAY = ROLE_RANK[Role.DISTRICT_OFFICER]
MAX_PAYOUTS = 5000
Status = ReimbursementClaim.Status


class NothingToPay(Conflict):
    code = "nothing_to_pay"
    default_message = _("No approved claim in your area is waiting to be paid to a live card.")


class PayoutResultInvalid(InvalidInput):
    code = "payout_result_invalid"
    default_message = _("A result is PAID with the bank's reference, or FAILED with a reason code.")


class PayoutResultConflict(Conflict):
    code = "payout_result_conflict"
    default_message = _("This payout already has another result (%(status)s); a result never changes.")


FAILURE_CODES = {
    "card_closed": _("The card is closed"),
    "card_frozen": _("The card is frozen"),
    "account_mismatch": _("The card does not match the member"),
    "bank_error": _("Error at the bank"),
    "other": _("Other reason"),
}


@dataclass
class BatchOutcome:
    batches: list[PayoutBatch]
    without_card: int


@transaction.atomic(durable=True)
def do_create_payout_batches(*, acting_user: Any, now: datetime.datetime | None = None) -> BatchOutcome:
    """Every approved claim of the officer's area (up to MAX_PAYOUTS), one batch per bank branch of the
    members' live cards. A member without a live card waits (counted, left APPROVED)."""
    now = now or timezone.now()
    scope = path_q(acting_user, "union__path", min_rank=RANK_PAY)
    claims = list(
        ReimbursementClaim.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(scope, status=Status.APPROVED, payable_fen__gt=0)
        .order_by("pk")[:MAX_PAYOUTS]
    )
    cards = {
        card.person_id: card
        for card in Card.objects.filter(
            person_id__in={c.person_id for c in claims}, status__in=[Card.Status.ISSUED, Card.Status.ACTIVE]
        )
    }
    by_branch: dict[int, list[tuple[ReimbursementClaim, Card]]] = defaultdict(list)
    without_card = 0
    for claim in claims:
        card = cards.get(claim.person_id)
        if card is None:
            without_card += 1
            continue
        by_branch[card.branch_id].append((claim, card))
    if not by_branch:
        raise NothingToPay()
    batches = []
    for branch_id, items in sorted(by_branch.items()):
        batch = PayoutBatch.objects.create(
            branch_id=branch_id,
            payouts_count=len(items),
            total_fen=sum(claim.payable_fen for claim, _card in items),
            created_by=acting_user,
            created_at=now,
        )
        Payout.objects.bulk_create(
            [
                Payout(batch=batch, claim=claim, card=card, amount_fen=claim.payable_fen, created_at=now)
                for claim, card in items
            ]
        )
        batches.append(batch)
    ReimbursementClaim.objects.filter(
        pk__in=[c.pk for items in by_branch.values() for c, _card in items]
    ).update(status=Status.PAYING, updated_at=now)
    top = scope_top_unit_id(acting_user, min_rank=RANK_PAY)
    record_event(
        acting_user=acting_user,
        event_type="payout_batches_created",
        obj=batches[0],
        unit=OrgUnit.objects.filter(pk=top).first() if top else None,
        details={
            "batches": [b.pk for b in batches],
            "payouts": sum(b.payouts_count for b in batches),
            "total_fen": sum(b.total_fen for b in batches),
            "without_card": without_card,
        },
        now=now,
    )
    return BatchOutcome(batches=batches, without_card=without_card)


@dataclass(frozen=True)
class PayoutResult:
    status: str  # PAID or FAILED
    bank_reference: str = ""
    failure_code: str = ""
    note: str = ""


@dataclass
class ResultOutcome:
    payout: Payout
    changed: bool


def _check(result: PayoutResult) -> PayoutResult:
    reference = clean_text(result.bank_reference, TextKind.LABEL, field="bank_reference")[:64]
    note = clean_text(result.note, TextKind.LABEL, field="note")[:200]
    if result.status == Payout.Status.PAID and reference:
        return PayoutResult(Payout.Status.PAID, reference, "", note)
    if result.status == Payout.Status.FAILED and result.failure_code in FAILURE_CODES:
        return PayoutResult(Payout.Status.FAILED, reference, result.failure_code, note)
    raise PayoutResultInvalid(field="status")


def _paid_message(claim: ReimbursementClaim, payout: Payout) -> str:
    yuan = f"{payout.amount_fen // 100}.{payout.amount_fen % 100:02d}"
    last4 = payout.card.number[-4:]
    return f"【工会】您{claim.service_date:%m月%d日}就医的二次报销{yuan}元已支付到会员服务卡（尾号{last4}）。"


@transaction.atomic(durable=True)
def do_record_payout_result(
    *, key: PartnerKey, payout: Payout, result: PayoutResult, now: datetime.datetime | None = None
) -> ResultOutcome:
    """The bank's answer for one payout. The same answer again changes nothing (a retry after a lost
    response); a different one is refused — a paid payout never fails afterwards, nor a failed one pays."""
    now = now or timezone.now()
    result = _check(result)
    payout = Payout.objects.select_for_update(of=("self",)).select_related("batch", "card").get(pk=payout.pk)
    if payout.batch.branch_id != key.branch_id:
        raise Forbidden()
    claim = (
        ReimbursementClaim.objects.select_for_update(of=("self",))
        .select_related("union", "person")
        .get(pk=payout.claim_id)
    )
    if payout.status != Payout.Status.SENT:
        same = payout.status == result.status and (
            payout.bank_reference == result.bank_reference
            if result.status == Payout.Status.PAID
            else payout.failure_code == result.failure_code
        )
        if not same:
            raise PayoutResultConflict(status=Payout.Status(payout.status).label)
        record_event(
            acting_user=None,
            event_type="payout_result_repeated",
            obj=payout,
            unit=claim.union,
            details={"key_id": key.key_id, "status": result.status},
            now=now,
        )
        return ResultOutcome(payout=payout, changed=False)
    payout.status = result.status
    payout.bank_reference = result.bank_reference
    payout.failure_code = result.failure_code
    payout.failure_note = result.note
    payout.answered_at = now
    payout.save(update_fields=["status", "bank_reference", "failure_code", "failure_note", "answered_at"])
    if result.status == Payout.Status.PAID:
        claim.status = Status.PAID
        if claim.person.phone:
            send_sms_on_commit(phone=claim.person.phone, text=_paid_message(claim, payout))
    else:
        # Back to the exception queue; the claim keeps its share of the year's cap (the money is still owed).
        claim.status = Status.REVIEW
        claim.note = f"{FAILURE_CODES[result.failure_code]}：{result.note}"[:300]
    claim.updated_at = now
    claim.save(update_fields=["status", "note", "updated_at"])
    if not Payout.objects.filter(batch_id=payout.batch_id, status=Payout.Status.SENT).exists():
        PayoutBatch.objects.filter(pk=payout.batch_id).update(status=PayoutBatch.Status.CLOSED, closed_at=now)
    record_event(
        acting_user=None,
        event_type="payout_paid" if result.status == Payout.Status.PAID else "payout_failed",
        obj=payout,
        unit=claim.union,
        details={"key_id": key.key_id, "amount_fen": payout.amount_fen, "failure": result.failure_code},
        now=now,
    )
    return ResultOutcome(payout=payout, changed=True)
