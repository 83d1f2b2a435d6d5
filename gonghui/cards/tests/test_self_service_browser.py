"""A member applies for the card on their own phone: SMS code, status, apply. Screenshots:
artifacts/screenshots/card-self-*.png."""

import re

import pytest
from playwright.sync_api import expect

from gonghui.cards.models import CardApplication
from gonghui.cards.tests.helpers import enrol
from gonghui.core.models import SmsMessage
from gonghui.core.tests import test_browser as kit

browser = kit.browser
open_tab = kit.open_tab


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_lets_a_member_apply_for_the_card_on_a_phone(live_server, personas, open_tab):
    membership = enrol(personas, 1, phone="13900009999")
    tab = open_tab("phone")
    page = tab.page
    page.goto(f"{live_server.url}/cards/self/")
    expect(page.get_by_role("heading", name="我的互助服务卡")).to_be_visible()
    tab.assert_glyphs_render()
    page.get_by_label("手机号码").fill("13900009999")
    tab.press(page.get_by_role("button", name="获取验证码"))
    expect(page.locator(".notice")).to_contain_text("如果该号码属于工会会员")
    message = SmsMessage.objects.get()
    code = re.search(r"(\d{6})", message.text)
    assert code is not None
    page.get_by_label("验证码").fill(code.group(1))
    tab.assert_fits_the_screen()
    tab.screenshot("card-self-code-phone")
    tab.press(page.get_by_role("button", name="查看我的服务卡"))
    expect(page.get_by_text(membership.person.name)).to_be_visible()
    tab.press(page.get_by_role("button", name="申请互助服务卡"))
    expect(page.locator(".notice")).to_contain_text("您的申请已发送给银行")
    expect(page.get_by_test_id("self-status")).to_have_text("已分派网点")
    tab.assert_fits_the_screen()
    tab.screenshot("card-self-applied-phone")
    assert CardApplication.objects.get().source == "SELF_SERVICE"
    tab.assert_nothing_broke()
