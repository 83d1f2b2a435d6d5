"""Every read of the benefit, scoped: officers see the claims of members of their subtree (by the claim's
union); plans are the city's and visible to every officer."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from gonghui.benefits.models import (
    BenefitPlan,
    FeedImportJob,
    FeedProblem,
    Payout,
    PayoutBatch,
    ReimbursementClaim,
)
from gonghui.cards.models import PartnerKey
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import max_rank, path_q, scope_paths

Status = ReimbursementClaim.Status


def claims_in_scope(acting_user: Any) -> QuerySet[ReimbursementClaim]:
    return ReimbursementClaim.objects.filter(path_q(acting_user, "union__path"))


@dataclass(frozen=True)
class ClaimFilters:
    status: str = ""
    kind: str = ""
    refusal_code: str = ""
    source: str = ""
    union_id: int | None = None
    service_from: datetime.date | None = None
    service_to: datetime.date | None = None
    name: str = ""


def list_claims(*, acting_user: Any, filters: ClaimFilters = ClaimFilters()) -> QuerySet[ReimbursementClaim]:
    qs = claims_in_scope(acting_user).select_related("person", "union", "settlement", "plan")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.refusal_code:
        qs = qs.filter(refusal_code=filters.refusal_code)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.union_id:
        union = OrgUnit.objects.filter(pk=filters.union_id).values_list("path", flat=True).first()
        qs = qs.filter(union__path__startswith=union) if union else qs.none()
    if filters.service_from:
        qs = qs.filter(service_date__gte=filters.service_from)
    if filters.service_to:
        qs = qs.filter(service_date__lte=filters.service_to)
    if filters.name:
        qs = qs.filter(person__name__contains=filters.name)
    return qs.order_by("-created_at", "-pk")


def claim_totals(claims: QuerySet[ReimbursementClaim]) -> dict[str, int]:
    """Count and money of a (filtered) list, for the line above it."""
    return claims.aggregate(
        count=Count("pk"),
        payable_fen=Coalesce(Sum("payable_fen", filter=Q(status=Status.APPROVED)), 0),
        review=Count("pk", filter=Q(status=Status.REVIEW)),
    )


@dataclass(frozen=True)
class DistrictTotal:
    unit_id: int
    name: str
    approved: int
    review: int
    refused: int
    payable_fen: int


def totals_by_district(*, acting_user: Any) -> list[DistrictTotal]:
    """Claims per district (or per child unit of the officer's own unit below the city): the queues and
    the money, for district and city officers."""
    paths = scope_paths(acting_user)
    if not paths:
        return []
    top_ids = [int(p.rstrip("/").split("/")[-1]) for p in paths]
    # The level under the officer's own units: districts for the city, streets for a district.
    children = list(
        OrgUnit.objects.filter(parent_id__in=top_ids).order_by("code").values_list("pk", "name", "path")
    )
    result = []
    claims = claims_in_scope(acting_user)
    for pk, name, path in children:
        figures = claims.filter(union__path__startswith=path).aggregate(
            approved=Count("pk", filter=Q(status=Status.APPROVED)),
            review=Count("pk", filter=Q(status=Status.REVIEW)),
            refused=Count("pk", filter=Q(status=Status.REFUSED)),
            payable_fen=Coalesce(Sum("payable_fen", filter=Q(status=Status.APPROVED)), 0),
        )
        result.append(DistrictTotal(pk, name, **figures))
    return result


def list_plans(*, acting_user: Any) -> QuerySet[BenefitPlan]:
    """Plans are city-wide rules, visible to every staff member (none to partners or outsiders)."""
    if max_rank(acting_user) == 0:
        return BenefitPlan.objects.none()
    return BenefitPlan.objects.all().order_by("-year", "kind", "-version")


def plan_in_use(plan: BenefitPlan) -> bool:
    return plan.claims.exists()


def feed_jobs_in_scope(acting_user: Any) -> QuerySet[FeedImportJob]:
    """Feed imports of the officer's area (by the unit they were run for)."""
    return FeedImportJob.objects.filter(path_q(acting_user, "unit__path"))


def list_feed_jobs(*, acting_user: Any) -> QuerySet[FeedImportJob]:
    return feed_jobs_in_scope(acting_user).select_related("unit", "owner").order_by("-created_at", "-pk")


def list_feed_problems(*, acting_user: Any, job: FeedImportJob) -> QuerySet[FeedProblem]:
    return FeedProblem.objects.filter(job=job).order_by("row", "pk")


# ---- payouts and reconciliation --------------------------------------------------------------------


def payouts_in_scope(acting_user: Any) -> QuerySet[Payout]:
    return Payout.objects.filter(path_q(acting_user, "claim__union__path"))


def batches_in_scope(acting_user: Any) -> QuerySet[PayoutBatch]:
    """Batches holding at least one payout of the officer's area."""
    return PayoutBatch.objects.filter(pk__in=payouts_in_scope(acting_user).values("batch_id"))


def list_batches(*, acting_user: Any) -> QuerySet[PayoutBatch]:
    return batches_in_scope(acting_user).select_related("branch").order_by("-created_at", "-pk")


def list_batch_payouts(*, acting_user: Any, batch: PayoutBatch) -> QuerySet[Payout]:
    return (
        payouts_in_scope(acting_user)
        .filter(batch=batch)
        .select_related("claim__person", "claim__union")
        .order_by("pk")
    )


def partner_payouts(key: PartnerKey, *, status: str | None = None) -> QuerySet[Payout]:
    """Payouts routed to the key's branch (and no other), oldest first."""
    payouts = Payout.objects.filter(batch__branch_id=key.branch_id).select_related(
        "batch", "card", "claim__person"
    )
    if status:
        payouts = payouts.filter(status=status)
    return payouts.order_by("pk")


@dataclass(frozen=True)
class ReconciliationLine:
    """Money of one batch (or one day): approved into it, sent, confirmed paid, failed, still at the bank.
    Balanced when approved == sent == paid + failed + outstanding, to the fen."""

    label: str
    approved_fen: int
    sent_fen: int
    paid_fen: int
    failed_fen: int
    outstanding_fen: int
    payouts: int

    @property
    def balanced(self) -> bool:
        return self.approved_fen == self.sent_fen == self.paid_fen + self.failed_fen + self.outstanding_fen


@dataclass(frozen=True)
class Reconciliation:
    batches: list[tuple[PayoutBatch, ReconciliationLine]]
    days: list[ReconciliationLine]
    total: ReconciliationLine
    approved_unsent_fen: int  # approved claims not yet in a batch

    @property
    def balanced(self) -> bool:
        return (
            self.total.balanced
            and all(line.balanced for _b, line in self.batches)
            and all(d.balanced for d in self.days)
        )


_MONEY = {
    "sent_fen": Coalesce(Sum("amount_fen"), 0),
    "paid_fen": Coalesce(Sum("amount_fen", filter=Q(status="PAID")), 0),
    "failed_fen": Coalesce(Sum("amount_fen", filter=Q(status="FAILED")), 0),
    "outstanding_fen": Coalesce(Sum("amount_fen", filter=Q(status="SENT")), 0),
    "payouts": Count("pk"),
}


def reconciliation(*, acting_user: Any, batch_limit: int = 200) -> Reconciliation:
    """Approved vs sent vs confirmed, per batch and per day of sending, over the officer's area. The
    approved side is the claims' own amounts (what the rules granted); the sent side the payouts' (what
    went to the bank), so a payout that differed from its claim would unbalance the line."""
    payouts = payouts_in_scope(acting_user)
    batches = list(list_batches(acting_user=acting_user)[:batch_limit])
    per_batch = {
        row["batch_id"]: row
        for row in payouts.filter(batch__in=batches)
        .values("batch_id")
        .annotate(approved_fen=Coalesce(Sum("claim__payable_fen"), 0), **_MONEY)
    }
    lines = []
    for batch in batches:
        row = per_batch[batch.pk]
        lines.append((batch, _line(batch.reference, dict(row))))
    days = [
        _line(str(row["day"]), dict(row))
        for row in payouts.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(approved_fen=Coalesce(Sum("claim__payable_fen"), 0), **_MONEY)
        .order_by("-day")
    ]
    total = payouts.aggregate(approved_fen=Coalesce(Sum("claim__payable_fen"), 0), **_MONEY)
    unsent = (
        claims_in_scope(acting_user)
        .filter(status=Status.APPROVED)
        .aggregate(t=Coalesce(Sum("payable_fen"), 0))["t"]
    )
    return Reconciliation(lines, days, _line("", total), unsent)


def _line(label: str, row: dict[str, Any]) -> ReconciliationLine:
    return ReconciliationLine(
        label,
        approved_fen=int(row["approved_fen"]),
        sent_fen=int(row["sent_fen"]),
        paid_fen=int(row["paid_fen"]),
        failed_fen=int(row["failed_fen"]),
        outstanding_fen=int(row["outstanding_fen"]),
        payouts=int(row["payouts"]),
    )


def claims_of_phone(phone: str) -> QuerySet[ReimbursementClaim]:
    """The member self-service page: claims of the person(s) holding this verified number."""
    from gonghui.core.pii import blind_index

    # The number as the code page verified it (normalised there), indexed as Person.phone is.
    index = blind_index(phone, purpose="phone")
    return ReimbursementClaim.objects.filter(person__phone_index=index).order_by("-service_date", "-pk")
