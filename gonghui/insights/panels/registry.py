"""The panels of the leaders' dashboard, in the order the page shows them. Adding a panel is one module
with `KEY` and `compute(view) -> PanelResult` (see panels/base.py) and one line here."""

from collections.abc import Callable
from types import ModuleType

from gonghui.insights.panels import cards, establishment, meetings, members
from gonghui.insights.panels.base import PanelResult, View

PANEL_MODULES: list[ModuleType] = [members, establishment, cards, meetings]

PANELS: dict[str, Callable[[View], PanelResult]] = {module.KEY: module.compute for module in PANEL_MODULES}
