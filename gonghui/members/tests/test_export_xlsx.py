import zipfile

from python_calamine import CalamineWorkbook

from gonghui.members.exports import XlsxTextSheet
from gonghui.members.roster import open_roster

ROWS = [
    ["王 伟", " leading space", "11010819990101000X", "a&b<c>", "_x0041_ and \x01", "", "trailing "],
    ["李春贵", "女", "110112198001010012", "13812340001", "x", "y", "z"],
]
HEADERS = ["姓名", "性别", "公民身份号码", "其他", "转义", "空", "尾"]


def write(tmp_path):  # type: ignore[no-untyped-def]
    target = tmp_path / "members.xlsx"
    with XlsxTextSheet(target, "会员", HEADERS, widths={2: 22}) as sheet:
        sheet.write_rows(ROWS)
    return target


def test_it_reads_back_every_value_unchanged(tmp_path):  # type: ignore[no-untyped-def]
    target = write(tmp_path)
    sheet = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0)
    assert sheet.name == "会员"
    assert sheet.to_python() == [HEADERS, *ROWS]
    # The import's own reader takes an exported file back as it was written.
    roster = open_roster(target, "members.xlsx")
    assert [*roster.head, *(values for _number, values in roster.value_rows())] == [HEADERS, *ROWS]


def test_it_writes_data_cells_as_text_and_escapes_as_excel_does(tmp_path):  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(write(tmp_path)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    # Style 1 is the text format (@ is built-in number format 49): Excel keeps IDs and phones as typed.
    assert '<xf numFmtId="49"' in styles
    assert '<c r="C3" s="1" t="inlineStr"><is><t>110112198001010012</t></is></c>' in sheet
    assert '<c r="A1" s="2" t="inlineStr">' in sheet
    assert "a&amp;b&lt;c&gt;" in sheet
    assert "_x005F_x0041_ and _x0001_" in sheet
    assert '<t xml:space="preserve"> leading space</t>' in sheet
    assert 'r="F2"' not in sheet  # empty cells are not written
