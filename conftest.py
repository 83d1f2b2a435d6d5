import pytest

from gonghui.core.testing import Personas, make_personas


@pytest.fixture
def personas(db) -> Personas:  # type: ignore[no-untyped-def]
    return make_personas()


@pytest.fixture
def with_2fa(settings):  # type: ignore[no-untyped-def]
    settings.GONGHUI_2FA_REQUIRED = True
    return settings
