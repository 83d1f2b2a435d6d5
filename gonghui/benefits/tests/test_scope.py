"""Who sees which claims: officers their subtree's (another area's claim by id is 404, on pages and in the
API); the bank operator and an outsider none; plans are kept by city officers only."""

import pytest

from gonghui.benefits.models import ReimbursementClaim
from gonghui.benefits.tests.helpers import import_rows, make_plan, member_with_card, settlement
from gonghui.core.models import AuditEvent


@pytest.fixture
def claim(personas) -> ReimbursementClaim:
    make_plan(personas)
    member = member_with_card(personas, 51)
    import_rows(personas, [settlement(member)])
    return ReimbursementClaim.objects.get()


@pytest.mark.parametrize("who", ["chair", "tongzhou_officer", "city_admin"])
def test_it_shows_a_claim_to_officers_above_the_member(personas, claim, who):
    client = personas.client(getattr(personas, who))
    page = client.get("/benefits/")
    assert page.status_code == 200 and claim.person.name in page.content.decode()
    assert client.get(f"/benefits/claims/{claim.pk}/").status_code == 200
    assert client.get(f"/api/v1/benefits/claims/{claim.pk}").json()["payable_fen"] == 435_000


@pytest.mark.parametrize(
    "who", ["haidian_officer", "ganjiakou_officer", "luyuan_officer", "bank_operator", "outsider"]
)
def test_it_hides_a_claim_outside_the_area(personas, claim, who):
    client = personas.client(getattr(personas, who))
    page = client.get("/benefits/")
    assert claim.person.name not in page.content.decode()
    assert client.get(f"/benefits/claims/{claim.pk}/").status_code == 404
    assert client.get(f"/api/v1/benefits/claims/{claim.pk}").status_code == 404
    assert client.get("/api/v1/benefits/claims").json()["count"] == 0


def test_it_totals_claims_by_district_for_the_city(personas, claim):
    totals = personas.client(personas.city_admin).get("/api/v1/benefits/totals").json()
    by_name = {t["name"]: t for t in totals}
    assert by_name["通州区总工会"]["approved"] == 1 and by_name["通州区总工会"]["payable_fen"] == 435_000
    assert by_name["海淀区总工会"]["approved"] == 0


def test_it_lets_only_the_city_create_plans_over_the_api(personas):
    body = {
        "year": 2026,
        "kind": "OUTPATIENT",
        "name": "门急诊二次报销（示例）",
        "is_example": True,
        "deductible_fen": 180_000,
        "bands": [{"upper_fen": None, "ratio_bp": 5000}],
        "per_claim_cap_fen": 200_000,
        "per_year_cap_fen": 2_000_000,
        "eligible_levels": ["LEVEL_1", "LEVEL_2", "LEVEL_3", "COMMUNITY"],
    }
    denied = personas.client(personas.tongzhou_officer).post(
        "/api/v1/benefits/plans", body, content_type="application/json"
    )
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    created = personas.client(personas.city_admin).post(
        "/api/v1/benefits/plans", body, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["version"] == 1
    again = personas.client(personas.city_admin).post(
        "/api/v1/benefits/plans", body, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "plan_exists"
    assert AuditEvent.objects.filter(event_type="benefit_plan_created").count() == 1
