"""The reader's action for the discovered inventory (core/tests/test_action_inventory.py): one read, one
audit event (without content)."""

from collections.abc import Callable
from typing import Any

from gonghui.demo.personas import Personas
from gonghui.idcards.actions import do_read_id_card
from gonghui.idcards.synthetic import make_photo

Run = Callable[[], Any]


def read_id_card(p: Personas) -> Run:
    photo = make_photo(11).jpeg
    return lambda: do_read_id_card(acting_user=p.tongzhou_officer, photo=photo, via="api")


ACTION_CASES: dict[str, Callable[[Personas], Run]] = {"do_read_id_card": read_id_card}
