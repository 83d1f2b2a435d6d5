"""Not yours == not there: another district's claim or feed job → 404."""

from typing import Any

from gonghui.benefits import queries
from gonghui.benefits.models import BenefitPlan, ClaimReceipt, FeedImportJob, PayoutBatch, ReimbursementClaim
from gonghui.core.access import get_in_scope


def access_claim(user: Any, claim_id: Any) -> ReimbursementClaim:
    return get_in_scope(
        queries.claims_in_scope(user).select_related("person", "union", "settlement", "plan", "membership"),
        claim_id,
    )


def access_receipt(user: Any, receipt_id: Any) -> ClaimReceipt:
    return get_in_scope(ClaimReceipt.objects.filter(claim__in=queries.claims_in_scope(user)), receipt_id)


def access_plan(user: Any, plan_id: Any) -> BenefitPlan:
    return get_in_scope(queries.list_plans(acting_user=user), plan_id)


def access_feed_job(user: Any, job_id: Any) -> FeedImportJob:
    return get_in_scope(queries.feed_jobs_in_scope(user).select_related("unit", "owner"), job_id)


def access_batch(user: Any, batch_id: Any) -> PayoutBatch:
    return get_in_scope(queries.batches_in_scope(user).select_related("branch"), batch_id)
