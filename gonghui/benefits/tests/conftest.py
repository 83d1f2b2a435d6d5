import pytest

from gonghui.demo.cards import load_card_branches
from gonghui.demo.personas import PASSWORD, Personas


@pytest.fixture
def personas(personas: Personas) -> Personas:
    """The personas plus the bank branches (members' cards come from them)."""
    load_card_branches(personas.story, demo_password=PASSWORD)
    return personas
