"""In a real Chromium: a worker joins by QR on a phone (code by SMS, form, consent, confirmation), and
the union chair approves the application in the review queue. Screenshots: artifacts/screenshots/join-*.png."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from stdnum.cn import ric

from gonghui.core.models import SmsMessage
from gonghui.core.tests import test_browser as kit
from gonghui.members import join
from gonghui.members.models import Channel, Membership

PHONE = "13812345678"
# Born 1999 in 通州 (110112): a known area code, so no warning for the reviewer.
BODY = "11011219990520241"
RID = BODY + ric.calc_check_digit(BODY + "0")

# The console browser test's Chromium launch (Debian's, skipped outside CI when missing) and tabs.
browser = kit.browser
open_tab = kit.open_tab


def latest_code(since) -> str:  # type: ignore[no-untyped-def]
    message = SmsMessage.objects.filter(created_at__gte=since).order_by("-pk").first()
    assert message is not None, "no text message in the outbox"
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", message.text)
    assert match is not None
    return match.group(1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_lets_a_worker_join_by_qr_on_a_phone_and_the_chair_approve(
    live_server, personas, open_tab, settings
):
    # The second factor has its own browser test; here it would only add a TOTP step for the chair.
    settings.GONGHUI_2FA_REQUIRED = False
    union = personas.unit("BJ-TZ-YS-YR")
    link = join.do_create_join_link(acting_user=personas.chair, union=union, label="一楼大厅")

    # The poster the chair prints, on screen and as the printer sees it.
    desk = open_tab("desktop")
    kit.log_in(desk, live_server.url, "yunrui")
    expect(desk.page).to_have_url(f"{live_server.url}/")
    desk.page.goto(f"{live_server.url}/join/links/{link.pk}/poster/")
    expect(desk.page.get_by_text("扫码加入工会")).to_be_visible()
    expect(desk.page.locator(".poster .qr svg")).to_be_visible()
    expect(desk.page.locator(".poster .url")).to_have_text(f"{live_server.url}/join/{link.token}/")
    desk.screenshot("join-poster-desktop")
    desk.page.emulate_media(media="print")
    expect(desk.page.locator(".topbar")).to_be_hidden()
    desk.screenshot("join-poster-print")
    desk.page.emulate_media(media="screen")
    desk.page.goto(f"{live_server.url}/join/links/")
    expect(desk.page.get_by_role("heading", name="入会二维码", exact=True)).to_be_visible()
    expect(desk.page.locator("table tbody tr").filter(has_text="一楼大厅")).to_contain_text("使用中")
    desk.screenshot("join-links-desktop")

    # The worker, on their own phone, with nobody logged in.
    tab = open_tab("phone")
    page = tab.page
    page.goto(f"{live_server.url}/join/{link.token}/")
    expect(page.get_by_role("heading", name="申请加入工会")).to_be_visible()
    expect(page.get_by_text("北京云锐国际文化传媒有限公司工会")).to_be_visible()
    tab.assert_glyphs_render()
    tab.assert_fits_the_screen()
    tab.screenshot("join-form-phone")

    page.get_by_label("姓名").fill("李春贵")  # typed before the code: must survive the round trip
    page.get_by_label("手机号码").fill(PHONE)
    asked_at = timezone.now()
    tab.press(page.get_by_role("button", name="获取验证码"))
    expect(page.get_by_role("status")).to_contain_text("验证码已发送至138****5678")
    expect(page.get_by_label("姓名")).to_have_value("李春贵")
    tab.assert_fits_the_screen()
    tab.screenshot("join-code-sent-phone")

    page.get_by_label("短信验证码").fill(latest_code(asked_at))
    page.get_by_label("公民身份号码").fill(RID[:-1] + ("1" if RID[-1] != "1" else "2"))
    page.get_by_label("民族").select_option("汉族")
    page.get_by_label("文化程度").select_option(label="高中、中专、技校")
    page.get_by_label("政治面貌").select_option(label="群众")
    page.get_by_label("户籍类型").select_option(label="农业户口")
    page.get_by_label("我是农民工").check()
    page.get_by_label("我已阅读并同意个人信息保护告知").check()
    # A mistyped ID number is explained in Chinese, and nothing typed is lost.
    tab.press(page.get_by_role("button", name="提交申请", exact=True).last)
    expect(page.locator(".has-error")).to_contain_text("最后一位校验码")
    expect(page.get_by_label("姓名")).to_have_value("李春贵")
    tab.assert_fits_the_screen()
    tab.screenshot("join-bad-id-phone")

    page.get_by_label("公民身份号码").fill(RID)
    if not page.get_by_label("我已阅读并同意个人信息保护告知").is_checked():
        page.get_by_label("我已阅读并同意个人信息保护告知").check()
    tab.press(page.get_by_role("button", name="提交申请", exact=True).last)
    expect(page).to_have_url(f"{live_server.url}/join/{link.token}/done/")
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    expect(page.locator("#outcome")).to_contain_text("正在等待工会审核")
    tab.assert_glyphs_render()
    tab.assert_fits_the_screen()
    tab.screenshot("join-done-phone")
    tab.assert_nothing_broke()

    membership = Membership.objects.select_related("person").get()
    assert membership.status == Membership.Status.PENDING and membership.channel == Channel.SELF_SERVICE
    assert membership.union == union and membership.person.phone == PHONE
    assert membership.consents.count() == 1

    # The chair approves it in the review queue.
    desk.page.goto(f"{live_server.url}/members/review/")
    row = desk.page.locator("table tbody tr").filter(has_text="李春贵")
    expect(row).to_have_count(1)
    desk.screenshot("join-review-desktop")
    desk.press(row.locator(f'form[action="/members/{membership.pk}/approve/"] button'))
    expect(desk.page.locator("table tbody tr").filter(has_text="李春贵")).to_have_count(0)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert membership.reviewed_by == personas.chair
    desk.assert_nothing_broke()
    assert (kit.SCREENSHOTS / "join-done-phone.png").exists()
