import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from gonghui.core.errors import DomainError
from gonghui.core.models import AuditEvent
from gonghui.homes.actions.funding import (
    do_accept_funded_work,
    do_apply_for_funding,
    do_approve_funding,
    do_record_disbursement,
    do_report_spending,
    do_set_budget,
)
from gonghui.homes.models import Budget, Facility, FundingApplication

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _quote() -> SimpleUploadedFile:
    return SimpleUploadedFile("报价单.pdf", PDF, content_type="application/pdf")


def _budget(world, total_fen=10_000_000):  # type: ignore[no-untyped-def]
    p = world.personas
    return do_set_budget(
        acting_user=p.tongzhou_officer,
        funder=p.unit("BJ-TZ"),
        district=p.unit("BJ-TZ"),
        year=2026,
        total_fen=total_fen,
    )


def _apply(world, amount_fen=3_000_000):  # type: ignore[no-untyped-def]
    facility = Facility.objects.get(home=world.home, name="母婴室")
    return do_apply_for_funding(
        acting_user=world.personas.chair,
        home=world.home,
        facility=facility,
        year=2026,
        purpose="母婴室改造：冰箱、洗手池、哺乳椅",
        amount_asked_fen=amount_fen,
        quotes=[_quote()],
    )


def test_it_grants_pays_in_instalments_after_acceptance_and_takes_the_spending_report(world):
    p = world.personas
    budget = _budget(world)
    application = _apply(world)
    assert application.documents.get().kind == "QUOTE"
    approved = do_approve_funding(
        acting_user=p.tongzhou_officer,
        application=application,
        budget=budget,
        amount_fen=2_500_000,
        pays_after_acceptance=True,
    )
    budget.refresh_from_db()
    assert approved.amount_granted_fen == 2_500_000 and budget.committed_fen == 2_500_000
    today = datetime.date(2026, 11, 1)
    with pytest.raises(DomainError) as error:
        do_record_disbursement(
            acting_user=p.tongzhou_officer, application=approved, amount_fen=1, paid_date=today
        )
    assert error.value.code == "homes_acceptance_required"
    do_accept_funded_work(acting_user=p.tongzhou_officer, application=approved)
    do_record_disbursement(
        acting_user=p.tongzhou_officer, application=approved, amount_fen=1_500_000, paid_date=today
    )
    do_record_disbursement(
        acting_user=p.tongzhou_officer, application=approved, amount_fen=1_000_000, paid_date=today
    )
    with pytest.raises(DomainError) as error:
        do_record_disbursement(
            acting_user=p.tongzhou_officer, application=approved, amount_fen=1, paid_date=today
        )
    assert error.value.code == "homes_disbursement_over_grant"
    budget.refresh_from_db()
    assert budget.disbursed_fen == 2_500_000
    receipt = SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf")
    do_report_spending(
        acting_user=p.chair,
        application=approved,
        spent_fen=2_480_000,
        note="冰箱、洗手池",
        receipts=[receipt],
    )
    assert approved.documents.filter(kind="RECEIPT").count() == 1
    kinds = list(
        AuditEvent.objects.filter(object_type="homes.fundingapplication")
        .order_by("pk")
        .values_list("event_type", flat=True)
    )
    assert kinds == [
        "homes_funding_applied",
        "homes_funding_approved",
        "homes_funded_work_accepted",
        "homes_funding_disbursed",
        "homes_funding_disbursed",
        "homes_spending_reported",
    ]


def test_it_refuses_an_amount_over_the_budget_in_chinese_and_changes_nothing(world):
    p = world.personas
    budget = _budget(world, total_fen=2_000_000)
    application = _apply(world)
    response = p.client(p.tongzhou_officer).post(
        f"/api/v1/homes/funding/{application.pk}/approve",
        {"budget_id": budget.pk, "amount_fen": 2_000_001},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "homes_budget_exceeded"
    assert "预算" in response.json()["message"]
    budget.refresh_from_db()
    application.refresh_from_db()
    assert budget.committed_fen == 0 and application.status == "SUBMITTED"


def test_it_never_lets_the_database_hold_an_over_committed_budget(world):
    budget = _budget(world, total_fen=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        Budget.objects.filter(pk=budget.pk).update(committed_fen=101)


def test_it_keeps_funding_to_the_funder_and_the_district(world):
    p = world.personas
    budget = _budget(world)
    application = _apply(world)
    # 海淀's officer neither sees the application nor decides on 通州's money.
    response = p.client(p.haidian_officer).get(f"/api/v1/homes/funding/{application.pk}")
    assert response.status_code == 404
    with pytest.raises(DomainError) as error:
        do_approve_funding(
            acting_user=p.haidian_officer, application=application, budget=budget, amount_fen=1
        )
    assert error.value.code == "forbidden"
    with pytest.raises(DomainError):
        do_approve_funding(acting_user=p.chair, application=application, budget=budget, amount_fen=1)


@pytest.mark.django_db(transaction=True)
def test_it_never_over_commits_a_budget_when_two_officers_approve_at_once(world):
    """Two officers each grant 60% of one budget at the same moment: exactly one succeeds."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks under concurrency are a PostgreSQL property; SQLite serialises writers")
    p = world.personas
    budget = _budget(world, total_fen=1_000_000)
    applications = [_apply(world, amount_fen=600_000), _apply(world, amount_fen=600_000)]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(application: FundingApplication) -> None:
        try:
            start.wait()
            do_approve_funding(
                acting_user=p.tongzhou_officer, application=application, budget=budget, amount_fen=600_000
            )
            outcomes.append("approved")
        except DomainError as error:
            outcomes.append(error.code)
        except Exception as error:  # any other failure must show in the assertion, not vanish with the thread
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "homes_budget_exceeded"]
    budget.refresh_from_db()
    assert budget.committed_fen == 600_000
    assert FundingApplication.objects.filter(status="APPROVED").count() == 1


def test_it_applies_through_the_api_with_quotes_and_refuses_a_pdf_renamed_jpg(world):
    p = world.personas
    client = p.client(p.chair)
    facility = Facility.objects.get(home=world.home, name="职工书屋")
    form = {
        "year": "2026",
        "purpose": "书架与图书",
        "amount_asked_fen": "1500000",
        "facility_id": str(facility.pk),
    }
    response = client.post(f"/api/v1/homes/{world.home.pk}/funding", {**form, "quotes": [_quote()]})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "SUBMITTED" and response.json()["amount_asked_fen"] == 1_500_000
    assert FundingApplication.objects.get().documents.filter(kind="QUOTE").count() == 1
    # A PDF renamed .jpg is still a PDF, which a quote may be; a text file named .jpg is not.
    fake = SimpleUploadedFile("报价.jpg", b"just text", content_type="image/jpeg")
    response = client.post(
        f"/api/v1/homes/{world.home.pk}/funding", {**form, "quotes": [fake]}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400 and response.json()["code"] == "upload_wrong_type"
    assert FundingApplication.objects.count() == 1


def test_it_shows_budget_use_and_grants_in_the_console(world):
    p = world.personas
    budget = _budget(world)
    application = _apply(world)
    officer = p.client(p.tongzhou_officer)
    page = officer.get("/homes/budgets/?year=2026", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "建家经费预算" in page and "100,000.00" in page
    response = officer.post(
        f"/homes/funding/{application.pk}/",
        {"form": "grant", "budget": budget.pk, "amount": "200000.00"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200 and "仅余" in response.content.decode()
    response = officer.post(
        f"/homes/funding/{application.pk}/", {"form": "grant", "budget": budget.pk, "amount": "25000"}
    )
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.committed_fen == 2_500_000
    page = officer.get("/homes/budgets/?year=2026").content.decode()
    assert "25,000.00" in page and "75,000.00" in page
    page = p.client(p.chair).get(f"/homes/{world.home.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "建家经费补助" in page and "25,000.00" in page
