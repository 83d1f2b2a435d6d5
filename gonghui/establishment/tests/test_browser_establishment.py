"""From the coverage table to a case moved two stages, in a real Chromium (desktop), and the case page on
a phone. Screenshots in artifacts/screenshots/establishment-*.png."""

import re

import pytest
from playwright.sync_api import expect

from gonghui.core.tests.test_browser import browser, log_in, open_tab  # noqa: F401 - fixtures
from gonghui.establishment.models import Establishment, Stage


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_goes_from_the_coverage_table_to_a_case_moved_two_stages(live_server, personas, open_tab):  # noqa: F811
    tab = open_tab("desktop")
    page = tab.page
    log_in(tab, live_server.url, "ganjiakou")
    expect(page).to_have_url(f"{live_server.url}/")
    tab.follow_nav("建会")
    expect(page.get_by_role("heading", name=re.compile("百人以上企业建会覆盖"))).to_be_visible()
    tab.screenshot("establishment-coverage")
    tab.press(page.locator("#coverage-table").get_by_role("link", name="海淀区"))
    tab.press(page.locator("#coverage-table").get_by_role("link", name="甘家口街道"))
    row = page.locator("#uncovered tr").filter(has_text="北京新意互动广告有限公司")
    expect(row).to_be_visible()
    tab.screenshot("establishment-street")
    tab.press(row.get_by_role("link", name="开立建会案件"))
    tab.press(page.get_by_role("button", name="开立案件"))
    expect(page.locator("#case-stage")).to_contain_text("已摸排")
    for stage in ("已走访", "已开企业沟通会"):
        tab.press(page.get_by_role("link", name=f"记录：{stage}"))
        page.get_by_label("备注").fill(f"{stage}：与人力资源总监沟通建会")
        tab.press(page.get_by_role("button", name="保存"))
        expect(page.locator("#case-stage")).to_contain_text(stage)
    expect(page.locator("#timeline li")).to_have_count(3)
    tab.assert_glyphs_render()
    tab.screenshot("establishment-case")
    case = Establishment.objects.get(enterprise=personas.enterprise("xinyi"))
    assert case.stage == Stage.ENTERPRISE_MEETING
    tab.press(page.get_by_role("link", name="按阶段看板"))
    expect(page.locator(".board section").filter(has_text="已开企业沟通会")).to_contain_text(
        "北京新意互动广告有限公司"
    )
    tab.screenshot("establishment-board")
    tab.assert_nothing_broke()

    phone = open_tab("phone")
    log_in(phone, live_server.url, "ganjiakou")
    phone.page.goto(f"{live_server.url}/establishment/cases/{case.pk}/")
    expect(phone.page.locator("#case-stage")).to_contain_text("已开企业沟通会")
    phone.assert_fits_the_screen()
    phone.screenshot("establishment-case-phone")
    phone.assert_nothing_broke()
