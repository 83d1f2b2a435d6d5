import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from gonghui.demo.personas import Personas, make_personas

# A property test's verdict must not depend on how long an example took: the machine may be busy (a
# resident-ID property failed on its 200 ms deadline under load, the code being right).
hypothesis_settings.register_profile("gonghui", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("gonghui")


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
