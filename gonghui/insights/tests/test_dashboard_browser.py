"""In a real Chromium: the city admin drills down city → district → street on a PC and goes back up by
the breadcrumb; the 通州 leader (VIEWER) does the same on a phone (390 px); the big screen. Screenshots:
artifacts/screenshots/dashboard-*.png."""

import pytest
from playwright.sync_api import expect

from gonghui.core.tests import test_browser as kit
from gonghui.demo.story import load_demo_story
from gonghui.members.models import Membership

browser = kit.browser
open_tab = kit.open_tab


def drill(tab: kit.Tab, name: str) -> None:
    """Open a union's dashboard from the members panel's table of the unions below."""
    tab.press(tab.page.locator("#panel-members [data-table=by_unit] a[data-drill]", has_text=name))
    expect(tab.page.get_by_role("heading", level=1)).to_contain_text(name)


@pytest.mark.browser
# serialized_rollback: the data migrations' rows (needs categories the story uses) survive the flush
# between transactional tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_drills_down_city_district_street_on_a_pc(live_server, personas, open_tab, settings):
    settings.GONGHUI_2FA_REQUIRED = False
    load_demo_story()
    desk = open_tab("desktop")
    kit.log_in(desk, live_server.url, "admin")
    expect(desk.page).to_have_url(f"{live_server.url}/")
    desk.follow_nav("数据看板")
    page = desk.page
    expect(page.get_by_role("heading", level=1)).to_contain_text("北京市总工会")
    active = Membership.objects.filter(status=Membership.Status.ACTIVE).count()
    expect(page.locator("#panel-members [data-stat=active] strong")).to_have_text(str(active))
    expect(page.locator("#chart-members svg")).to_be_visible()
    expect(page.locator("#chart-meetings svg")).to_be_visible()
    desk.assert_glyphs_render()
    desk.screenshot("dashboard-city-desktop")
    drill(desk, "通州区总工会")
    desk.screenshot("dashboard-district-desktop")
    drill(desk, "潞源街道总工会")
    crumbs = page.locator("[data-crumbs]")
    expect(crumbs).to_contain_text("北京市总工会")
    expect(crumbs).to_contain_text("通州区总工会")
    desk.screenshot("dashboard-street-desktop")
    desk.press(crumbs.get_by_role("link", name="北京市总工会"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("北京市总工会")
    desk.press(page.get_by_role("link", name="大屏"))
    expect(page.locator("[data-screen]")).to_be_visible()
    expect(page.locator("#chart-cards svg")).to_be_visible()
    desk.screenshot("dashboard-screen-desktop")
    desk.assert_nothing_broke()


@pytest.mark.browser
# serialized_rollback: the data migrations' rows (needs categories the story uses) survive the flush
# between transactional tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_district_leader_drills_down_on_a_phone(live_server, personas, open_tab, settings):
    settings.GONGHUI_2FA_REQUIRED = False
    load_demo_story()
    phone = open_tab("phone")
    kit.log_in(phone, live_server.url, "leader")
    expect(phone.page).to_have_url(f"{live_server.url}/")
    phone.follow_nav("数据看板")
    page = phone.page
    expect(page.get_by_role("heading", level=1)).to_contain_text("通州区总工会")
    expect(page.locator("#panel-members")).not_to_contain_text("海淀区总工会")
    phone.assert_glyphs_render()
    phone.assert_fits_the_screen()
    phone.screenshot("dashboard-district-phone")
    drill(phone, "潞源街道总工会")
    expect(page.locator("[data-crumbs]")).to_contain_text("通州区总工会")
    # The city is above this leader's area: not in the breadcrumb.
    expect(page.locator("[data-crumbs]")).not_to_contain_text("北京市总工会")
    phone.assert_fits_the_screen()
    phone.screenshot("dashboard-street-phone")
    phone.press(page.locator("[data-crumbs]").get_by_role("link", name="通州区总工会"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("通州区总工会")
    phone.assert_nothing_broke()
