"""Each demo role's home in a real Chromium, at a phone's 390 px and on a desktop: it renders in Chinese,
fits the phone, loads without a script or HTTP error, and is saved as a screenshot
(artifacts/screenshots/home-<login>-<device>.png) for a person to look at (the crawl bar of issue 12)."""

import pytest
from playwright.sync_api import expect

from gonghui.core.tests.test_browser import browser, log_in, open_tab  # noqa: F401 (fixtures)
from gonghui.demo.tests.test_crawl import DEMO_LOGINS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_it_shows_every_demo_role_its_home_in_chinese_on_a_phone_and_a_desktop(
    live_server,
    personas,
    open_tab,  # noqa: F811
    device,
    settings,
):
    from gonghui.demo.story import load_demo_story

    # As `make run` has it: the second factor is tested in core/tests/test_browser.py; here the homes.
    settings.GONGHUI_2FA_REQUIRED = False
    load_demo_story()
    for username in DEMO_LOGINS:
        tab = open_tab(device)
        log_in(tab, live_server.url, username)
        page = tab.page
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.locator("h1")).to_contain_text("欢迎您")
        tab.assert_glyphs_render()
        tab.assert_fits_the_screen()
        tab.screenshot(f"home-{username}-{device}")
        tab.assert_nothing_broke()
        page.context.close()
