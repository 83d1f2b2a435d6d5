"""The pad in a real Chromium at tablet size: queue → call up → read the ID card (simulated reader,
through the same endpoint a reader bridge posts to) → fingerprint → card from the box → 医保 → done;
and a mismatching ID card stopping the flow. Screenshots: artifacts/screenshots/pad-*.png."""

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from gonghui.cards.models import Card, CardApplication
from gonghui.cards.tests.helpers import apply, enrol
from gonghui.core.models import SmsMessage
from gonghui.core.tests import test_browser as kit

browser = kit.browser

TABLETS: dict[str, ViewportSize] = {
    "landscape": {"width": 1024, "height": 768},
    "portrait": {"width": 768, "height": 1024},
}


@pytest.fixture
def open_tablet(browser: Browser) -> Iterator[Callable[[str], kit.Tab]]:
    contexts = []

    def open_tablet(orientation: str) -> kit.Tab:
        context = browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", viewport=TABLETS[orientation], has_touch=True
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        tab = kit.Tab(page=context.new_page(), phone=False)
        tab.page.on("pageerror", lambda error: tab.problems.append(f"script error: {error}"))
        tab.page.on("console", tab.note_console_error)
        return tab

    yield open_tablet
    for context in contexts:
        context.close()


def fits(tab: kit.Tab) -> None:
    scroll, inner = tab.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"the pad scrolls sideways: {scroll} > {inner}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_it_issues_a_card_on_the_pad_from_queue_to_done(
    live_server, personas, open_tablet, settings, orientation
):
    settings.GONGHUI_2FA_REQUIRED = False
    first = apply(personas, enrol(personas, 1, phone="13900005555"))
    tab = open_tablet(orientation)
    page = tab.page
    kit.log_in(tab, live_server.url, "gaoli")
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/bank/")
    expect(page.get_by_role("heading", name="办卡队列")).to_be_visible()
    row = page.locator(".queue-row").filter(has_text=first.person.name)
    expect(row).to_contain_text("已分派网点")
    tab.assert_glyphs_render()

    # A union officer applies for another member while the pad is open: it appears without a reload.
    second = apply(personas, enrol(personas, 2))
    expect(page.locator(".queue-row").filter(has_text=second.person.name)).to_be_visible()
    expect(page.get_by_test_id("waiting")).to_have_text("2")
    fits(tab)
    tab.screenshot(f"pad-queue-{orientation}")

    row.get_by_role("button", name="叫号").click()
    expect(page).to_have_url(re.compile(rf"/bank/a/{first.pk}/$"))
    expect(page.get_by_test_id("status")).to_have_text("已叫号")
    expect(page.locator(".facts")).to_contain_text(
        "通州区总工会 / 永顺镇总工会 / 北京云锐国际文化传媒有限公司工会"
    )
    expect(page.locator(".facts")).not_to_contain_text(first.person.resident_id)
    expect(page.locator(".timer")).to_have_text(re.compile(r"^\d+:\d\d$"))
    fits(tab)
    tab.screenshot(f"pad-read-{orientation}")

    page.get_by_role("button", name="读取身份证").click()
    expect(page.get_by_test_id("status")).to_have_text("已核验身份证")
    page.get_by_role("button", name="指纹授权").click()
    expect(page.get_by_test_id("status")).to_have_text("已授权")
    fits(tab)
    tab.screenshot(f"pad-authorised-{orientation}")
    page.get_by_role("button", name="从卡箱取下一张卡").click()
    expect(page.get_by_test_id("status")).to_have_text("已发卡")
    card = Card.objects.get(application=first)
    expect(page.get_by_test_id("card-number")).to_have_text(f"{card.number[:4]} **** **** {card.number[-4:]}")
    expect(page.locator("body")).not_to_contain_text(card.number)

    page.get_by_placeholder("医保账号").fill("110112000123456789")
    page.get_by_role("button", name="关联", exact=True).click()
    expect(page.get_by_test_id("medical-linked")).to_be_visible()
    fits(tab)
    tab.screenshot(f"pad-issued-{orientation}")
    page.get_by_role("button", name="办结：卡已交给会员").click()
    expect(page).to_have_url(f"{live_server.url}/bank/")
    expect(page.get_by_role("status")).to_contain_text(f"办结：{first.person.name}已领到卡")
    expect(page.get_by_test_id("issued-today")).to_have_text("1")
    tab.screenshot(f"pad-done-{orientation}")
    page.get_by_role("link", name="网点与卡箱").click()
    expect(page.get_by_role("heading", name="北京银行通州支行")).to_be_visible()
    expect(page.get_by_test_id("median")).to_have_text(re.compile(r"^\d+(\.\d)?$"))
    expect(page.locator("table")).to_contain_text("通州支行1号卡箱")
    fits(tab)
    tab.screenshot(f"pad-branch-{orientation}")

    first.refresh_from_db()
    card.refresh_from_db()
    assert first.status == CardApplication.Status.ISSUED and first.completed_at is not None
    assert card.medical_account == "110112000123456789"
    assert first.called_at and first.id_verified_at and first.authorised_at and first.issued_at
    (message,) = [m for m in SmsMessage.objects.all() if m.phone == "13900005555"]
    assert card.number[-4:] in message.text
    tab.assert_nothing_broke()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_stops_the_pad_when_the_id_card_does_not_match(live_server, personas, open_tablet, settings):
    settings.GONGHUI_2FA_REQUIRED = False
    application = apply(personas, enrol(personas, 3))
    tab = open_tablet("landscape")
    page = tab.page
    kit.log_in(tab, live_server.url, "gaoli")
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/bank/")
    page.locator(".queue-row").filter(has_text=application.person.name).get_by_role(
        "button", name="叫号"
    ).click()
    page.get_by_label("模拟读卡器：读卡器上的证件").select_option("mismatch")
    page.get_by_role("button", name="读取身份证").click()
    stop = page.locator("#stop")
    expect(stop).to_be_visible()
    expect(stop).to_contain_text("身份证与申请不符")
    expect(stop).to_contain_text("姓名")
    expect(page.get_by_role("button", name="读取身份证")).to_be_disabled()
    fits(tab)
    tab.screenshot("pad-mismatch-landscape")
    application.refresh_from_db()
    assert application.status == "REJECTED" and application.reject_reason == "id_mismatch"
    assert not Card.objects.exists()
    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("未通过")
    expect(page.get_by_role("button", name="指纹授权")).to_have_count(0)
