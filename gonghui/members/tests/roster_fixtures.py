"""Roster files built in the tests (xlsxwriter for .xlsx), with every quirk real rosters have."""

import zipfile
from pathlib import Path

import xlsxwriter
from stdnum.cn import ric


def rid(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# Good IDs: 110112 (通州区) births from 1999 on are a known area.
# The 17th digit is odd for men: rows 4 and 6 are women (seq ends even), the others men.
GOOD = [
    rid(f"110112{1999 + i // 5 * 2}{i + 1:02d}{10 + i}{(200 if i in (3, 5) else 101) + 10 * i}")
    for i in range(9)
]
BAD_CHECKSUM = GOOD[0][:17] + ("0" if GOOD[0][17] != "0" else "1")
OLD_AREA = rid("11011219900101123")  # 通州 code before 1997: the area warning


def messy_rows() -> list[list[object]]:
    """Data rows under the messy header (columns: 序号, 姓名, 公民身份号码, 性别, 手机, 学历, 政治面貌, 户口性质,
    是否农民工, 工作单位, 入会时间, 籍贯). Expected per row in MESSY_EXPECTED."""
    return [
        # 1 plain good row, date as text 2018-05-29
        [
            1,
            "李春贵",
            GOOD[0],
            "男",
            "13812340001",
            "高中",
            "群众",
            "农业户口",
            "是",
            "三标段项目部",
            "2018-05-29",
            "河北",
        ],
        # 2 stray spaces and full-width digits in the ID, lower-case x handled, date 2018/5/29
        [
            2,
            " 王 小 二 ",
            full_width(GOOD[1]),
            "男",
            " 138 1234 0002 ",
            "初中",
            "团员",
            "农业",
            "是",
            "三标段",
            "2018/5/29",
            "",
        ],
        # 3 ID typed as a number by Excel: digits lost -> rejected resident_id_excel_number
        [3, "张三", float(GOOD[2][:15] + "000"), "男", "13812340003", "", "", "", "", "", "", ""],
        # 4 date as an Excel serial number (43249 = 2018-05-29) and as 2018年5月29日 in the next
        [4, "赵四", GOOD[3], "女", "13812340004", "大专", "中共党员", "非农业", "否", "项目部", 43249, ""],
        [5, "钱五", GOOD[4], "男", "13812340005", "本科", "群众", "", "", "", "2018年5月29日", ""],
        # 6 compact date 20180529
        [6, "孙六", GOOD[5], "女", "13812340006", "", "", "", "", "", "20180529", ""],
        # 7 checksum wrong -> rejected resident_id_checksum
        [7, "周七", BAD_CHECKSUM, "男", "13812340007", "", "", "", "", "", "", ""],
        # 8 same ID as row 1 -> duplicate in file
        [8, "李春贵", GOOD[0], "男", "13812340001", "", "", "", "", "", "", ""],
        # 9 bad phone -> rejected phone_invalid
        [9, "吴九", GOOD[6], "男", "1234", "", "", "", "", "", "", ""],
        # 10 unknown education option -> rejected choice_invalid
        [10, "郑十", GOOD[7], "男", "13812340010", "幼儿园", "", "", "", "", "", ""],
        # 11 name missing -> rejected name_required
        [11, "", GOOD[8], "男", "", "", "", "", "", "", "", ""],
        # 12 unknown area code (not confirmed) -> rejected resident_id_area_unknown
        [12, "陈十二", OLD_AREA, "男", "", "", "", "", "", "", "", ""],
        # 13 ID too short -> rejected resident_id_length
        [13, "冯十三", "11011219990101", "男", "", "", "", "", "", "", "", ""],
        # 14 gender differs from the ID -> accepted with warning gender_differs_from_id
        [14, "褚十四", GOOD[8], "女", "13812340014", "", "", "", "", "", "", ""],
    ]


# Sheet rows: title row 1, header rows 2-3, data from row 4 (data row n is sheet row n + 3).
MESSY_COUNTS = {"rows_read": 14, "accepted": 6, "updated": 0, "duplicates": 1, "rejected": 7, "warnings": 1}
MESSY_ROW_CODES = {
    6: ["resident_id_excel_number"],
    10: ["resident_id_checksum"],
    11: ["duplicate_in_file"],
    12: ["phone_invalid"],
    13: ["choice_invalid"],
    14: ["name_required"],
    15: ["resident_id_area_unknown"],
    16: ["resident_id_length"],
    17: ["gender_differs_from_id"],
}


def write_messy_xlsx(path: Path) -> Path:
    """Merged title over the header, a two-line header (身份信息 merged over 公民身份号码 | 性别, 姓名 merged
    down), header variants, an unknown column (籍贯), full-width and spaced values, empty trailing rows."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("花名册")
    sheet.merge_range(0, 0, 0, 11, "三标段联合工会会员花名册")
    sheet.write(1, 0, "序号")
    sheet.merge_range(1, 1, 2, 1, "姓 名")
    sheet.merge_range(1, 2, 1, 3, "身份信息")
    sheet.write(2, 2, "身份证号码")
    sheet.write(2, 3, "性别")
    for col, text in enumerate(
        ["手机", "文化程度", "政治面貌", "户口性质", "是否农民工", "单位名称", "入会时间", "籍贯"], 4
    ):
        sheet.write(1, col, text)
    for offset, row in enumerate(messy_rows()):
        for col, value in enumerate(row):
            if value == "":
                continue
            if (isinstance(value, float) and col == 2) or isinstance(value, int | float):
                sheet.write_number(3 + offset, col, value)
            else:
                sheet.write_string(3 + offset, col, str(value))
    # Empty, formatted trailing rows, as Excel leaves them.
    blank = workbook.add_format({"border": 1})
    for r in range(3 + len(messy_rows()), 3 + len(messy_rows()) + 5):
        sheet.write_blank(r, 1, None, blank)
    workbook.close()
    return path


def write_simple_xlsx(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, header or ["姓名", "公民身份号码", "手机号码"])
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, str(value))
    workbook.close()
    return path


def write_csv(path: Path, rows: list[list[str]], encoding: str, header: list[str] | None = None) -> Path:
    lines = [",".join(header or ["姓名", "公民身份号码", "手机号码"])] + [",".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_zip_bomb(path: Path) -> Path:
    """A valid-looking workbook whose sheet unpacks to hundreds of megabytes of nothing."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<sheetData>" + b" " * (300 << 20) + b"</sheetData>")
    return path


def write_formula_xlsx(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "公民身份号码"])
    sheet.write_row(1, 0, ["李春贵", GOOD[0]])
    # The value a spreadsheet program stored with the formula is what a reader gives (and what is imported).
    sheet.write_formula(2, 0, '=HYPERLINK("http://evil.example","王五")', None, "王五")
    sheet.write_string(2, 1, GOOD[1])
    workbook.close()
    return path


def write_wide_xlsx(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "公民身份号码"])
    sheet.write_row(1, 0, ["李春贵", GOOD[0]])
    sheet.write_string(1, 16000, "x")
    workbook.close()
    return path
