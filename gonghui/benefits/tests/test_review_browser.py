"""A district officer works the exception queue in a browser: the queue, a manual claim with its receipt
and calculation, the decision. Screenshots: artifacts/screenshots/benefits-queue-*.png."""

import pytest
from playwright.sync_api import expect

from gonghui.benefits.actions.manual import do_create_manual_claim
from gonghui.benefits.models import ReimbursementClaim, YearAccumulator
from gonghui.benefits.tests.helpers import make_plan, member_with_card
from gonghui.benefits.tests.test_manual_claim import data, receipt_scan
from gonghui.core.tests import test_browser as kit

browser = kit.browser
open_tab = kit.open_tab


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_it_lets_a_district_officer_approve_a_claim_from_the_queue(
    live_server, personas, open_tab, settings, device
):
    # The TOTP path has its own test (core/tests/test_browser.py); here it would only repeat it.
    settings.GONGHUI_2FA_REQUIRED = False
    make_plan(personas)
    member = member_with_card(personas, 120)
    claim = do_create_manual_claim(
        acting_user=personas.chair, membership=member, data=data(), receipts=[receipt_scan()]
    )
    tab = open_tab(device)
    page = tab.page
    kit.log_in(tab, live_server.url, "tongzhou")
    page.goto(f"{live_server.url}/benefits/?status=REVIEW")
    expect(page.get_by_role("heading", name="二次报销")).to_be_visible()
    tab.assert_glyphs_render()
    row = page.get_by_role("row").filter(has_text=member.person.name)
    expect(row).to_contain_text("待审核")
    tab.assert_fits_the_screen()
    tab.screenshot(f"benefits-queue-{device}")
    tab.press(row.get_by_role("link", name=member.person.name))
    expect(page.locator("[data-payable]")).to_have_text("2,000.00")
    expect(page.get_by_role("link", name="票据 1")).to_be_visible()
    page.get_by_label("核准").check()
    tab.screenshot(f"benefits-claim-review-{device}")
    tab.press(page.get_by_role("button", name="保存审核结论"))
    expect(page.locator("[data-status]").first).to_have_text("已核准")
    tab.assert_fits_the_screen()
    tab.screenshot(f"benefits-claim-approved-{device}")
    claim.refresh_from_db()
    assert claim.status == ReimbursementClaim.Status.APPROVED
    assert YearAccumulator.objects.get(person=member.person).used_fen == 200_000
    tab.assert_nothing_broke()
