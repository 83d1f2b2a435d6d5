"""The exception queue: claims the rules could not settle alone (manual claims with receipts, payouts the
bank could not make) wait in REVIEW for a district or city officer, who approves or refuses them."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.actions.feed import lock_accumulators, plans_in_force, rules_of
from gonghui.benefits.calculation import calculate
from gonghui.benefits.eligibility import Refusal
from gonghui.benefits.models import ReimbursementClaim
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.core.text import TextKind, clean_text
from gonghui.orgs.models import ROLE_RANK, Role
from gonghui.orgs.scope import rank_at

RANK_REVIEW = ROLE_RANK[Role.DISTRICT_OFFICER]
Status = ReimbursementClaim.Status


class NotAwaitingReview(Conflict):
    code = "claim_not_in_review"
    default_message = _("This claim is not waiting for review (someone decided it already).")


class ReviewReasonMissing(InvalidInput):
    code = "review_reason_missing"
    default_message = _("Say why the claim is refused.")


@transaction.atomic(durable=True)
def do_review_claim(
    *,
    acting_user: Any,
    claim: ReimbursementClaim,
    approve: bool,
    note: str = "",
    now: datetime.datetime | None = None,
) -> ReimbursementClaim:
    """Approve (the claim's year accumulator is charged now, against what is left of the cap — unless the
    claim holds its share already, as one back from a failed payout) or refuse (its share is given back)."""
    now = now or timezone.now()
    if rank_at(acting_user, claim.union) < RANK_REVIEW:
        raise Forbidden()
    note = clean_text(note, TextKind.FREE_TEXT, field="note")[:300]
    claim = (
        ReimbursementClaim.objects.select_for_update(of=("self",))
        .select_related("plan", "union")
        .get(pk=claim.pk)
    )
    if claim.status != Status.REVIEW:
        raise NotAwaitingReview()
    plan = claim.plan
    keys = {(claim.person_id, claim.service_date.year, claim.kind)}
    if plan is not None:
        plans = plans_in_force({(plan.year, plan.kind)}) | {(plan.year, plan.kind): plan}
        accumulator = lock_accumulators(keys, plans)[(claim.person_id, plan.year, plan.kind)]
    else:
        accumulator = None
    if not approve:
        if not note:
            raise ReviewReasonMissing(field="note")
        if accumulator is not None and claim.accumulated_fen:
            accumulator.used_fen -= claim.accumulated_fen
            accumulator.save(update_fields=["used_fen"])
        claim.status = Status.REFUSED
        claim.refusal_code = Refusal.REFUSED_BY_REVIEWER.value
        claim.payable_fen = claim.accumulated_fen = 0
    elif claim.accumulated_fen == 0:
        assert (
            plan is not None and accumulator is not None
        )  # a claim without a plan is refused, never in review
        result = calculate(
            eligible_fen=claim.self_paid_in_scope_fen,
            rules=rules_of(plan),
            year_used_fen=accumulator.used_fen,
        )
        if result.payable_fen == 0:
            claim.status = Status.REFUSED
            claim.refusal_code = Refusal.YEAR_CAP_REACHED.value
            claim.payable_fen = 0
        else:
            claim.status = Status.APPROVED
            claim.payable_fen = claim.accumulated_fen = result.payable_fen
            accumulator.used_fen += result.payable_fen
            accumulator.cap_fen = max(accumulator.cap_fen, accumulator.used_fen)
            accumulator.save(update_fields=["used_fen", "cap_fen"])
    else:
        claim.status = Status.APPROVED
    if note:
        claim.note = note
    claim.reviewed_by = acting_user
    claim.reviewed_at = now
    claim.updated_at = now
    claim.save()
    record_event(
        acting_user=acting_user,
        event_type="claim_approved" if claim.status == Status.APPROVED else "claim_refused",
        obj=claim,
        unit=claim.union,
        details={"payable_fen": claim.payable_fen, "refusal": claim.refusal_code},
        now=now,
    )
    return claim
