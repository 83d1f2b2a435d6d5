"""Spreadsheets people upload, read as a standard reader reads them; and the problem report sent back.

    sheet = open_sheet(path, "名册.xlsx", limits=SheetLimits(max_bytes=50 << 20, max_rows=1_000_010))
    sheet.kind            "xlsx" (also .xlsm), "xls", "ods", "csv" or "text" (tab-separated Unicode text)
    sheet.rows()          (1-based sheet row number, [value, ...]) for each row that has a value
    write_problem_report(target, head=[...], rows=[(values, "问题 text"), ...])

Values are exactly what python-calamine gives for a workbook: str, int, float, bool, datetime.date
(a date-formatted cell with no time), datetime.datetime, datetime.time, datetime.timedelta; an empty
cell is "". Text files give str only. Rows keep their sheet positions: values[i] is column i (A = 0),
trailing empty cells dropped, rows without any value skipped.

Everything that makes a file hostile is refused with a SheetError (a stable code and a Chinese message)
before the first row is handed out: not a spreadsheet, damaged, password-protected, too large, a zip
bomb, too many rows or columns, NUL characters, undecodable text, no data at all.

Memory stays bounded whatever the size of an .xlsx: python-calamine builds a whole sheet in memory
(about 1.2 KB per 13-column row), so a big sheet is handed to it in windows of rows — each window a
small workbook with the original's workbook, styles and shared strings and a slice of the sheet's rows,
so every value is still calamine's own reading (dates by the cell's style, 1904 date system, shared and
inline strings, prefixed namespaces, rows and cells without references). .xls holds at most 65,536 rows
by format and .ods rosters are small: both are read whole.
"""

import codecs
import csv
import datetime
import itertools
import re
import shutil
import tempfile
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import InvalidInput

Value = str | int | float | bool | datetime.date | datetime.datetime | datetime.time | datetime.timedelta
Row = tuple[int, list[Value]]

# --- errors: the whole file is refused -------------------------------------------------------------


class SheetError(InvalidInput):
    code = "sheet_refused"
    default_message = _("This file cannot be read as a spreadsheet.")


class SheetNotSpreadsheet(SheetError):
    code = "sheet_not_spreadsheet"
    default_message = _(
        "This file is not a spreadsheet (.xlsx, .xls, .ods, .csv or Unicode text). Save it from Excel as "
        ".xlsx and upload it again."
    )


class SheetDamaged(SheetError):
    code = "sheet_damaged"
    default_message = _(
        "The workbook is damaged and cannot be opened. Open it in Excel or WPS, save it again as .xlsx and "
        "upload the new file."
    )


class SheetEncrypted(SheetError):
    code = "sheet_encrypted"
    default_message = _(
        "The workbook is protected with a password. Open it, remove the password, save it and upload it "
        "again."
    )


class SheetTooLarge(SheetError):
    code = "sheet_too_large"
    default_message = _("The file is larger than the limit of %(limit)s MB; split it into smaller files.")
    status = 413


class SheetZipBomb(SheetError):
    code = "sheet_zip_bomb"
    default_message = _(
        "The workbook unpacks to far more data than a spreadsheet of this size holds; it looks damaged or "
        "built to attack the server and was refused."
    )


class SheetTooManyRows(SheetError):
    code = "sheet_too_many_rows"
    default_message = _("The file has more than %(limit)s rows; split it into smaller files.")


class SheetTooManyColumns(SheetError):
    code = "sheet_too_many_columns"
    default_message = _(
        "The sheet uses %(n)s columns; at most %(limit)s are read. Delete the unused columns and upload "
        "again."
    )


class SheetNulByte(SheetError):
    code = "sheet_nul_character"
    default_message = _("The file contains invisible NUL characters; it is damaged or not a text file.")


class SheetEncoding(SheetError):
    code = "sheet_encoding"
    default_message = _(
        "The text file is neither UTF-8, GB18030 (GBK) nor UTF-16 text. Save it from Excel as .xlsx instead."
    )


class SheetEmpty(SheetError):
    code = "sheet_empty"
    default_message = _("The file has no data in its first sheet.")


# --- limits ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetLimits:
    max_bytes: int  # the file as uploaded
    max_rows: int  # rows of the sheet, header included
    max_columns: int = 100
    # What a sheet's XML may unpack to: about 1,200 bytes per row of a dozen columns, with room.
    max_unpacked_bytes: int = 0

    def unpacked(self) -> int:
        return self.max_unpacked_bytes or max(64 << 20, self.max_rows * 1200)


# An .xlsx sheet bigger than this (XML bytes) or reaching below this row is handed to calamine in windows
# of at most this many bytes and rows; a smaller one in one piece.
WINDOW_BYTES = 8 << 20
WINDOW_ROWS = 10_000
# A sheet's XML compresses about 10:1; beyond 200:1 it is repetition built to blow up on unpacking.
MAX_ZIP_RATIO = 200
MAX_ZIP_MEMBERS = 1000
CHUNK_BYTES = 1 << 20
EXCEL_MAX_STRING = 32_767
TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column's name in a spreadsheet."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 0, AA -> 26: the inverse of column_letters."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


# --- opening a file --------------------------------------------------------------------------------


@dataclass
class Sheet:
    kind: str
    name: str  # the sheet read (the first visible worksheet); "" for text files
    rows_estimate: int  # rows in the file, header included (empty formatted rows may count)
    date1904: bool  # the workbook counts date serials from 1904 (old Mac Excel); calamine applies it
    _reader: "_Reader" = field(repr=False)
    _started: Iterator[Row] | None = field(default=None, repr=False)

    def rows(self) -> Iterator[Row]:
        """Every row that has a value, in order, as (1-based row number, values). A new pass over the
        file each time it is called (the first continues the pass that found the file not empty)."""
        if self._started is not None:
            started, self._started = self._started, None
            return started
        return self._reader.iter_rows()


def open_sheet(path: Path, filename: str, *, limits: SheetLimits) -> Sheet:
    """Check the whole file (everything that would refuse it) and return its first visible sheet.

    `filename` is the name it was uploaded with: only a text file is known by its suffix, everything else
    by its bytes."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise SheetTooLarge(limit=max(limits.max_bytes >> 20, 1))
    if size == 0:
        raise SheetEmpty()
    kind = sniff(path, filename)
    reader: _Reader
    if kind == "xlsx":
        reader = _XlsxReader(path, limits)
    elif kind == "ods":
        reader = _CalamineReader(path, limits, kind="ods")
    elif kind == "xls":
        reader = _CalamineReader(path, limits, kind="xls")
    else:
        reader = _TextReader(path, limits, filename)
        kind = reader.kind
    rows_estimate = reader.check()
    rows = reader.iter_rows()
    first = next(rows, None) if rows_estimate else None
    if first is None:
        raise SheetEmpty()
    return Sheet(
        kind, reader.sheet_name, rows_estimate, reader.date1904, reader, itertools.chain([first], rows)
    )


_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted .xlsx/.docx is a compound file holding these streams (names in UTF-16).
_ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def sniff(path: Path, filename: str) -> str:
    """ "xlsx", "xls", "ods" or "text", from the file's bytes (the name may lie); else SheetNotSpreadsheet
    (or SheetEncrypted, SheetDamaged)."""
    with open(path, "rb") as handle:
        head = handle.read(8)
        if head.startswith(_CFB_MAGIC):
            handle.seek(0)
            tail = b""
            while chunk := handle.read(CHUNK_BYTES):
                data = tail + chunk
                if any(name in data for name in _ENCRYPTED_STREAMS):
                    raise SheetEncrypted()
                tail = data[-64:]
            return "xls"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                    if archive.read("mimetype").strip() == _ODS_MIMETYPE:
                        return "ods"
                    raise SheetNotSpreadsheet()
        except (zipfile.BadZipFile, OSError, KeyError, EOFError):
            raise SheetDamaged() from None
        if "[Content_Types].xml" in names or "xl/workbook.xml" in names:
            if "xl/workbook.bin" in names:  # .xlsb: binary records, not read here
                raise SheetNotSpreadsheet()
            return "xlsx"
        raise SheetNotSpreadsheet()
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "text"
    if Path(filename).suffix.lower() in TEXT_SUFFIXES:
        return "text"
    raise SheetNotSpreadsheet()


class _Reader(ABC):
    sheet_name = ""
    date1904 = False

    @abstractmethod
    def check(self) -> int:
        """Refuse a hostile or broken file before any row is used; return the number of rows."""

    @abstractmethod
    def iter_rows(self) -> Iterator[Row]:
        """(row number, values) for each row with a value."""


def _trimmed(values: list[Any]) -> list[Any]:
    # Trailing empty cells dropped (calamine pads every row to the sheet's width).
    while values and values[-1] == "":
        values.pop()
    return values


def _calamine_rows(sheet: Any, *, check_nul: bool) -> Iterator[Row]:
    """A calamine sheet's rows at their sheet positions. to_python starts at the first used row and column
    (iter_rows would first yield every empty row above it, each a list: a window far down the sheet
    would cost more in those than in its data), so the row number is offset and the cells padded on the
    left. Every sheet given here is at most a window's size, so the list is bounded."""
    start = sheet.start
    if start is None:
        return
    first_row, first_column = start
    pad = [""] * first_column
    for offset, values in enumerate(sheet.to_python(skip_empty_area=True)):
        if values[-1] == "":
            values = _trimmed(values)
            if not values:
                continue
        if check_nul:
            for value in values:
                if value.__class__ is str and "\x00" in value:
                    raise SheetNulByte()
        yield first_row + offset + 1, (pad + values if first_column else values)


def _open_calamine(source: str) -> Any:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        return CalamineWorkbook.from_path(source)
    except PasswordError:
        raise SheetEncrypted() from None
    except (CalamineError, ValueError, OSError):
        raise SheetDamaged() from None


def _first_visible(workbook: Any) -> str:
    """The sheet an officer sees when the file opens: the first visible worksheet (a hidden first sheet
    of lists or a chart is skipped)."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    for meta in workbook.sheets_metadata:
        if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible:
            return str(meta.name)
    if not workbook.sheet_names:
        raise SheetEmpty()
    return str(workbook.sheet_names[0])


def _check_zip(archive: zipfile.ZipFile, limits: SheetLimits) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise SheetZipBomb()
    if sum(info.file_size for info in infos) > limits.unpacked():
        raise SheetZipBomb()
    for info in infos:
        if info.file_size > 1 << 20 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise SheetZipBomb()


_ODS_CELL_REPEAT = re.compile(rb'<table:table-cell\b([^>]*?)table:number-columns-repeated="(\d+)"([^>]*)>')
_ODS_ROW_REPEAT = re.compile(rb'<table:table-row\b[^>]*?table:number-rows-repeated="(\d+)"[^>]*>')
_ODS_ROW_END = b"</table:table-row>"


def _check_ods_repeats(archive: zipfile.ZipFile, limits: SheetLimits) -> None:
    """An .ods says "this cell 16,384 times" or "this row a million times" in a few bytes, and calamine
    makes every copy. Empty repeats are how LibreOffice pads every sheet (calamine skips those); a
    repeated cell or row with a value beyond the limits is refused before calamine sees it."""
    content = archive.read("content.xml")
    for match in _ODS_CELL_REPEAT.finditer(content):
        if int(match.group(2)) > limits.max_columns and (
            b"office:value-type" in match.group(1) + match.group(3) or not match.group(3).endswith(b"/")
        ):
            raise SheetTooManyColumns(n=int(match.group(2)), limit=limits.max_columns)
    for match in _ODS_ROW_REPEAT.finditer(content):
        if int(match.group(1)) > limits.max_rows:
            body = content[match.end() : content.find(_ODS_ROW_END, match.end())]
            if b"office:value-type" in body or b"<text:p" in body:
                raise SheetTooManyRows(limit=limits.max_rows)


class _CalamineReader(_Reader):
    """.xls (BIFF: at most 65,536 rows by format) and .ods, read whole by calamine."""

    def __init__(self, path: Path, limits: SheetLimits, *, kind: str):
        self.path, self.limits, self.kind = path, limits, kind
        if kind == "ods":
            try:
                with zipfile.ZipFile(path) as archive:
                    _check_zip(archive, limits)
                    _check_ods_repeats(archive, limits)
            except (zipfile.BadZipFile, OSError, KeyError):
                raise SheetDamaged() from None
        self.workbook = _open_calamine(str(path))
        self.sheet_name = _first_visible(self.workbook)
        self._sheet: Any = None

    def _load(self) -> Any:
        from python_calamine import CalamineError

        if self._sheet is None:
            try:
                self._sheet = self.workbook.get_sheet_by_name(self.sheet_name)
            except (CalamineError, ValueError):
                raise SheetDamaged() from None
        return self._sheet

    def check(self) -> int:
        sheet = self._load()
        if sheet.start is None:
            return 0
        if sheet.start[1] + sheet.width > self.limits.max_columns:
            raise SheetTooManyColumns(n=sheet.start[1] + sheet.width, limit=self.limits.max_columns)
        if sheet.height > self.limits.max_rows:
            raise SheetTooManyRows(limit=self.limits.max_rows)
        for _row in _calamine_rows(sheet, check_nul=True):
            pass
        return int(sheet.height)

    def iter_rows(self) -> Iterator[Row]:
        return _calamine_rows(self._load(), check_nul=False)


# --- .xlsx -----------------------------------------------------------------------------------------

_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_NS_REL_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships/"
_SMALL_PART = 4 << 20
# Prefix-agnostic: <row ...>, <x:row ...> (a namespace prefix is valid XML and some writers use one).
_NAME = rb"(?:[A-Za-z_][\w.\-]*:)?"
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")
_CELL_TAG = re.compile(rb"<" + _NAME + rb"c(?=[\s/>])")
# Searched from the literal r=" (several times faster than from a character class), the word boundary
# checked on the few hits.
_WIDE_REF = re.compile(rb'r="[A-Z]{3,}\d')
_WIDE_REF_QUOTE = re.compile(rb"r='[A-Z]{3,}\d")
_TWO_LETTER_REF = re.compile(rb'r="([A-Z]{2})\d')
_TWO_LETTER_REF_QUOTE = re.compile(rb"r='([A-Z]{2})\d")
_SHEET_DATA = re.compile(rb"<(" + _NAME + rb")sheetData(?:\s[^>]*)?(/?)>")
_ROOT = re.compile(rb"<(" + _NAME + rb")worksheet[\s>]")
_NUL_REFERENCE = re.compile(rb"&#0+;|&#[xX]0+;")


def _refuse_nul(data: bytes) -> None:
    # NUL raw, as a character reference or as OOXML's _x0000_ escape: PostgreSQL cannot store it.
    if b"\x00" in data or b"_x0000_" in data or (b"&#" in data and _NUL_REFERENCE.search(data)):
        raise SheetNulByte()


def _two_letter_references(data: bytes) -> set[bytes]:
    found: set[bytes] = set()
    for pattern in (_TWO_LETTER_REF, _TWO_LETTER_REF_QUOTE):
        for match in pattern.finditer(data):
            if match.start() and data[match.start() - 1] in b" \t\r\n" and match.group(1) not in found:
                found.add(match.group(1))
    return found


def _wide_reference(data: bytes) -> bool:
    """A cell reference of three letters (column AAA, the 703rd, and beyond): never a sheet of ours."""
    for pattern in (_WIDE_REF, _WIDE_REF_QUOTE):
        for match in pattern.finditer(data):
            if match.start() and data[match.start() - 1] in b" \t\r\n":
                return True
    return False


def _xml(archive: zipfile.ZipFile, name: str) -> ET.Element:
    """A small XML part (workbook, relationships), parsed with its size checked and no DTD allowed."""
    info = archive.getinfo(name)
    if info.file_size > _SMALL_PART:
        raise SheetZipBomb()
    data = archive.read(name)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise SheetDamaged()
    try:
        return ET.fromstring(data)  # noqa: S314 - size-checked, no DTD: no entity expansion possible
    except ET.ParseError:
        raise SheetDamaged() from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """id -> (type, zip path of the target) for a part's relationships."""
    folder, _sep, name = part.rpartition("/")
    rels = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    if rels not in archive.NameToInfo:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for rel in _xml(archive, rels):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}" if folder else target
        parts: list[str] = []
        for piece in path.split("/"):
            if piece == "..":
                if parts:
                    parts.pop()
            elif piece not in ("", "."):
                parts.append(piece)
        resolved = "/".join(parts)
        if resolved not in archive.NameToInfo:
            resolved = _by_lower_name(archive).get(resolved.lower(), resolved)
        found[rel.get("Id", "")] = (rel.get("Type", ""), resolved)
    return found


def _by_lower_name(archive: zipfile.ZipFile) -> dict[str, str]:
    # Some writers differ in case between a relationship's target and the zip entry.
    return {name.replace("\\", "/").lower(): name for name in archive.namelist()}


class _XlsxReader(_Reader):
    def __init__(self, path: Path, limits: SheetLimits):
        self.path, self.limits = path, limits
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            raise SheetDamaged() from None
        _check_zip(self.zip, limits)
        try:
            self._find_sheet()
        except KeyError:
            raise SheetDamaged() from None
        self.windowed = False

    def _find_sheet(self) -> None:
        root = _relationships(self.zip, "")
        workbook_part = next(
            (target for kind, target in root.values() if kind.endswith("/officeDocument")), "xl/workbook.xml"
        )
        if workbook_part not in self.zip.NameToInfo:
            raise SheetNotSpreadsheet()
        workbook = _xml(self.zip, workbook_part)
        if _local(workbook.tag) != "workbook":  # a Word or PowerPoint file is a package too
            raise SheetNotSpreadsheet()
        rels = _relationships(self.zip, workbook_part)
        self.date1904 = False
        sheets: list[tuple[str, str, bool]] = []
        for element in workbook.iter():
            tag = _local(element.tag)
            if tag == "workbookPr" and element.get("date1904") in ("1", "true"):
                self.date1904 = True
            elif tag == "sheet":
                rel_id = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
                kind, target = rels.get(rel_id, ("", ""))
                if kind.endswith("/worksheet") and target in self.zip.NameToInfo:
                    visible = element.get("state", "visible") == "visible"
                    sheets.append((element.get("name", ""), target, visible))
        if not sheets:
            raise SheetEmpty()
        self.sheet_name, self.sheet_part, _visible = next((s for s in sheets if s[2]), sheets[0])
        self.sheet_size = self.zip.getinfo(self.sheet_part).file_size
        self.workbook_part = workbook_part

    def _stream(self, name: str) -> Iterator[bytes]:
        # The declared size can lie: count what really comes out and stop a bomb as it goes off.
        limit = min(self.zip.getinfo(name).file_size, self.limits.unpacked())
        total = 0
        try:
            with self.zip.open(name) as handle:
                while chunk := handle.read(CHUNK_BYTES):
                    total += len(chunk)
                    if total > limit:
                        raise SheetZipBomb()
                    yield chunk
        except (zipfile.BadZipFile, EOFError, OSError):
            raise SheetDamaged() from None

    def check(self) -> int:
        """One pass over the raw sheet XML (and the shared strings) before calamine sees it: NUL
        characters, rows and columns counted, and whatever would make calamine's dense grid of cells
        huge found — a value far right (calamine allocates every cell up to it: refused) or far down (the
        sheet is then read in windows). Byte searches, not parsing: about 1 s per million rows."""
        for name in self.zip.namelist():
            if name.endswith("sharedStrings.xml"):
                for chunk in self._stream(name):
                    _refuse_nul(chunk)
        rows, widest, last_row, pending = 0, 0, 0, b""
        limits = self.limits
        row_needle = cell_needle = b""
        for chunk in self._stream(self.sheet_part):
            data = pending + chunk
            cut = data.rfind(b">") + 1
            data, pending = data[:cut], data[cut:]
            _refuse_nul(data)
            if not row_needle:
                start = _SHEET_DATA.search(data)
                if start is None:
                    pending = data + pending
                    continue
                self.prefix = start.group(1)
                row_needle, cell_needle = b"<" + self.prefix + b"row", b"<" + self.prefix + b"c"
            count = data.count(row_needle) - data.count(row_needle + b"Breaks")
            if count:
                rows += count
                if rows > limits.max_rows:
                    raise SheetTooManyRows(limit=limits.max_rows)
                tail = data[data.rfind(row_needle) :]
                numbered = _ROW_NUMBER.search(tail[: tail.find(b">") + 1])
                last_row = int(numbered.group(1)) if numbered else last_row + count
            if _wide_reference(data):
                raise SheetTooManyColumns(n="700+", limit=limits.max_columns)
            for letters in _two_letter_references(data):
                widest = max(widest, column_index(letters.decode()) + 1)
            # Every <c has a reference when there are as many r= as cells and rows (the count of <c takes
            # in <col and <cfRule too: a few more, never fewer).
            if data.count(b' r="') + data.count(b" r='") < data.count(cell_needle) + count:
                # Some cells (or rows) have no reference: cells are then placed by their order in the
                # row, and the widest row is its number of cells.
                row_tag = self._row_tag()
                starts = [m.start() for m in row_tag.finditer(data)] + [len(data)]
                for begin, end in itertools.pairwise(starts):
                    widest = max(widest, len(_CELL_TAG.findall(data, begin, end)))
            if widest > limits.max_columns:
                raise SheetTooManyColumns(n=widest, limit=limits.max_columns)
        if not row_needle:
            raise SheetDamaged()
        self.windowed = self.sheet_size > WINDOW_BYTES or last_row > WINDOW_ROWS
        if not self.windowed:
            self._whole = _open_calamine(str(self.path))
        return rows

    def _row_tag(self) -> re.Pattern[bytes]:
        # A literal start (the sheet's own prefix) is several times faster to search than any prefix.
        return re.compile(b"<" + re.escape(self.prefix) + rb"row(?=[\s/>])([^>]*)>")

    def iter_rows(self) -> Iterator[Row]:
        if not self.windowed:
            from python_calamine import CalamineError

            try:
                sheet = self._whole.get_sheet_by_name(self.sheet_name)
            except (CalamineError, ValueError):
                raise SheetDamaged() from None
            return _calamine_rows(sheet, check_nul=False)
        return self._windowed_rows()

    # --- windows: a big sheet handed to calamine a slice of rows at a time --------------------------

    def _windowed_rows(self) -> Iterator[Row]:
        from python_calamine import CalamineError

        # The pass may continue in a forked process (core.forked): each window gets a file of its own, and
        # whichever process ends the pass removes the folder.
        with tempfile.TemporaryDirectory(prefix="gonghui-sheet-", ignore_cleanup_errors=True) as folder:
            for number, window in enumerate(self._windows()):
                target = Path(folder) / f"window-{number}.xlsx"
                self._write_window(target, window)
                del window
                workbook = _open_calamine(str(target))
                try:
                    sheet = workbook.get_sheet_by_name(self.sheet_name)
                    rows = _calamine_rows(sheet, check_nul=False)
                except (CalamineError, ValueError):
                    raise SheetDamaged() from None
                yield from rows
                del sheet, rows
                workbook.close()
                target.unlink(missing_ok=True)

    def _windows(self) -> Iterator[bytes]:
        """The sheet's XML cut into complete worksheets of at most WINDOW_BYTES and WINDOW_ROWS rows:
        the original's opening (namespaces, columns, everything up to <sheetData>), a slice of whole
        rows, and the closing tags. Rows without a reference number are numbered by their order, so a
        window whose rows carry none starts with an empty row numbered like the last row before it."""
        prologue = prefix = root_prefix = pending = b""
        window = bytearray()
        window_rows = 0
        first = before = last = 0  # numbers of the window's first row, the row before it, the last row seen
        in_rows = done = False
        row_tag = self._row_tag()
        needle = b"<" + self.prefix + b"row"
        chunks = self._stream(self.sheet_part)
        while not done:
            chunk = next(chunks, None)
            data = pending + (chunk or b"")
            if not in_rows:
                start = _SHEET_DATA.search(data)
                if start is None:
                    if chunk is None:
                        raise SheetDamaged()
                    pending = data
                    continue
                root = _ROOT.search(data)
                root_prefix = root.group(1) if root else b""
                prefix = start.group(1)
                if start.group(2):  # <sheetData/>: no rows at all
                    return
                prologue = data[: start.end()]
                data = data[start.end() :]
                row_tag = self._row_tag()
                needle = b"<" + prefix + b"row"
                in_rows = True
            end = data.find(b"</" + prefix + b"sheetData")
            if end >= 0:
                rows_data, pending, done = data[:end], b"", True
            elif chunk is None:
                raise SheetDamaged()
            else:
                # Cut before the last row's start: everything before it is whole rows.
                cut = max(data.rfind(b"<" + prefix + b"row"), 0)
                rows_data, pending = data[:cut], data[cut:]
            if window_rows:
                # The common case: the whole chunk fits in the open window (rows carry their numbers and
                # ascend, so the chunk's last row says how far it reaches): no row-by-row walk.
                tail = rows_data[rows_data.rfind(needle) :]
                numbered = row_tag.match(tail)
                reach = _ROW_NUMBER.search(numbered.group(1)) if numbered else None
                if (
                    reach is not None
                    and len(window) + len(rows_data) < WINDOW_BYTES
                    and int(reach.group(1)) - first < WINDOW_ROWS
                ):
                    window += rows_data
                    window_rows += rows_data.count(needle)
                    last = int(reach.group(1))
                    continue
            segment = 0
            for match in row_tag.finditer(rows_data):
                numbered = _ROW_NUMBER.search(match.group(1))
                number = int(numbered.group(1)) if numbered else last + 1
                if window_rows:
                    size = len(window) + match.start() - segment
                    if size >= WINDOW_BYTES or number - first >= WINDOW_ROWS:
                        window += rows_data[segment : match.start()]
                        yield self._document(prologue, prefix, root_prefix, before, window)
                        window, window_rows, segment, before = bytearray(), 0, match.start(), last
                if not window_rows:
                    first = number
                window_rows += 1
                last = number
            window += rows_data[segment:]
        if window_rows:
            yield self._document(prologue, prefix, root_prefix, before, window)

    @staticmethod
    def _document(prologue: bytes, prefix: bytes, root_prefix: bytes, before: int, rows: bytearray) -> bytes:
        marker = b"<" + prefix + b'row r="' + str(before).encode() + b'"/>' if before else b""
        closing = b"</" + prefix + b"sheetData></" + root_prefix + b"worksheet>"
        return b"".join((prologue, marker, rows, closing))

    def _write_window(self, target: Path, sheet_xml: bytes) -> None:
        # The workbook's own parts (workbook, relationships, styles, shared strings, theme) around one
        # slice of the sheet: calamine reads it exactly as it would read the whole. Other sheets and
        # pictures are left out (calamine opens only the sheet asked for).
        skip = ("worksheets/", "chartsheets/", "drawings/", "media/", "pivot", "externalLinks/")
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as out:
            for info in self.zip.infolist():
                name = info.filename
                if name == self.sheet_part:
                    out.writestr(name, sheet_xml)
                elif name.endswith("/") or name.endswith(".bin") or any(s in name for s in skip):
                    continue
                else:
                    with self.zip.open(info) as source, out.open(name, "w", force_zip64=True) as sink:
                        shutil.copyfileobj(source, sink, CHUNK_BYTES)


# --- text: .csv and Unicode text -------------------------------------------------------------------


class _TextReader(_Reader):
    """Comma, semicolon or tab separated text: UTF-16 with a BOM (Excel's "Unicode text", tab-separated),
    UTF-8 (with or without BOM) or GB18030 (the superset of GBK that Chinese Windows saves), whichever
    decodes the whole file."""

    def __init__(self, path: Path, limits: SheetLimits, filename: str):
        self.path, self.limits = path, limits
        with open(path, "rb") as handle:
            head = handle.read(2)
        self.utf16 = head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        self.encoding = "utf-16" if self.utf16 else "utf-8-sig"
        self.kind = "csv" if not self.utf16 and Path(filename).suffix.lower() == ".csv" else "text"

    def check(self) -> int:
        for encoding in ("utf-16",) if self.utf16 else ("utf-8-sig", "gb18030"):
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                with open(self.path, "rb") as handle:
                    while chunk := handle.read(CHUNK_BYTES):
                        if "\x00" in decoder.decode(chunk):
                            raise SheetNulByte()
                    decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            self.encoding = encoding
            break
        else:
            raise SheetEncoding()
        # Parse once before any row is used (csv is C code: cheap), so that a row of a thousand columns
        # refuses the file before anything is written.
        rows = 0
        for _number, values in self._parse():
            rows += 1
            if rows > self.limits.max_rows:
                raise SheetTooManyRows(limit=self.limits.max_rows)
            if len(values) > self.limits.max_columns and len(_trimmed(values)) > self.limits.max_columns:
                raise SheetTooManyColumns(n=len(values), limit=self.limits.max_columns)
        return rows

    def _parse(self) -> Iterator[tuple[int, list[str]]]:
        with open(self.path, encoding=self.encoding, newline="") as handle:
            try:
                dialect: Any = csv.Sniffer().sniff(handle.read(4096), delimiters=",;\t")
            except csv.Error:
                dialect = "excel-tab" if self.utf16 else csv.excel
            handle.seek(0)
            try:
                yield from enumerate(csv.reader(handle, dialect), start=1)
            except csv.Error:
                raise SheetDamaged() from None

    def iter_rows(self) -> Iterator[Row]:
        for number, values in self._parse():
            while values and not values[-1].strip():
                values.pop()
            if values:
                yield number, values  # type: ignore[misc]  # list[str] is a list of values


# --- the problem report ----------------------------------------------------------------------------


def write_problem_report(
    target: str | Path,
    *,
    head: list[list[Value]],
    rows: Iterable[tuple[list[Value], str]],
    width: int,
    problem_header: str = "问题",
    sheet_name: str = "Sheet1",
) -> None:
    """A copy of an uploaded sheet with one more column saying what is wrong with each row, made to be
    fixed in place and uploaded again: every value written as the type it was read as (text as text in
    a text-formatted cell — never a leading ', so "+86 138…" stays what was typed —, numbers as numbers,
    dates as dates with a date format, not serial numbers), text never turned into a formula.

    `head` are the rows above the data (title, header lines; the problem header goes at the end of the
    last one), `rows` the data rows with their problem text ("" for none), `width` the number of the
    sheet's columns (the problem column goes right of them)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(sheet_name[:31] or "Sheet1")
    formats = {
        "text": workbook.add_format({"num_format": "@"}),
        "head": workbook.add_format({"num_format": "@", "bold": True}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "time": workbook.add_format({"num_format": "hh:mm:ss"}),
        "duration": workbook.add_format({"num_format": "[h]:mm:ss"}),
        "problem": workbook.add_format({"num_format": "@", "font_color": "#B00020", "text_wrap": True}),
    }
    sheet.set_column(0, max(width - 1, 0), 16)
    sheet.set_column(width, width, 60)
    out = 0
    for out, values in enumerate(head):
        _write_row(sheet, out, values, formats, formats["head"])
    if head:
        sheet.write_string(out, width, problem_header, formats["head"])
        out += 1
    for values, problem in rows:
        _write_row(sheet, out, values, formats, formats["text"])
        if problem:
            sheet.write_string(out, width, problem[:EXCEL_MAX_STRING], formats["problem"])
        out += 1
    workbook.close()


def _write_row(sheet: Any, row: int, values: list[Value], formats: dict[str, Any], text: Any) -> None:
    for column, value in enumerate(values):
        kind = value.__class__
        if kind is str:
            if value:
                sheet.write_string(row, column, value[:EXCEL_MAX_STRING], text)  # type: ignore[index]
        elif kind is bool:
            sheet.write_boolean(row, column, value)
        elif kind is int or kind is float:
            sheet.write_number(row, column, value)
        elif kind in _DATE_FORMATS:
            if sheet.write_datetime(row, column, value, formats[_DATE_FORMATS[kind]]) < 0:
                sheet.write_string(row, column, str(value), text)  # before 1900: Excel has no such date
        elif value not in ("", None):
            sheet.write_string(row, column, str(value)[:EXCEL_MAX_STRING], text)


_DATE_FORMATS: dict[type, str] = {
    datetime.datetime: "datetime",
    datetime.date: "date",
    datetime.time: "time",
    datetime.timedelta: "duration",
}
