from django.core.management import call_command

from gonghui.benefits.models import BenefitPlan, FeedImportJob, PayoutBatch, ReimbursementClaim, Settlement


def story() -> dict[str, tuple[str, str, int]]:
    return {
        c.person.name: (c.status, c.refusal_code, c.payable_fen)
        for c in ReimbursementClaim.objects.select_related("person")
    }


def test_it_tells_the_benefit_story_once(db):
    call_command("demo")
    first = story()
    # 韩梅: 15,210.50 self-paid; 13,910.50 above the 1,300 deductible: 10,000 at 50 % + 3,910.50 at 60 %.
    assert first == {"韩梅": ("PAID", "", 734_630), "杜鹏": ("REFUSED", "not_member_on_date", 0)}
    batch = PayoutBatch.objects.get()
    assert (batch.branch.code, batch.status, batch.total_fen) == ("BOB-HD", "CLOSED", 734_630)
    claim = ReimbursementClaim.objects.get(person__name="韩梅")
    assert claim.union.code == "BJ-HD-GJK-XY" and claim.union.name == "北京新意互动广告有限公司工会"
    assert all(plan.is_example and "示例" in plan.name for plan in BenefitPlan.objects.all())
    job = FeedImportJob.objects.get()
    assert (job.status, job.approved, job.refused) == ("DONE", 1, 1) and job.report_file
    call_command("demo")
    assert story() == first
    assert Settlement.objects.count() == 2 and FeedImportJob.objects.count() == 1
    assert PayoutBatch.objects.count() == 1
