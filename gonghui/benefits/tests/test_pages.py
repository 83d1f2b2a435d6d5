"""The console pages: feed upload → check → import, a manual claim with a receipt, plans; in Chinese."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gonghui.benefits.feed_file import write_feed
from gonghui.benefits.models import BenefitPlan, FeedImportJob, ReimbursementClaim
from gonghui.benefits.tests.helpers import make_plan, member_with_card
from gonghui.benefits.tests.test_manual_claim import receipt_scan


def test_it_checks_and_imports_an_uploaded_feed(personas):
    make_plan(personas)
    member = member_with_card(personas, 61)
    buffer = io.BytesIO()
    write_feed(
        buffer,
        [
            [
                member.person.resident_id,
                member.person.name,
                "JS9001",
                timezone.localdate().isoformat(),
                "住院",
                "潞河医院",
                "三级",
                "50000",
                "35000",
                "10000",
            ]
        ],
    )
    client = personas.client(personas.tongzhou_officer)
    page = client.get("/benefits/feeds/")
    assert "结算" in page.content.decode()
    response = client.post(
        "/benefits/feeds/",
        {"unit": personas.unit("BJ-TZ").pk, "file": SimpleUploadedFile("feed.xlsx", buffer.getvalue())},
    )
    job = FeedImportJob.objects.get()
    assert response.status_code == 302 and job.status == "CHECKED" and job.approved == 1
    detail = client.get(f"/benefits/feeds/{job.pk}/").content.decode()
    assert "4,350.00" in detail
    client.post(f"/benefits/feeds/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.status == "DONE" and ReimbursementClaim.objects.get().payable_fen == 435_000
    assert client.get(f"/benefits/feeds/{job.pk}/report/").status_code == 200


def test_it_files_a_manual_claim_from_the_console(personas):
    make_plan(personas)
    member = member_with_card(personas, 62)
    client = personas.client(personas.chair)
    response = client.post(
        "/benefits/claims/new/",
        {
            "resident_id": member.person.resident_id,
            "kind": "INPATIENT",
            "service_date": timezone.localdate().isoformat(),
            "hospital": "北京市通州区新华医院",
            "hospital_level": "LEVEL_2",
            "total_cost": "20000",
            "covered": "12000",
            "self_paid_in_scope": "5300",
            "note": "",
            "receipts": [receipt_scan()],
        },
    )
    claim = ReimbursementClaim.objects.get()
    assert response.status_code == 302 and claim.status == "REVIEW"
    page = client.get(f"/benefits/claims/{claim.pk}/").content.decode()
    assert "待审核" in page and "2,000.00" in page
    receipt = claim.receipts.get()
    assert client.get(f"/benefits/receipts/{receipt.pk}/")["Content-Type"] == "image/jpeg"
    assert (
        personas.client(personas.haidian_officer).get(f"/benefits/receipts/{receipt.pk}/").status_code == 404
    )


def test_it_refuses_a_manual_claim_for_someone_outside_the_area(personas):
    make_plan(personas)
    member = member_with_card(personas, 63)
    client = personas.client(personas.haidian_officer)
    response = client.post(
        "/benefits/claims/new/",
        {
            "resident_id": member.person.resident_id,
            "kind": "INPATIENT",
            "service_date": timezone.localdate().isoformat(),
            "hospital": "医院",
            "hospital_level": "LEVEL_2",
            "total_cost": "1",
            "covered": "0",
            "self_paid_in_scope": "1",
            "receipts": [receipt_scan()],
        },
    )
    assert response.status_code == 200 and not ReimbursementClaim.objects.exists()


def test_it_supersedes_a_plan_in_use_from_the_console(personas):
    plan = make_plan(personas)
    client = personas.client(personas.city_admin)
    page = client.get(f"/benefits/plans/{plan.pk}/").content.decode()
    assert "示例" in page
    form = {
        "year": plan.year,
        "kind": "INPATIENT",
        "name": "住院二次报销（示例）",
        "is_example": "on",
        "deductible": "1000",
        "bands": "10000 50\n* 60",
        "per_claim_cap": "15000",
        "per_year_cap": "30000",
        "waiting_days": "0",
        "eligible_levels": ["LEVEL_2", "LEVEL_3"],
    }
    assert client.post(f"/benefits/plans/{plan.pk}/", form).status_code == 302
    plan.refresh_from_db()
    assert plan.deductible_fen == 100_000 and plan.version == 1  # unused: corrected in place
    assert BenefitPlan.objects.count() == 1
