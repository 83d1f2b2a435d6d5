"""Rosters from every producer import with the values their standard reader gives, and the problem
report comes back in clean: fixed in place and uploaded again, it is read as the officer typed it."""

import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from gonghui.members.models import Membership, Person
from gonghui.members.roster_import import run_roster_import
from gonghui.members.roster_report import build_report
from gonghui.members.tests.roster_fixtures import GOOD, write_messy_xlsx
from gonghui.members.tests.test_import_roster import check_and_commit, codes_by_row, upload

FIXTURES = Path(__file__).parents[2] / "core" / "tests" / "fixtures" / "sheets"
PRODUCERS = [
    "openpyxl.xlsx",
    "xlsxwriter.xlsx",
    "libreoffice.xlsx",
    "libreoffice.ods",
    "libreoffice.xls",
    "no_references.xlsx",
    "prefixed.xlsx",
    "date1904.xlsx",
    "gb18030.csv",
    "utf8_bom.csv",
    "unicode_text.txt",
]


def standard_read(path: Path) -> list[list[Any]]:
    """The data rows as the standard reader gives them: calamine for workbooks, the text for text files."""
    if path.suffix in (".csv", ".txt"):
        encoding = {"gb18030.csv": "gb18030", "utf8_bom.csv": "utf-8-sig"}.get(path.name, "utf-16")
        separator = "\t" if path.suffix == ".txt" else ","
        lines = path.read_bytes().decode(encoding).splitlines()
        return [line.split(separator) for line in lines[1:]]
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]


@pytest.mark.parametrize("name", PRODUCERS)
def test_it_imports_every_producer_s_roster_with_the_reader_s_values(personas, name):
    path = FIXTURES / name
    job = check_and_commit(personas, path)
    assert (job.status, job.accepted, job.rejected, job.warnings) == ("DONE", 3, 0, 0), codes_by_row(job)
    assert job.unknown_columns == []
    expected = standard_read(path)
    members = {
        m.person.name: m
        for m in Membership.objects.filter(union=personas.unit("BJ-TZ-LY-SB3")).select_related("person")
    }
    for row in expected:
        name_, resident_id, phone, joined, employer = row[1], row[2], row[3], row[4], row[5:6]
        member = members[str(name_)]
        assert member.person.resident_id == resident_id
        assert (member.person.phone or "") == str(phone).replace("+86", "").replace(" ", "")
        # Dates as the reader gives them: never a serial number, never shifted by 1904.
        joined_date = (
            joined if isinstance(joined, datetime.date) else datetime.date.fromisoformat(str(joined))
        )
        assert member.joined_date == joined_date
        assert member.employer_name == (str(employer[0]) if employer else "")
    assert sorted(str(m.joined_date) for m in members.values()) == [
        "2019-12-31",
        "2023-01-15",
        "2024-05-29",
    ]


def test_it_reads_a_1904_workbook_s_plain_numbers_in_date_columns_from_1904(personas, tmp_path):
    # A serial typed as a plain number into 入会日期 counts from the workbook's own epoch.
    source = openpyxl.load_workbook(FIXTURES / "date1904.xlsx")
    sheet = source.worksheets[0]
    sheet["E2"].value = (datetime.date(2024, 5, 29) - datetime.date(1904, 1, 1)).days
    sheet["E2"].number_format = "General"
    path = tmp_path / "plain1904.xlsx"
    source.save(path)
    check_and_commit(personas, path)
    assert Membership.objects.get(person__name="李春贵").joined_date == datetime.date(2024, 5, 29)


def _report_rows(job) -> list[list[Any]]:  # type: ignore[no-untyped-def]
    return CalamineWorkbook.from_path(job.report_file.path).get_sheet_by_index(0).to_python()


def test_a_corrected_report_imports_cleanly(personas, tmp_path):
    # An officer's roster: a real date, a +86 phone, and two rows with problems.
    source = openpyxl.load_workbook(FIXTURES / "openpyxl.xlsx")
    sheet = source.worksheets[0]
    sheet.append([4, "张三", GOOD[2][:17] + "0", "+86 139 1234 0004", datetime.date(2022, 3, 1), "项目部"])
    sheet.append([5, "吴九", GOOD[6], "1234", datetime.date(2022, 3, 2), ""])
    sheet["E5"].number_format = sheet["E6"].number_format = "yyyy-mm-dd"
    original = tmp_path / "roster.xlsx"
    source.save(original)
    job = run_roster_import(upload(personas, original), commit=False)
    assert codes_by_row(job) == {5: ["resident_id_checksum"], 6: ["phone_invalid"]}
    build_report(job)
    report = _report_rows(job)
    assert report[0][-1] == "问题"
    # Written back as typed: the phone without a leading ', the dates as dates.
    assert report[4][3] == "+86 139 1234 0004" and report[4][4] == datetime.date(2022, 3, 1)
    assert "公民身份号码" in str(report[4][6]) and report[1][6] == ""

    # Unchanged, the report reads as the original did: its 问题 column is not an unknown column.
    unchanged = tmp_path / "report.xlsx"
    unchanged.write_bytes(Path(job.report_file.path).read_bytes())
    again = run_roster_import(upload(personas, unchanged), commit=False)
    assert again.unknown_columns == [] and codes_by_row(again) == codes_by_row(job)

    # Fixed in place (as an officer would, in Excel) and uploaded again: clean, every row imported.
    fixed_book = openpyxl.load_workbook(unchanged)
    fixed_sheet = fixed_book.worksheets[0]
    fixed_sheet["C5"].value = GOOD[2]
    fixed_sheet["D6"].value = "13812340009"
    fixed = tmp_path / "fixed.xlsx"
    fixed_book.save(fixed)
    clean = check_and_commit(personas, fixed)
    assert (clean.accepted, clean.rejected, clean.warnings) == (5, 0, 0)
    assert not clean.problems.exists() and clean.unknown_columns == []
    zhang = Person.objects.get(name="张三")
    assert zhang.phone == "13912340004"
    assert zhang.memberships.get().joined_date == datetime.date(2022, 3, 1)


def test_the_messy_roster_s_report_round_trips_without_a_change(personas, tmp_path):
    job = run_roster_import(upload(personas, write_messy_xlsx(tmp_path / "messy.xlsx")), commit=False)
    build_report(job)
    report = tmp_path / "report.xlsx"
    report.write_bytes(Path(job.report_file.path).read_bytes())
    again = run_roster_import(upload(personas, report), commit=False)
    # The same rows with the same problems (the report drops the empty rows and keeps the title and
    # the two header lines, so the row numbers are the original's).
    assert codes_by_row(again) == codes_by_row(job)
    assert again.unknown_columns == ["籍贯"]
