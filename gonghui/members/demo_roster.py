"""The demo story's sample roster: migrant workers of the 城市副中心周转房项目三标段 joint union, as a
site office would keep them in Excel — with the usual slips, so the dry run has something to say."""

from typing import Any

import xlsxwriter
from stdnum.cn import ric

WORKERS = [
    # name, birth (YYYYMMDD), area, sequence, phone, education, hukou, joined
    ("李春贵", "19990520", "412721", "241", "13812345678", "初中", "农业户口", "2024-05-29"),
    ("王建国", "20010304", "130682", "153", "13912340001", "高中", "农业户口", "2024/6/3"),
    ("张小红", "20020811", "510107", "262", "13712340002", "大专", "非农业户口", "2024年6月3日"),
    ("刘大海", "19990101", "110112", "135", "13612340003", "初中", "农业户口", "20240610"),
    ("陈志强", "20000707", "130682", "377", "13512340004", "小学", "农业户口", ""),
    ("赵 磊", "20030915", "110108", "199", "１３４１２３４０００５", "高中", "农业", "2024-07-01"),
]


def _rid(birth: str, area: str, seq: str) -> str:
    body = f"{area}{birth}{seq}"
    return body + ric.calc_check_digit(body + "0")


def write_demo_roster(target: Any) -> None:
    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    sheet = workbook.add_worksheet("花名册")
    sheet.merge_range(0, 0, 0, 9, "城市副中心周转房项目三标段联合工会 农民工会员花名册")
    headers = [
        "序号",
        "姓名",
        "身份证号码",
        "性别",
        "手机号",
        "文化程度",
        "户口性质",
        "是否农民工",
        "单位名称",
        "入会时间",
    ]
    sheet.write_row(1, 0, headers)
    for number, (name, birth, area, seq, phone, education, hukou, joined) in enumerate(WORKERS, 1):
        rid = _rid(birth, area, seq)
        sheet.write_row(
            1 + number,
            0,
            [
                number,
                name,
                rid,
                "男" if int(rid[16]) % 2 else "女",
                phone,
                education,
                hukou,
                "是",
                "三标段项目部",
                joined,
            ],
        )
    # The slips a real sheet has: an ID Excel stored as a number, and a typo in a check digit.
    row = 2 + len(WORKERS)
    sheet.write_row(
        row, 0, [row - 1, "孙浩然", None, "男", "13312340006", "初中", "农业户口", "是", "三标段项目部", ""]
    )
    sheet.write_number(row, 2, float(_rid("19980202", "130682", "011")[:15] + "000"))
    bad = _rid("20000303", "510107", "155")
    sheet.write_row(
        row + 1,
        0,
        [
            row,
            "周七",
            bad[:17] + ("0" if bad[17] != "0" else "1"),
            "男",
            "13212340007",
            "初中",
            "农业户口",
            "是",
            "三标段项目部",
            "",
        ],
    )
    workbook.close()
