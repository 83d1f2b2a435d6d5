"""Every read of the benefit, scoped: officers see the claims of members of their subtree (by the claim's
union); plans are the city's and visible to every officer."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from gonghui.benefits.models import BenefitPlan, FeedImportJob, FeedProblem, ReimbursementClaim
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
