import re
from pathlib import Path

from gonghui.core.event_labels import EVENT_LABELS

ROOT = Path(__file__).resolve().parents[2]


def test_it_has_a_label_for_every_event_type_the_code_writes():
    written = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts:
            continue
        written |= set(re.findall(r'event_type="([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert written - set(EVENT_LABELS) == set()
