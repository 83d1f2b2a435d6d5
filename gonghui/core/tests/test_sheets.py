"""core.sheets: every producer's file reads with the values its standard reader gives; hostile files are
refused with a code; the problem report writes values back as the types they were read as."""

import codecs
import csv
import datetime
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from gonghui.core import sheets
from gonghui.core.sheets import SheetLimits, column_index, column_letters, open_sheet, write_problem_report

FIXTURES = Path(__file__).parent / "fixtures" / "sheets"
WORKBOOKS = [
    "openpyxl.xlsx",
    "xlsxwriter.xlsx",
    "libreoffice.xlsx",
    "libreoffice.ods",
    "libreoffice.xls",
    "no_references.xlsx",
    "prefixed.xlsx",
    "date1904.xlsx",
]
TEXTS = {"gb18030.csv": "gb18030", "utf8_bom.csv": "utf-8-sig", "unicode_text.txt": "utf-16"}
LIMITS = SheetLimits(max_bytes=10 << 20, max_rows=1000, max_columns=100)
JOINED = [datetime.date(2024, 5, 29), datetime.date(2023, 1, 15), datetime.date(2019, 12, 31)]


def read(path: Path, limits: SheetLimits = LIMITS) -> list[tuple[int, list[Any]]]:
    return list(open_sheet(path, path.name, limits=limits).rows())


def calamine_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """The file as python-calamine reads it on its own: every row from A1, empty ones dropped."""
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    found = []
    for number, values in enumerate(sheet.to_python(skip_empty_area=False), 1):
        while values and values[-1] == "":
            values.pop()
        if values:
            found.append((number, values))
    return found


def openpyxl_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """The file as openpyxl reads it: None for empty, a datetime at midnight for a date."""
    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True).worksheets[0]
    found = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
        values = [
            ""
            if v is None
            else v.date()
            if isinstance(v, datetime.datetime) and v.time() == datetime.time(0)
            else v
            for v in row
        ]
        while values and values[-1] == "":
            values.pop()
        if values:
            found.append((number, values))
    return found


@pytest.mark.parametrize("name", WORKBOOKS)
def test_it_reads_every_producer_s_workbook_as_calamine_reads_it(name):
    path = FIXTURES / name
    rows = read(path)
    assert rows == calamine_rows(path)
    # And the roster is there: header, three people, their join dates as dates (1904 ones not shifted).
    assert rows[0][1][:3] == ["序号", "姓名", "公民身份号码"]
    assert [values[1] for _n, values in rows[1:]] == ["李春贵", "王小二", "赵四"]
    assert [values[4] for _n, values in rows[1:]] == JOINED
    assert rows[2][1][3] == "+86 138 1234 0002"


@pytest.mark.parametrize("name", [n for n in WORKBOOKS if n.endswith(".xlsx")])
def test_it_reads_every_xlsx_as_openpyxl_reads_it(name):
    path = FIXTURES / name
    assert read(path) == openpyxl_rows(path)


@pytest.mark.parametrize("name", [n for n in WORKBOOKS if n.endswith(".xlsx")])
def test_it_reads_a_sheet_in_windows_exactly_as_whole(name, monkeypatch):
    path = FIXTURES / name
    whole = read(path)
    # Every row its own window: each is a workbook of its own for calamine, rows numbered as in the file.
    monkeypatch.setattr(sheets, "WINDOW_BYTES", 1)
    monkeypatch.setattr(sheets, "WINDOW_ROWS", 1)
    sheet = open_sheet(path, name, limits=LIMITS)
    assert sheet._reader.windowed  # type: ignore[attr-defined]
    assert list(sheet.rows()) == whole


def test_it_knows_a_1904_workbook_and_calamine_applies_it():
    assert open_sheet(FIXTURES / "date1904.xlsx", "x.xlsx", limits=LIMITS).date1904
    assert not open_sheet(FIXTURES / "openpyxl.xlsx", "x.xlsx", limits=LIMITS).date1904
    with zipfile.ZipFile(FIXTURES / "date1904.xlsx") as archive:
        assert b'date1904="1"' in archive.read("xl/workbook.xml")


@pytest.mark.parametrize(("name", "encoding"), TEXTS.items())
def test_it_reads_text_files_as_the_csv_module_does(name, encoding):
    path = FIXTURES / name
    with open(path, encoding=encoding, newline="") as handle:
        expected = list(csv.reader(handle, "excel-tab" if name.endswith(".txt") else "excel"))
    sheet = open_sheet(path, name, limits=LIMITS)
    assert sheet.kind == ("text" if name.endswith(".txt") else "csv")
    # Trailing empty cells are dropped, as for workbooks.
    assert [values for _n, values in sheet.rows()] == [
        row[: max(i + 1 for i, c in enumerate(row) if c)] for row in expected
    ]
    assert [values[4] for _n, values in read(path)[1:]] == [d.isoformat() for d in JOINED]


def test_it_reads_the_first_visible_sheet(tmp_path):
    path = tmp_path / "hidden.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    lists = workbook.add_worksheet("选项")
    lists.write_row(0, 0, ["男", "女"])
    roster = workbook.add_worksheet("花名册")
    roster.write_row(0, 0, ["姓名", "公民身份号码"])
    roster.activate()
    lists.hide()
    workbook.close()
    sheet = open_sheet(path, "hidden.xlsx", limits=LIMITS)
    assert sheet.name == "花名册" and list(sheet.rows()) == [(1, ["姓名", "公民身份号码"])]


def test_it_reads_a_value_far_down_the_sheet_in_windows_at_its_row(tmp_path):
    # Calamine would allocate every cell between row 1 and row 900,000: a window never spans that gap.
    path = tmp_path / "far.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_string(0, 0, "姓名")
    sheet.write_string(899_999, 0, "李春贵")
    workbook.close()
    opened = open_sheet(path, "far.xlsx", limits=SheetLimits(max_bytes=1 << 20, max_rows=10))
    assert opened._reader.windowed  # type: ignore[attr-defined]
    assert list(opened.rows()) == [(1, ["姓名"]), (900_000, ["李春贵"])]


def _zip(path: Path, parts: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _with_sheet(path: Path, replace: tuple[bytes, bytes]) -> Path:
    """no_references.xlsx with its sheet XML edited."""
    with zipfile.ZipFile(FIXTURES / "no_references.xlsx") as source:
        parts: dict[str, bytes | str] = {n: source.read(n) for n in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert isinstance(sheet, bytes) and replace[0] in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(*replace)
    return _zip(path, parts)


def _wide_workbook(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet().write_string(0, 16000, "x")
    workbook.close()
    return path


def _raw(content: bytes):  # type: ignore[no-untyped-def]
    return lambda path: (path.write_bytes(content), path)[1]


def _ods_with(path: Path, replace: tuple[bytes, bytes]) -> Path:
    """libreoffice.ods with its content.xml edited."""
    with zipfile.ZipFile(FIXTURES / "libreoffice.ods") as source:
        parts: dict[str, bytes | str] = {n: source.read(n) for n in source.namelist()}
    content = parts["content.xml"]
    assert isinstance(content, bytes) and replace[0] in content
    parts["content.xml"] = content.replace(replace[0], replace[1], 1)
    return _zip(path, parts)


HOSTILE = [
    ("empty.xlsx", _raw(b""), "sheet_empty"),
    ("virus.xlsx", _raw(b"MZ\x90\x00not a sheet"), "sheet_not_spreadsheet"),
    ("broken.xlsx", _raw(b"PK\x03\x04broken zip"), "sheet_damaged"),
    (
        "locked.xlsx",
        _raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600 + "EncryptedPackage".encode("utf-16-le")),
        "sheet_encrypted",
    ),
    (
        "letter.docx",
        lambda p: _zip(
            p,
            {
                "[Content_Types].xml": "<Types/>",
                "_rels/.rels": '<Relationships xmlns="x"><Relationship Id="r" Type="a/officeDocument" '
                'Target="word/document.xml"/></Relationships>',
                "word/document.xml": "<document/>",
            },
        ),
        "sheet_not_spreadsheet",
    ),
    (
        "bomb.xlsx",
        lambda p: _zip(p, {"[Content_Types].xml": "<Types/>", "xl/worksheets/sheet1.xml": b" " * (80 << 20)}),
        "sheet_zip_bomb",
    ),
    ("wide.xlsx", _wide_workbook, "sheet_too_many_columns"),
    (
        "wide_without_references.xlsx",
        lambda p: _with_sheet(p, (b"<row>", b"<row>" + b"<c><v>1</v></c>" * 150)),
        "sheet_too_many_columns",
    ),
    ("nul_reference.xlsx", lambda p: _with_sheet(p, (b"<v>1</v>", b"<v>&#0;</v>")), "sheet_nul_character"),
    (
        "repeated_cell.ods",
        lambda p: _ods_with(
            p, (b"<table:table-cell ", b'<table:table-cell table:number-columns-repeated="16000" ')
        ),
        "sheet_too_many_columns",
    ),
    (
        "repeated_row.ods",
        lambda p: _ods_with(
            p, (b"<table:table-row ", b'<table:table-row table:number-rows-repeated="1000000" ')
        ),
        "sheet_too_many_rows",
    ),
    ("nul.csv", _raw("姓名,公民身份号码\n李\x00,1\n".encode()), "sheet_nul_character"),
    ("nul16.txt", _raw(codecs.BOM_UTF16_LE + b"\x00\x00"), "sheet_nul_character"),
    ("latin1.csv", _raw(b"\xff\xfe\xfdname,id\n"[2:] + b"\x80\xff\n"), "sheet_encoding"),
    ("blank.csv", _raw(b"\r\n ,\r\n"), "sheet_empty"),
    ("notes.docx", _raw(b"just some text"), "sheet_not_spreadsheet"),
]


@pytest.mark.parametrize(("name", "writer", "code"), HOSTILE)
def test_it_refuses_a_hostile_or_broken_file_with_a_code(tmp_path, name, writer, code):
    path = writer(tmp_path / name)
    with pytest.raises(sheets.SheetError) as refused:
        read(path)
    assert refused.value.code == code and refused.value.message


def test_it_refuses_too_many_rows_and_too_large_files(tmp_path):
    path = FIXTURES / "openpyxl.xlsx"
    with pytest.raises(sheets.SheetTooManyRows):
        read(path, SheetLimits(max_bytes=1 << 20, max_rows=3))
    with pytest.raises(sheets.SheetTooLarge) as refused:
        read(path, SheetLimits(max_bytes=100, max_rows=10))
    assert refused.value.status == 413


def test_it_names_columns_as_a_spreadsheet_does():
    assert [column_letters(i) for i in (0, 25, 26, 99, 702)] == ["A", "Z", "AA", "CV", "AAA"]
    assert all(column_index(column_letters(i)) == i for i in range(1000))


def test_the_problem_report_writes_values_back_as_they_were_read(tmp_path):
    source = read(FIXTURES / "openpyxl.xlsx")
    target = tmp_path / "report.xlsx"
    formula_like: list[Any] = ["4", '=HYPERLINK("http://evil.example","x")', "-1", "@SUM(A1)"]
    write_problem_report(
        target,
        head=[source[0][1]],
        rows=[(values, "手机号码：格式不对" if n == 3 else "") for n, values in source[1:]]
        + [(formula_like, "")],
        width=6,
        sheet_name="花名册",
    )
    rows = calamine_rows(target)
    assert rows[0][1] == [*source[0][1], "问题"]
    # The same values, types included: +86 as typed (no leading '), dates as dates, numbers as numbers.
    assert [values[:6] for _n, values in rows[1:4]] == [(values + [""] * 6)[:6] for _n, values in source[1:]]
    assert rows[2][1][3] == "+86 138 1234 0002" and rows[2][1][6] == "手机号码：格式不对"
    assert rows[4][1] == formula_like
    sheet = openpyxl.load_workbook(target).worksheets[0]
    assert sheet["D3"].number_format == "@" and sheet["E2"].is_date
    # Text that looks like a formula is a text cell, never a formula.
    assert sheet["B5"].data_type == "s" and sheet["A2"].data_type == "n"
