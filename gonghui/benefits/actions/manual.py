"""A manual claim by a union officer, with receipt scans, for what the settlement feed misses (a hospital
outside the feed, a settlement lost). It is decided by the same eligibility rules and computed by the same
calculation, then waits for review: receipts are read by a person before money moves."""

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.actions.feed import plans_in_force, rules_of
from gonghui.benefits.calculation import calculate
from gonghui.benefits.eligibility import Refusal, decide, load_facts
from gonghui.benefits.models import (
    BenefitKind,
    ClaimReceipt,
    HospitalLevel,
    ReimbursementClaim,
    YearAccumulator,
)
from gonghui.core.audit import record_event
from gonghui.core.errors import Forbidden, InvalidInput
from gonghui.core.text import TextKind, clean_text
from gonghui.core.uploads import DOCUMENT, check_upload
from gonghui.members.models import Membership
from gonghui.orgs.models import ROLE_RANK, Role
from gonghui.orgs.scope import rank_at

RANK_CLAIM = ROLE_RANK[Role.UNION_CHAIR]
MAX_RECEIPTS = 10
MAX_AMOUNT_FEN = 10**11  # a billion yuan: no medical bill is larger


class ClaimInvalid(InvalidInput):
    code = "claim_invalid"
    default_message = _("The claim is not consistent: %(reason)s")


class ReceiptsMissing(InvalidInput):
    code = "receipts_missing"
    default_message = _("Attach at least one receipt scan (at most %(n)s).")


@dataclass(frozen=True)
class ManualClaimData:
    kind: str
    service_date: datetime.date
    hospital: str
    hospital_level: str
    total_cost_fen: int
    covered_fen: int
    self_paid_in_scope_fen: int
    note: str = ""

    def check(self, today: datetime.date) -> None:
        check_amounts(self.total_cost_fen, self.covered_fen, self.self_paid_in_scope_fen)
        if self.service_date > today:
            raise ClaimInvalid(reason=_("the date of service is in the future"), field="service_date")
        if self.kind not in BenefitKind.values:
            raise ClaimInvalid(reason=_("unknown benefit"), field="kind")
        if self.hospital_level not in HospitalLevel.values:
            raise ClaimInvalid(reason=_("unknown hospital level"), field="hospital_level")


def check_amounts(total: int, covered: int, self_paid: int) -> None:
    for name, value in (
        ("total_cost_fen", total),
        ("covered_fen", covered),
        ("self_paid_in_scope_fen", self_paid),
    ):
        if not 0 <= value <= MAX_AMOUNT_FEN:
            raise ClaimInvalid(reason=_("amounts cannot be negative"), field=name)
    if covered + self_paid > total:
        raise ClaimInvalid(
            reason=_("what insurance paid and the self-paid part exceed the total cost"),
            field="self_paid_in_scope_fen",
        )


@transaction.atomic(durable=True)
def do_create_manual_claim(
    *,
    acting_user: Any,
    membership: Membership,
    data: ManualClaimData,
    receipts: list[Any],
    now: datetime.datetime | None = None,
) -> ReimbursementClaim:
    now = now or timezone.now()
    if rank_at(acting_user, membership.union) < RANK_CLAIM:
        raise Forbidden()
    data.check(timezone.localdate(now))
    hospital = clean_text(data.hospital, TextKind.NAME, field="hospital")[:200]
    note = clean_text(data.note, TextKind.FREE_TEXT, field="note")[:300]
    if not hospital:
        raise ClaimInvalid(reason=_("name the hospital"), field="hospital")
    if not 1 <= len(receipts) <= MAX_RECEIPTS:
        raise ReceiptsMissing(n=MAX_RECEIPTS, field="receipts")
    checked = [check_upload(upload, accept=DOCUMENT, field="receipts") for upload in receipts]
    facts = load_facts([membership.person_id]).get(membership.person_id)
    plan = plans_in_force({(data.service_date.year, data.kind)}).get((data.service_date.year, data.kind))
    claim = ReimbursementClaim(
        source=ReimbursementClaim.Source.MANUAL,
        person_id=membership.person_id,
        membership=membership,
        union=membership.union,
        plan=plan,
        kind=data.kind,
        service_date=data.service_date,
        hospital=hospital,
        hospital_level=data.hospital_level,
        total_cost_fen=data.total_cost_fen,
        covered_fen=data.covered_fen,
        self_paid_in_scope_fen=data.self_paid_in_scope_fen,
        note=note,
        created_by=acting_user,
        created_at=now,
        updated_at=now,
    )
    decision = (
        decide(facts, service_date=data.service_date, plan=plan, hospital_level=data.hospital_level)
        if facts
        else None
    )
    refusal = decision.refusal if decision else Refusal.NOT_MEMBER_ON_DATE
    if refusal is None and decision is not None and decision.membership is not None:
        assert plan is not None
        claim.membership_id = decision.membership.membership_id
        used = (
            YearAccumulator.objects.filter(person_id=membership.person_id, year=plan.year, kind=plan.kind)
            .values_list("used_fen", flat=True)
            .first()
        ) or 0
        # A proposal: the accumulator is charged when a reviewer approves, against its total then.
        result = calculate(eligible_fen=data.self_paid_in_scope_fen, rules=rules_of(plan), year_used_fen=used)
        claim.deductible_applied_fen = result.deductible_applied_fen
        claim.after_bands_fen = result.after_bands_fen
        claim.after_claim_cap_fen = result.after_claim_cap_fen
        claim.payable_fen = result.payable_fen
        if result.after_claim_cap_fen == 0:
            refusal = Refusal.BELOW_DEDUCTIBLE
        elif result.payable_fen == 0:
            refusal = Refusal.YEAR_CAP_REACHED
    if refusal is not None:
        claim.status = ReimbursementClaim.Status.REFUSED
        claim.refusal_code = refusal.value
        claim.payable_fen = 0
    else:
        claim.status = ReimbursementClaim.Status.REVIEW
    claim.save(force_insert=True)
    for scan in checked:
        receipt = ClaimReceipt(
            claim=claim, content_type=scan.content_type, sha256=scan.sha256, uploaded_at=now
        )
        receipt.file.save(
            f"receipt-{uuid.uuid4().hex}.{scan.extension}", ContentFile(scan.content), save=False
        )
        receipt.save()
    record_event(
        acting_user=acting_user,
        event_type="manual_claim_created",
        obj=claim,
        unit=membership.union,
        details={"status": claim.status, "refusal": claim.refusal_code, "receipts": len(checked)},
        now=now,
    )
    return claim
