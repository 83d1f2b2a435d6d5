"""A panel as an .xlsx workbook: what the panel shows — its figures, then each of its tables — with the
union and the period on top. Built in memory: a panel is at most a few thousand rows (one per union
below). Every text is written as a string, never a formula (a union named "=..." stays text)."""

import io

import xlsxwriter
from django.utils.translation import gettext as _

from gonghui.insights.panels.base import Cell, PanelResult, View


def _write(sheet: object, row: int, col: int, value: Cell, fmt: object = None) -> None:
    if isinstance(value, bool) or value is None:
        sheet.write_string(row, col, "" if value is None else str(value), fmt)  # type: ignore[attr-defined]
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt)  # type: ignore[attr-defined]
    else:
        sheet.write_string(row, col, str(value), fmt)  # type: ignore[attr-defined]


def panel_workbook(view: View, panel: PanelResult) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    sheet = workbook.add_worksheet(panel.title[:31])
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 8, 16)
    scope_name = view.unit.name if view.unit is not None else _("All my areas")
    _write(sheet, 0, 0, panel.title, title)
    _write(sheet, 1, 0, _("Union"), bold)
    _write(sheet, 1, 1, scope_name)
    _write(sheet, 2, 0, _("Period"), bold)
    _write(sheet, 2, 1, f"{view.start.isoformat()} – {view.end.isoformat()}")
    row = 4
    for stat in panel.stats:
        _write(sheet, row, 0, stat.label, bold)
        _write(sheet, row, 1, stat.value)
        if stat.note:
            _write(sheet, row, 2, stat.note)
        row += 1
    for table in panel.tables:
        row += 1
        _write(sheet, row, 0, table.title, title)
        row += 1
        for col, heading in enumerate(table.columns):
            _write(sheet, row, col, heading, bold)
        row += 1
        for table_row in table.rows:
            for col, value in enumerate(table_row.cells):
                _write(sheet, row, col, value)
            row += 1
    row += 1
    _write(sheet, row, 0, panel.note)
    workbook.close()
    return buffer.getvalue()
