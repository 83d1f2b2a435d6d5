import pytest

from gonghui.demo.personas import Personas, make_personas


@pytest.fixture
def personas(db) -> Personas:  # type: ignore[no-untyped-def]
    return make_personas()


@pytest.fixture
def with_2fa(settings):  # type: ignore[no-untyped-def]
    settings.GONGHUI_2FA_REQUIRED = True
    return settings


try:
    from playwright.sync_api import expect
except ImportError:  # the browser tests skip themselves without Playwright
    pass
else:
    # Two xdist workers share two cores with a live server and Chromium: give the page time to settle
    # before an expectation fails (a wait, not a timed assertion: it passes as soon as the page is right).
    expect.set_options(timeout=15_000)
