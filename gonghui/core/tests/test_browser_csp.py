"""Under the Content-Security-Policy, in a real Chromium: the console's own behaviours still work (they
moved from inline handlers to console.js), the interactive API docs render, and nothing is refused."""

import re

import pytest
from playwright.sync_api import expect

from gonghui.core.tests.test_browser import browser, log_in, open_tab  # noqa: F401 (fixtures)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_console_and_the_api_docs_work_under_the_policy(
    live_server,
    personas,
    open_tab,  # noqa: F811  (the fixture imported above)
    settings,
):
    settings.GONGHUI_2FA_REQUIRED = False
    tab = open_tab("desktop")
    page = tab.page
    log_in(tab, live_server.url, "yunrui")
    expect(page).to_have_url(f"{live_server.url}/")
    # The language menu sends itself on change (console.js), as the inline handler did.
    page.get_by_label("语言").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # A form with data-confirm asks first; dismissing keeps the page.
    page.goto(f"{live_server.url}/join/links/")
    page.get_by_role("button", name="创建", exact=True).click()
    expect(page).to_have_url(re.compile(r"/poster/"))
    poster = page.url
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="撤销", exact=True).click()
    expect(page).to_have_url(poster)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    tab.screenshot("api-docs-desktop")
    tab.assert_nothing_broke()
