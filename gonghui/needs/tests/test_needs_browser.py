"""In a real Chromium. The volunteer team's staff on a phone (390 px): from the console's menu to "needs
for us", claim the haircut need, schedule the service, show the check-in QR code, three workers check in
on their own phones, record the head count and close; then 潞源's officer on a PC reads the board, the
need's timeline and the rates. Screenshots: artifacts/screenshots/needs-*.png."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gonghui.core.tests import test_browser as kit
from gonghui.needs.models import Need, Served

browser = kit.browser
open_tab = kit.open_tab


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_unit_claims_schedules_counts_check_ins_and_closes_on_a_phone_and_the_officer_reads_the_board(
    live_server, circle, open_tab, settings
):
    settings.GONGHUI_2FA_REQUIRED = False
    need = circle.post(title="三标段农民工理发难", people=90)
    circle.post(title="宿舍送清凉", now=timezone.now() - datetime.timedelta(days=9))

    tab = open_tab("phone")
    page = tab.page
    kit.log_in(tab, live_server.url, "barber")
    tab.follow_nav("我们的需求")
    expect(page.get_by_role("heading", name="我们的需求")).to_be_visible()
    tab.assert_glyphs_render()
    tab.assert_fits_the_screen()
    tab.screenshot("needs-unit-home-phone")
    tab.press(page.get_by_role("link", name="三标段农民工理发难"))
    expect(page.get_by_role("heading", name="认领", exact=True)).to_be_visible()
    tab.assert_fits_the_screen()
    tab.screenshot("needs-unit-need-phone")
    tab.press(page.get_by_role("button", name="我们来办"))
    expect(page.get_by_text("已认领，下一步请安排服务。")).to_be_visible()

    page.get_by_label("日期和时间").fill(
        (timezone.localtime() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("带去的服务").fill("4位理发师")
    tab.press(page.get_by_role("button", name="安排", exact=True))
    expect(page.get_by_text("已安排。")).to_be_visible()
    tab.screenshot("needs-unit-scheduled-phone")

    tab.press(page.get_by_role("link", name="签到二维码"))
    expect(page.get_by_role("heading", name="职工扫码签到")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    tab.assert_fits_the_screen()
    tab.screenshot("needs-event-qr-phone")
    check_in_url = page.locator(".pairing-url").inner_text().strip()

    # Three workers scan the code on their own phones.
    for name, phone in [("李春贵", "13911110005"), ("刘强", "13911110007"), ("王建国", "13911110099")]:
        worker = open_tab("phone")
        worker.page.goto(check_in_url)
        expect(worker.page.get_by_role("heading", name="签到", exact=True)).to_be_visible()
        worker.assert_fits_the_screen()
        worker.page.get_by_label("姓名").fill(name)
        worker.page.get_by_label("手机号").fill(phone)
        worker.press(worker.page.get_by_role("button", name="签到", exact=True))
        expect(worker.page.get_by_role("heading", name="签到成功")).to_be_visible()
        if name == "李春贵":
            worker.screenshot("needs-worker-checked-in-phone")
        worker.assert_nothing_broke()

    page.reload()
    expect(page.get_by_text("已有 3 人用手机签到")).to_be_visible()
    tab.press(page.get_by_role("link", name="三标段农民工理发难"))
    served = page.locator("form.served")
    served.get_by_label("服务人数").fill("91")
    tab.press(served.get_by_role("button", name="记录"))
    expect(page.get_by_text("已登记服务人数。")).to_be_visible()
    page.locator("#close").get_by_label("已解决").check()
    tab.press(page.locator("#close").get_by_role("button", name="办结"))
    expect(page.get_by_text("已办结，等待提出人确认。")).to_be_visible()
    tab.assert_fits_the_screen()
    tab.screenshot("needs-unit-closed-phone")
    tab.assert_nothing_broke()

    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED and need.closure == "RESOLVED"
    assert Served.objects.filter(event__need=need, source="SELF").count() == 3

    # 潞源's officer on a PC: the board (overdue first), the timeline, the rates.
    office = open_tab("desktop")
    opage = office.page
    kit.log_in(office, live_server.url, "luyuan")
    office.follow_nav("需求看板")
    expect(opage.get_by_role("heading", name="协调委员会“朋友圈”：需求")).to_be_visible()
    expect(opage.locator("tbody tr").first).to_contain_text("宿舍送清凉")
    expect(opage.locator("tbody tr").first).to_contain_text("逾期")
    office.assert_glyphs_render()
    office.screenshot("needs-board-pc")
    opage.get_by_role("link", name="已办结").click()
    opage.get_by_role("link", name="三标段农民工理发难").click()
    expect(opage.get_by_role("heading", name="办理经过")).to_be_visible()
    expect(opage.locator(".timeline")).to_contain_text("职工服务签到")
    expect(opage.locator(".timeline")).to_contain_text("本人手机")
    opage.locator("form[action$='/confirm/']").get_by_label("5").check()
    opage.get_by_role("button", name="确认已办好").click()
    expect(opage.get_by_text("谢谢，已确认办结。")).to_be_visible()
    office.screenshot("needs-need-timeline-pc")
    opage.goto(f"{live_server.url}/needs/rates/")
    expect(opage.get_by_role("heading", name="“朋友圈”办理成效")).to_be_visible()
    office.screenshot("needs-rates-pc")
    office.assert_nothing_broke()
