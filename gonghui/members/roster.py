"""Reading a roster file: the generic sheet reader (core.sheets: .xlsx, .xls, .ods, .csv, Unicode text)
gives a workbook's values as python-calamine reads them; here the header row is recognised among the
first rows and every data row becomes the text an officer typed, for the enrolment checks.

Everything that refuses a file (not a spreadsheet, damaged, encrypted, a zip bomb, too many rows or
columns, NUL characters, undecodable text) is checked by core.sheets before the first row is handed on, and
refused here with the roster's own code (roster_*), so an import either starts on a sound file or is
refused with nothing written.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gonghui.core import sheets
from gonghui.core.errors import InvalidInput
from gonghui.core.sheets import Value
from gonghui.core.sheets import column_letters as column_letters  # the import names problem columns
from gonghui.core.text import to_half_width

# --- errors: the whole file is refused -------------------------------------------------------------


class RosterRefused(InvalidInput):
    code = "roster_refused"
    default_message = _("This file cannot be read as a roster.")


# Codes of the refusals core.sheets makes, as a roster's: the message is core.sheets' own.


class NotASpreadsheet(RosterRefused):
    code = "roster_not_spreadsheet"


class RosterDamaged(RosterRefused):
    code = "roster_damaged"


class RosterEncrypted(RosterRefused):
    code = "roster_encrypted"


class RosterTooLarge(RosterRefused):
    code = "roster_too_large"
    status = 413


class RosterZipBomb(RosterRefused):
    code = "roster_zip_bomb"


class RosterTooManyRows(RosterRefused):
    code = "roster_too_many_rows"


class RosterTooManyColumns(RosterRefused):
    code = "roster_too_many_columns"


class RosterNulByte(RosterRefused):
    code = "roster_nul_character"


class RosterEncoding(RosterRefused):
    code = "roster_encoding"


class RosterNoHeader(RosterRefused):
    code = "roster_no_header"
    default_message = _(
        "No header row with 姓名 and 公民身份号码 was found in the first %(n)s rows. Use the template's "
        "column headers."
    )


class RosterEmpty(RosterRefused):
    code = "roster_empty"
    default_message = _("The file has a header but no rows of members.")


# The generic refusal -> the roster's own code (stable for the console, the API and the docs).
_REFUSALS: dict[type[sheets.SheetError], type[RosterRefused]] = {
    sheets.SheetNotSpreadsheet: NotASpreadsheet,
    sheets.SheetDamaged: RosterDamaged,
    sheets.SheetEncrypted: RosterEncrypted,
    sheets.SheetTooLarge: RosterTooLarge,
    sheets.SheetZipBomb: RosterZipBomb,
    sheets.SheetTooManyRows: RosterTooManyRows,
    sheets.SheetTooManyColumns: RosterTooManyColumns,
    sheets.SheetNulByte: RosterNulByte,
    sheets.SheetEncoding: RosterEncoding,
}


def _refusal(error: sheets.SheetError) -> RosterRefused:
    if isinstance(error, sheets.SheetEmpty):
        return RosterNoHeader(n=HEADER_SCAN_ROWS)
    roster_error = _REFUSALS.get(type(error), RosterRefused)
    refused = roster_error(error.message)
    refused.field = error.field
    return refused


# --- limits ----------------------------------------------------------------------------------------

MAX_COLUMNS = 100
HEADER_SCAN_ROWS = 10


def max_rows() -> int:
    return int(settings.GONGHUI_ROSTER_MAX_ROWS)


def max_file_bytes() -> int:
    return int(settings.GONGHUI_ROSTER_MAX_UPLOAD_BYTES)


def limits() -> sheets.SheetLimits:
    return sheets.SheetLimits(
        max_bytes=max_file_bytes(), max_rows=max_rows() + HEADER_SCAN_ROWS, max_columns=MAX_COLUMNS
    )


# --- the columns of the national collection form ---------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's header
    variants: tuple[str, ...] = ()
    required: bool = False
    example: str = ""


COLUMNS = (
    Column("name", "姓名", ("会员姓名", "职工姓名", "名字", "姓 名"), True, "李春贵"),
    Column(
        "resident_id",
        "公民身份号码",
        ("身份证号", "身份证号码", "公民身份证号码", "公民身份证号", "身份证", "证件号码", "身份号码"),
        True,
        "110112199905202417",
    ),
    Column("gender", "性别", (), False, "男"),
    Column("ethnicity", "民族", (), False, "汉族"),
    Column(
        "phone",
        "手机号码",
        ("手机号", "手机", "联系电话", "电话", "移动电话", "电话号码"),
        False,
        "13812345678",
    ),
    Column("education", "学历", ("文化程度", "最高学历"), False, "高中/中专"),
    Column("political_status", "政治面貌", (), False, "群众"),
    Column("hukou_type", "户籍类型", ("户口性质", "户籍性质", "户口类型"), False, "农业"),
    Column("is_migrant_worker", "是否农民工", ("农民工",), False, "是"),
    Column("employer_name", "工作单位", ("单位名称", "所在单位", "单位"), False, "北京城建集团"),
    Column("employment_status", "就业状态", ("在职状态", "人员状态"), False, "在职"),
    Column("birth_date", "出生日期", ("出生年月",), False, "1999-05-20"),
    Column("joined_date", "入会日期", ("入会时间", "加入工会日期", "加入工会时间"), False, "2024-05-29"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
# 问题 is the problem report's own column: a corrected report comes back with it.
IGNORED_HEADERS = {"序号", "编号", "备注", "no", "no.", "问题"}
_HEADER_JUNK = re.compile(r"[\s*＊:：]|[（(](必填|选填|必填项|选填项)[)）]")


def clean_header(value: Any) -> str:
    return _HEADER_JUNK.sub("", to_half_width(str(value or ""))).lower()


HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _text in (_column.header, *_column.variants):
        HEADER_LOOKUP[clean_header(_text)] = _column.key


@dataclass
class Header:
    columns: dict[int, str]  # sheet column index -> field key
    unknown: list[tuple[int, str]]  # (column index, header text) not recognised
    header_rows: int  # rows before the first data row (title + header lines)
    labels: dict[int, str] = field(default_factory=dict)  # column index -> header text as written


def _score(row: list[str]) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, cell in enumerate(row):
        key = HEADER_LOOKUP.get(clean_header(cell))
        if key and key not in found.values():
            found[index] = key
    return found


def find_header(first_rows: list[list[str]]) -> Header:
    """The header is the row among the first few that names the most known columns, completed by the
    line under it when the header is two lines deep (姓名 merged down, 身份信息 merged over 公民身份号码 |
    性别). A title row merged above the header is skipped like any other row."""
    best: dict[int, str] = {}
    best_row, best_depth, best_score = -1, 1, 0
    scan = first_rows[:HEADER_SCAN_ROWS]
    for number, row in enumerate(scan):
        found = _score(row)
        depth = 1
        if number + 1 < len(scan):
            below = _score(scan[number + 1])
            extra = {i: k for i, k in below.items() if i not in found and k not in found.values()}
            if extra and found:
                found = found | extra
                depth = 2
        score = len(found) + (100 if {"name", "resident_id"} <= set(found.values()) else 0)
        if score > best_score:
            best, best_row, best_depth, best_score = found, number, depth, score
    if best_score < 100:
        raise RosterNoHeader(n=HEADER_SCAN_ROWS)
    lines = scan[best_row : best_row + best_depth]
    labels: dict[int, str] = {}
    for line in lines:
        for index, text in enumerate(line):
            known = clean_header(text) in HEADER_LOOKUP
            if str(text).strip() and (index not in labels or known):
                labels[index] = str(text)
    unknown = [
        (index, text)
        for index, text in sorted(labels.items())
        if index not in best and clean_header(text) not in IGNORED_HEADERS
    ]
    return Header(
        columns=dict(sorted(best.items())), unknown=unknown, header_rows=best_row + best_depth, labels=labels
    )


# --- cell values -----------------------------------------------------------------------------------

EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_SERIAL = re.compile(r"^\d{4,5}(\.\d+)?$")


def parse_date(text: str) -> datetime.date | None:
    """2018-05-29, 2018/5/29, 2018.5.29, 2018年5月29日, 20180529, or an Excel serial (43249). None if
    blank; ValueError if it is none of these."""
    text = to_half_width(text).strip()
    if not text:
        return None
    if text.endswith(" 00:00:00"):
        text = text[:-9]
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return datetime.date(year, month, day)
    if _DATE_SERIAL.match(text):
        serial = int(float(text))
        if 1 <= serial <= 2958465:
            return EXCEL_EPOCH + datetime.timedelta(days=serial)
    raise ValueError(text)


def cell_text(value: Any) -> str:
    """A cell as the text a person typed: 1.0 -> "1", a date -> ISO, a big float keeps Excel's form so
    that a resident ID stored as a number is recognised as such."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).upper()
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# --- reading ---------------------------------------------------------------------------------------

DATE_KEYS = ("birth_date", "joined_date")
EPOCH_1904 = datetime.date(1904, 1, 1)


@dataclass
class RosterFile:
    kind: str
    header: Header
    rows_estimate: int
    head: list[list[Value]]  # the rows above the data (title, header lines) as read
    width: int  # columns of the header (the report's 问题 column goes right of them)
    _values: Iterator[tuple[int, list[Value]]] = field(repr=False)
    _date1904: bool = False

    def value_rows(self) -> Iterator[tuple[int, list[Value]]]:
        """(1-based sheet row number, values as the reader gives them) of every non-empty data row."""
        return self._values

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(1-based sheet row number, cells as the text an officer typed) of every non-empty data row."""
        dates = [i for i, key in self.header.columns.items() if key in DATE_KEYS] if self._date1904 else []
        for number, values in self._values:
            cells = [v if v.__class__ is str else cell_text(v) for v in values]  # type: ignore[misc]
            for index in dates:
                # A plain number in a date column of a 1904-date workbook counts from 1904, as its
                # date-formatted cells do (calamine gives those as dates already).
                value = values[index] if index < len(values) else ""
                if isinstance(value, int | float) and not isinstance(value, bool):
                    serial = int(value)
                    if 0 < serial < 2958465:
                        cells[index] = (EPOCH_1904 + datetime.timedelta(days=serial)).isoformat()
            yield number, cells


def open_roster(path: Path, name: str) -> RosterFile:
    """Check the whole file, find its header, and return a reader of its data rows."""
    try:
        sheet = sheets.open_sheet(path, name, limits=limits())
    except sheets.SheetError as error:
        raise _refusal(error) from None
    raw = sheet.rows()
    first: list[tuple[int, list[Value]]] = []
    for item in raw:
        first.append(item)
        if len(first) >= HEADER_SCAN_ROWS:
            break
    header = find_header([[cell_text(v) for v in values] for _, values in first])
    head = [values for _, values in first[: header.header_rows]]

    def data_rows() -> Iterator[tuple[int, list[Value]]]:
        yield from first[header.header_rows :]
        try:
            yield from raw
        except sheets.SheetError as error:
            raise _refusal(error) from None

    width = max([len(values) for values in head] + [max(header.labels, default=-1) + 1, 1])
    return RosterFile(
        sheet.kind,
        header,
        max(sheet.rows_estimate - header.header_rows, 0),
        head,
        width,
        data_rows(),
        sheet.date1904,
    )


def write_template(target: Any) -> None:
    """The import template: the national collection columns, an example row, IDs formatted as text."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    sheet = workbook.add_worksheet("花名册")
    bold = workbook.add_format({"bold": True, "bg_color": "#FDECEC"})
    text = workbook.add_format({"num_format": "@"})
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.header + ("*" if column.required else ""), bold)
        sheet.set_column(col, col, 22 if column.key in ("resident_id", "employer_name") else 12, text)
    notes = workbook.add_worksheet("填写说明")
    notes.write_string(0, 0, "带 * 的列必填。身份证号码列已设为文本格式，请勿改为数字。示例：")
    notes.write_row(7, 0, [c.header for c in COLUMNS])
    notes.write_row(8, 0, [c.example for c in COLUMNS], text)
    notes.write_string(1, 0, "日期可写 2018-05-29、2018/5/29、2018年5月29日 或 20180529。")
    notes.write_string(2, 0, "学历：小学及以下 / 初中 / 高中、中专、技校 / 大专 / 大学本科 / 研究生")
    notes.write_string(3, 0, "政治面貌：中共党员 / 中共预备党员 / 共青团员 / 民主党派 / 群众")
    notes.write_string(4, 0, "户籍类型：农业户口 / 非农业户口；是否农民工：是 / 否")
    notes.write_string(5, 0, "就业状态：在职 / 临时工 / 灵活就业 / 退休 / 未就业")
    notes.set_column(0, 0, 90)
    workbook.close()
