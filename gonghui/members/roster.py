"""Reading a roster file: .xlsx, .xls or .csv in, header recognised, rows of plain text out.

Everything that can make a file hostile is checked before the first row is handed on, so an import either
starts on a sound file or is refused with nothing written: not a spreadsheet, a zip bomb (declared and
actual uncompressed sizes and ratios), too many columns or rows, formulas, NUL bytes, undecodable text.

.xlsx is read by streaming its sheet XML straight out of the zip, a chunk at a time: python-calamine (used
for .xls, whose format caps a sheet at 65,536 rows) builds the whole sheet in memory — 1.2 GB for a
million-row roster — and the import's memory must stay bounded whatever the size. Dates in a roster are
known by their column, not by cell style, so the sheet XML and shared strings are all that is needed.
"""

import codecs
import csv
import datetime
import re
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import InvalidInput
from gonghui.core.text import to_half_width

# --- errors: the whole file is refused -------------------------------------------------------------


class RosterRefused(InvalidInput):
    code = "roster_refused"
    default_message = _("This file cannot be read as a roster.")


class NotASpreadsheet(RosterRefused):
    code = "roster_not_spreadsheet"
    default_message = _(
        "This file is not an Excel workbook (.xlsx, .xls) or a CSV file. Save it from Excel as .xlsx and "
        "upload it again."
    )


class RosterTooLarge(RosterRefused):
    code = "roster_too_large"
    default_message = _("The file is larger than the limit of %(limit)s MB; split it into smaller files.")
    status = 413


class RosterZipBomb(RosterRefused):
    code = "roster_zip_bomb"
    default_message = _(
        "The workbook unpacks to far more data than a roster holds; it looks damaged or built to attack "
        "the server and was refused."
    )


class RosterTooManyRows(RosterRefused):
    code = "roster_too_many_rows"
    default_message = _("The file has more than %(limit)s rows; split it into smaller files.")


class RosterTooManyColumns(RosterRefused):
    code = "roster_too_many_columns"
    default_message = _(
        "The sheet uses %(n)s columns; a roster has at most %(limit)s. Delete the unused columns and "
        "upload again."
    )


class RosterFormula(RosterRefused):
    code = "roster_formula"
    default_message = _(
        "Cell %(cell)s contains a formula. Copy the sheet and paste it as values only, then upload again."
    )


class RosterNulByte(RosterRefused):
    code = "roster_nul_character"
    default_message = _("The file contains invisible NUL characters; it is damaged or not a text file.")


class RosterEncoding(RosterRefused):
    code = "roster_encoding"
    default_message = _("The CSV file is neither UTF-8 nor GBK text. Save it from Excel as .xlsx instead.")


class RosterNoHeader(RosterRefused):
    code = "roster_no_header"
    default_message = _(
        "No header row with 姓名 and 公民身份号码 was found in the first %(n)s rows. Use the template's "
        "column headers."
    )


class RosterEmpty(RosterRefused):
    code = "roster_empty"
    default_message = _("The file has a header but no rows of members.")


# --- limits ----------------------------------------------------------------------------------------

MAX_COLUMNS = 100
HEADER_SCAN_ROWS = 10
# A roster's sheet XML compresses about 10:1; beyond 200:1 it is repetition built to blow up on unpacking.
MAX_ZIP_RATIO = 200
CHUNK_BYTES = 1 << 20


def max_rows() -> int:
    return int(settings.GONGHUI_ROSTER_MAX_ROWS)


def max_file_bytes() -> int:
    return int(settings.GONGHUI_ROSTER_MAX_UPLOAD_BYTES)


def max_unpacked_bytes() -> int:
    # About 500 bytes of XML per 12-column row, with room: anything past this is not a roster.
    return max(64 << 20, max_rows() * 1200)


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
IGNORED_HEADERS = {"序号", "编号", "备注", "no", "no."}
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


# --- readers ---------------------------------------------------------------------------------------


def detect_kind(path: Path, name: str) -> str:
    """xlsx, xls or csv, from the file's first bytes (the name may lie), else NotASpreadsheet."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    suffix = Path(name).suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if suffix == ".csv":
        return "csv"
    raise NotASpreadsheet()


@dataclass
class RosterFile:
    kind: str
    header: Header
    rows_estimate: int
    _rows: Iterator[tuple[int, list[str]]]
    first_rows: list[list[str]]

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(1-based sheet row number, cells as text) of every non-empty data row."""
        return self._rows


def open_roster(path: Path, name: str) -> RosterFile:
    """Check the whole file, find its header, and return a reader of its data rows."""
    size = path.stat().st_size
    if size > max_file_bytes():
        raise RosterTooLarge(limit=max_file_bytes() // (1 << 20))
    if size == 0:
        raise NotASpreadsheet()
    kind = detect_kind(path, name)
    if kind == "xlsx":
        reader: _Reader = _XlsxReader(path)
    elif kind == "xls":
        reader = _XlsReader(path)
    else:
        reader = _CsvReader(path)
    rows_estimate = reader.check()
    raw = reader.iter_rows()
    first: list[tuple[int, list[str]]] = []
    for item in raw:
        first.append(item)
        if len(first) >= HEADER_SCAN_ROWS:
            break
    header = find_header([cells for _, cells in first])

    def data_rows() -> Iterator[tuple[int, list[str]]]:
        yield from first[header.header_rows :]
        yield from raw

    return RosterFile(
        kind, header, max(rows_estimate - header.header_rows, 0), data_rows(), [cells for _, cells in first]
    )


class _Reader(ABC):
    @abstractmethod
    def check(self) -> int:
        """Refuse a hostile or broken file before any row is used; return the estimated row count."""

    @abstractmethod
    def iter_rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells as text) for each non-empty row."""


def _nonempty(number: int, cells: list[str]) -> tuple[int, list[str]] | None:
    # Strip trailing empty cells and skip empty rows (Excel keeps formatted empty rows at the end).
    while cells and not cells[-1].strip():
        cells.pop()
    return (number, cells) if cells else None


_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")


def column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    if "&" in text:
        text = _ENTITY.sub(
            lambda m: (
                _ENTITIES.get(m.group(1))
                or chr(int(m.group(1)[2:], 16) if m.group(1)[1] == "x" else int(m.group(1)[1:]))
            ),
            text,
        )
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


# Row starts and cells in one pattern: (row number, "/" if the row is empty, column letters, cell type,
# cell content). Attribute order differs between producers, hence the lookaheads.
_TOKENS = re.compile(
    r'<row\b[^>]*?\br="(\d+)"[^>]*?(/?)>'
    r'|<c\b([^>]*?)\br="([A-Z]{1,3})\d+"([^>]*?)(?:/>|>(.*?)</c>)',
    re.S,
)
_TEXT = re.compile(r"<t\b[^>]*>(.*?)</t>", re.S)
_KIND = re.compile(r'\bt="(\w+)"')
_FORMULA = re.compile(rb"<f[\s>/]")
_CELL_WITH_FORMULA = re.compile(rb'<c\b[^>]*?\br="([A-Z]+\d+)"[^>]*>(?:(?!</c>).)*?<f[\s>/]', re.S)
# Without a leading \b these searches start from the literal r=" (7x faster over a sheet); _refs checks
# the word boundary on the few hits.
_WIDE_REF = re.compile(rb'r="[A-Z]{3,}\d+"')
_TWO_LETTER_REF = re.compile(rb'r="([A-Z]{2})\d+"')
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _refs(pattern: re.Pattern[bytes], data: bytes) -> Iterator[re.Match[bytes]]:
    for match in pattern.finditer(data):
        start = match.start()
        if start == 0 or data[start - 1] not in _WORD_BYTES:
            yield match


class _XlsxReader(_Reader):
    def __init__(self, path: Path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            raise NotASpreadsheet() from None
        self.strings: list[str] = []

    def _member(self, name: str) -> IO[bytes]:
        return self.zip.open(name)

    def _read_bounded(self, handle: IO[bytes], declared: int) -> Iterator[bytes]:
        # The declared size can lie: count what really comes out and stop a bomb as it goes off.
        total = 0
        limit = min(declared, max_unpacked_bytes())
        while chunk := handle.read(CHUNK_BYTES):
            total += len(chunk)
            if total > limit:
                raise RosterZipBomb()
            yield chunk

    def _sheet_name(self) -> str:
        names = set(self.zip.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            raise NotASpreadsheet()
        # Read whole: these two are small in any real workbook (zipfile never unpacks past a declared size).
        if (
            max(self.zip.getinfo(n).file_size for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"))
            > 4 << 20
        ):
            raise RosterZipBomb()
        try:
            workbook = ET.fromstring(self.zip.read("xl/workbook.xml"))  # noqa: S314 - size-checked
            rels = ET.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
        except (ET.ParseError, KeyError):
            raise NotASpreadsheet() from None
        first = next((el for el in workbook.iter() if el.tag.endswith("}sheet")), None)
        if first is not None:
            rel_id = next((v for k, v in first.attrib.items() if k.endswith("}id")), None)
            for rel in rels:
                if rel.get("Id") == rel_id:
                    target = rel.get("Target", "").lstrip("/")
                    target = target if target.startswith("xl/") else f"xl/{target}"
                    if target in names:
                        return target
        if "xl/worksheets/sheet1.xml" in names:
            return "xl/worksheets/sheet1.xml"
        raise NotASpreadsheet()

    def check(self) -> int:
        infos = self.zip.infolist()
        if len(infos) > 1000:
            raise RosterZipBomb()
        declared = sum(info.file_size for info in infos)
        if declared > max_unpacked_bytes():
            raise RosterZipBomb()
        for info in infos:
            if info.file_size > 1 << 20 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
                raise RosterZipBomb()
        self.sheet = self._sheet_name()
        self.sheet_size = self.zip.getinfo(self.sheet).file_size
        if "xl/sharedStrings.xml" in self.zip.namelist():
            self._load_strings()
        # One pass over the raw XML before any row is used: formulas, columns, rows and NULs refuse the
        # file before anything is written. It costs an unzip and a few byte searches (about 1 s per
        # million rows), far less than parsing.
        rows, widest, tail = 0, 0, b""
        with self._member(self.sheet) as handle:
            for chunk in self._read_bounded(handle, self.sheet_size):
                if b"\x00" in chunk:
                    raise RosterNulByte()
                data = tail + chunk
                if b"<f" in data and _FORMULA.search(data):
                    match = _CELL_WITH_FORMULA.search(data)
                    raise RosterFormula(cell=match.group(1).decode() if match else "?")
                rows += chunk.count(b"</row>")
                if rows > max_rows() + HEADER_SCAN_ROWS:
                    raise RosterTooManyRows(limit=max_rows())
                # Column AAA (703) and beyond is never a roster; two-letter columns are measured.
                if next(_refs(_WIDE_REF, data), None) is not None:
                    raise RosterTooManyColumns(n="700+", limit=MAX_COLUMNS)
                for ref in {m.group(1) for m in _refs(_TWO_LETTER_REF, data)}:
                    widest = max(widest, column_index(ref.decode()) + 1)
                if widest > MAX_COLUMNS:
                    raise RosterTooManyColumns(n=widest, limit=MAX_COLUMNS)
                tail = data[-64:]
        return rows

    def _load_strings(self) -> None:
        info = self.zip.getinfo("xl/sharedStrings.xml")
        strings = self.strings
        parser: Any = ET.XMLPullParser(events=("end",))
        with self._member(info.filename) as handle:
            for chunk in self._read_bounded(handle, info.file_size):
                if b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk:
                    raise RosterZipBomb()
                try:
                    parser.feed(chunk)
                    for _event, element in parser.read_events():
                        if element.tag.endswith("}si"):
                            strings.append(
                                "".join(t.text or "" for t in element.iter() if t.tag.endswith("}t"))
                            )
                            element.clear()
                except ET.ParseError:
                    raise NotASpreadsheet() from None
                if len(strings) > max_rows() * MAX_COLUMNS:
                    raise RosterZipBomb()

    def iter_rows(self) -> Iterator[tuple[int, list[str]]]:
        # The hot loop of a big import: one C-level findall per megabyte yields row starts and cells
        # together; Python touches each cell once. Chunks are cut after the last complete row.
        strings = self.strings
        columns: dict[str, int] = {}
        number = 0
        cells: list[str] | None = None
        pending = b""
        with self._member(self.sheet) as handle:
            chunks = self._read_bounded(handle, self.sheet_size)
            while True:
                chunk = next(chunks, None)
                if chunk is None:
                    data, pending = pending, b""
                else:
                    data = pending + chunk
                    cut = data.rfind(b"</row>")
                    if cut < 0:
                        pending = data
                        continue
                    data, pending = data[: cut + 6], data[cut + 6 :]
                tokens = _TOKENS.findall(data.decode("utf-8", "replace"))
                for row_number, row_closed, before, col, after, inner in tokens:
                    if row_number:
                        if cells:
                            item = _nonempty(number, cells)
                            if item is not None:
                                yield item
                        number, cells = int(row_number), ([] if not row_closed else None)
                        continue
                    if cells is None or not inner:
                        continue
                    index = columns.get(col)
                    if index is None:
                        index = columns[col] = column_index(col)
                    if inner[:3] == "<v>":
                        # The type attribute only matters for a <v> value: read it only here.
                        attrs = before + after if before else after
                        if 't="' not in attrs:
                            kind = ""
                        elif 't="s"' in attrs:
                            kind = "s"
                        else:
                            kind = _KIND.search(attrs).group(1)  # type: ignore[union-attr]
                        raw = inner[3:-4]
                        if kind == "s":
                            try:
                                text = strings[int(raw)]
                            except (ValueError, IndexError):
                                text = ""
                        elif kind in ("", "n"):
                            text = raw if raw.isdigit() else cell_text(float(raw))
                        elif kind == "b":
                            text = "是" if raw == "1" else "否"
                        else:
                            text = _unescape(raw)
                    elif (
                        inner[:7] == "<is><t>"
                        and inner[-9:] == "</t></is>"
                        and "<" not in (text := inner[7:-9])
                    ):
                        # The plain inline string (what xlsxwriter and most exporters write): no regex.
                        if "&" in text or "_x" in text:
                            text = _unescape(text)
                    else:
                        text = _unescape("".join(_TEXT.findall(inner)))
                    if index == len(cells):
                        cells.append(text)
                    elif index > len(cells):
                        cells.extend([""] * (index - len(cells)))
                        cells.append(text)
                    else:
                        cells[index] = text
                if chunk is None:
                    break
        if cells:
            item = _nonempty(number, cells)
            if item is not None:
                yield item


class _XlsReader(_Reader):
    """Legacy .xls through python-calamine: the format holds at most 65,536 rows, so memory is bounded."""

    def __init__(self, path: Path):
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            self.sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        except (CalamineError, ValueError, OSError):
            raise NotASpreadsheet() from None

    def check(self) -> int:
        if self.sheet.width > MAX_COLUMNS:
            raise RosterTooManyColumns(n=self.sheet.width, limit=MAX_COLUMNS)
        if self.sheet.height > max_rows() + HEADER_SCAN_ROWS:
            raise RosterTooManyRows(limit=max_rows())
        return int(self.sheet.height)

    def iter_rows(self) -> Iterator[tuple[int, list[str]]]:
        start = (self.sheet.start or (0, 0))[0]
        for offset, row in enumerate(self.sheet.iter_rows()):
            cells = [cell_text(v) for v in row]
            if any("\x00" in c for c in cells):
                raise RosterNulByte()
            item = _nonempty(start + offset + 1, cells)
            if item is not None:
                yield item


class _CsvReader(_Reader):
    """UTF-8 (with or without BOM) or GBK/GB18030, whichever decodes the whole file."""

    def __init__(self, path: Path):
        self.path = path
        self.encoding = "utf-8-sig"

    def check(self) -> int:
        for encoding in ("utf-8-sig", "gb18030"):
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                with open(self.path, "rb") as handle:
                    while chunk := handle.read(CHUNK_BYTES):
                        if b"\x00" in chunk:
                            raise RosterNulByte()
                        decoder.decode(chunk)
                    decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            self.encoding = encoding
            break
        else:
            raise RosterEncoding()
        # Parse once before any row is used (csv is C code: cheap), so that a formula or a row of
        # a thousand columns refuses the file before anything is written.
        rows = 0
        for number, cells in self._parse():
            rows += 1
            if rows > max_rows() + HEADER_SCAN_ROWS:
                raise RosterTooManyRows(limit=max_rows())
            if len(cells) > MAX_COLUMNS:
                raise RosterTooManyColumns(n=len(cells), limit=MAX_COLUMNS)
            for index, cell in enumerate(cells):
                if cell[:1] == "=" and len(cell) > 1:
                    raise RosterFormula(cell=f"{_letters(index)}{number}")
        return rows

    def _parse(self) -> Iterator[tuple[int, list[str]]]:
        with open(self.path, encoding=self.encoding, newline="") as handle:
            try:
                dialect: Any = csv.Sniffer().sniff(handle.read(4096), delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            handle.seek(0)
            try:
                yield from enumerate(csv.reader(handle, dialect), start=1)
            except csv.Error:
                raise NotASpreadsheet() from None

    def iter_rows(self) -> Iterator[tuple[int, list[str]]]:
        for number, cells in self._parse():
            item = _nonempty(number, cells)
            if item is not None:
                yield item


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


column_letters = _letters


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
