"""Reading a settlement feed file (Excel or CSV, through core.sheets): the header by its column names, and
each row checked into a SettlementRow or row-level problems. Nothing here touches the database."""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.benefits.actions.feed import RowProblem, SettlementRow
from gonghui.benefits.actions.manual import MAX_AMOUNT_FEN
from gonghui.benefits.models import BenefitKind, HospitalLevel
from gonghui.core import sheets
from gonghui.core.errors import DomainError, InvalidInput
from gonghui.core.text import TextKind, clean_text, to_half_width
from gonghui.members.roster import cell_text, parse_date
from gonghui.members.validators import check_resident_id

HEADER_SCAN_ROWS = 10


class FeedNoHeader(InvalidInput):
    code = "feed_no_header"
    default_message = _(
        "No header row found in the first %(n)s rows: the feed needs at least the columns 公民身份号码, "
        "结算单号, 就诊日期, 就诊类别, 医院等级 and 范围内自付."
    )


class FeedEmpty(InvalidInput):
    code = "feed_empty"
    default_message = _("The file has a header but no settlement rows.")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    variants: tuple[str, ...] = ()
    required: bool = True


COLUMNS = (
    Column("resident_id", "公民身份号码", ("身份证号", "身份证号码", "证件号码", "公民身份证号码")),
    Column("name", "姓名", ("参保人姓名",), False),
    Column("settlement_id", "结算单号", ("结算编号", "结算流水号", "结算id", "结算号")),
    Column("service_date", "就诊日期", ("结算日期", "出院日期", "就医日期", "费用发生日期")),
    Column("kind", "就诊类别", ("就医类别", "医疗类别", "就诊类型")),
    Column("hospital", "医院名称", ("医疗机构", "定点医疗机构", "医院", "医疗机构名称"), False),
    Column("hospital_level", "医院等级", ("医疗机构等级", "医院级别")),
    Column("total_cost_fen", "医疗总费用", ("总费用", "费用总额")),
    Column("covered_fen", "统筹支付", ("基金支付", "医保支付", "统筹基金支付")),
    Column("self_paid_in_scope_fen", "范围内自付", ("政策范围内自付", "范围内个人自付", "政策内自付")),
)
_JUNK = re.compile(r"[\s*＊:：]|[（(](元|必填|选填)[)）]")


def clean_header(value: Any) -> str:
    return _JUNK.sub("", to_half_width(str(value or ""))).lower()


HEADER_LOOKUP = {clean_header(text): c.key for c in COLUMNS for text in (c.header, *c.variants)}
REQUIRED = {c.key for c in COLUMNS if c.required}
HEADER_NAMES = {c.key: c.header for c in COLUMNS}

KIND_WORDS = {
    "住院": BenefitKind.INPATIENT,
    "门诊": BenefitKind.OUTPATIENT,
    "急诊": BenefitKind.OUTPATIENT,
    "门急诊": BenefitKind.OUTPATIENT,
    "门诊急诊": BenefitKind.OUTPATIENT,
}
LEVEL_WORDS = {
    "一级": HospitalLevel.LEVEL_1,
    "二级": HospitalLevel.LEVEL_2,
    "三级": HospitalLevel.LEVEL_3,
    "社区": HospitalLevel.COMMUNITY,
    "社区卫生服务中心": HospitalLevel.COMMUNITY,
    "未定级": HospitalLevel.UNRATED,
    "无": HospitalLevel.UNRATED,
}
_LEVEL_GRADE = re.compile(r"^([一二三])级[甲乙丙]?等?$")


@dataclass
class FeedFile:
    kind: str
    columns: dict[int, str]  # column index -> key
    head: list[list[sheets.Value]]
    width: int
    rows_estimate: int
    _rows: Iterator[tuple[int, list[sheets.Value]]] = field(repr=False)

    def value_rows(self) -> Iterator[tuple[int, list[sheets.Value]]]:
        return self._rows


def limits() -> sheets.SheetLimits:
    return sheets.SheetLimits(
        max_bytes=int(settings.GONGHUI_ROSTER_MAX_UPLOAD_BYTES),
        max_rows=int(settings.GONGHUI_ROSTER_MAX_ROWS) + HEADER_SCAN_ROWS,
    )


def open_feed(path: Path, name: str) -> FeedFile:
    """Check the whole file (core.sheets refuses hostile ones) and find its header."""
    sheet = sheets.open_sheet(path, name, limits=limits())
    raw = sheet.rows()
    first: list[tuple[int, list[sheets.Value]]] = []
    for item in raw:
        first.append(item)
        if len(first) >= HEADER_SCAN_ROWS:
            break
    for position, (_number, values) in enumerate(first):
        found: dict[int, str] = {}
        for index, value in enumerate(values):
            key = HEADER_LOOKUP.get(clean_header(cell_text(value)))
            if key and key not in found.values():
                found[index] = key
        if set(found.values()) >= REQUIRED:
            head = [values for _n, values in first[: position + 1]]

            def data_rows(start: int = position + 1) -> Iterator[tuple[int, list[sheets.Value]]]:
                yield from first[start:]
                yield from raw

            width = max(len(v) for v in head)
            return FeedFile(
                sheet.kind, found, head, width, max(sheet.rows_estimate - position - 1, 0), data_rows()
            )
    raise FeedNoHeader(n=HEADER_SCAN_ROWS)


def parse_fen(text: str) -> int:
    """Yuan as written ("1,234.50", "１２３.５") to fen; ValueError for anything else or a third decimal."""
    cleaned = (
        to_half_width(text).replace(",", "").replace("，", "").replace("¥", "").replace("元", "").strip()
    )
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(text)
    return int(fen)


class RowReader:
    """Turns a data row into a SettlementRow, or the problems that keep it out."""

    def __init__(self, columns: dict[int, str], *, today: datetime.date):
        self.columns = columns
        self.today = today

    def parse(self, number: int, values: list[sheets.Value]) -> tuple[SettlementRow | None, list[RowProblem]]:
        cells: dict[str, str] = {}
        for index, key in self.columns.items():
            cells[key] = cell_text(values[index]).strip() if index < len(values) else ""
        problems: list[RowProblem] = []

        def problem(key: str, code: str, message: str) -> None:
            problems.append(RowProblem(number, HEADER_NAMES[key], code, message))

        for key in REQUIRED:
            if not cells.get(key):
                problem(key, "required", gettext("This column must be filled in."))
        resident_id = ""
        if cells.get("resident_id"):
            try:
                resident_id = check_resident_id(cells["resident_id"], today=self.today).number
            except DomainError as error:
                problem("resident_id", error.code, error.message)
        settlement_id = to_half_width(cells.get("settlement_id", "")).strip()
        if settlement_id and not re.fullmatch(r"[0-9A-Za-z_\-]{1,64}", settlement_id):
            problem(
                "settlement_id",
                "settlement_id_invalid",
                gettext("A settlement number is up to 64 letters, digits, - or _."),
            )
        service_date = None
        if cells.get("service_date"):
            try:
                service_date = parse_date(cells["service_date"])
            except ValueError:
                problem("service_date", "date_invalid", gettext("Not a date: write it as 2026-05-29."))
            if service_date is not None and service_date > self.today:
                problem("service_date", "date_in_future", gettext("The date of service is in the future."))
                service_date = None
        kind = KIND_WORDS.get(cells.get("kind", "").replace("类", ""))
        if cells.get("kind") and kind is None:
            problem("kind", "kind_unknown", gettext("Write 住院 or 门诊 (门急诊)."))
        level = self._level(cells.get("hospital_level", ""))
        if cells.get("hospital_level") and level is None:
            problem(
                "hospital_level",
                "level_unknown",
                gettext("Write 一级, 二级, 三级 (甲等 etc. allowed), 社区 or 未定级."),
            )
        amounts: dict[str, int] = {}
        for key in ("total_cost_fen", "covered_fen", "self_paid_in_scope_fen"):
            if not cells.get(key):
                continue
            try:
                amounts[key] = parse_fen(cells[key])
            except ValueError:
                problem(key, "amount_invalid", gettext("Not an amount in yuan with at most two decimals."))
                continue
            if amounts[key] < 0:
                problem(key, "amount_negative", gettext("An amount cannot be negative."))
            elif amounts[key] > MAX_AMOUNT_FEN:
                problem(key, "amount_too_large", gettext("The amount is implausibly large."))
        if (
            len(amounts) == 3
            and not problems
            and amounts["covered_fen"] + amounts["self_paid_in_scope_fen"] > amounts["total_cost_fen"]
        ):
            problem(
                "self_paid_in_scope_fen",
                "amounts_inconsistent",
                gettext("统筹支付 plus 范围内自付 is more than the total cost."),
            )
        try:
            hospital = clean_text(cells.get("hospital", ""), TextKind.NAME, field="hospital")[:200]
        except DomainError as error:
            problem("hospital", error.code, error.message)
            hospital = ""
        if problems:
            return None, problems
        assert service_date is not None and kind is not None and level is not None
        return (
            SettlementRow(
                row=number,
                resident_id=resident_id,
                settlement_id=settlement_id,
                kind=kind,
                service_date=service_date,
                hospital=hospital,
                hospital_level=level,
                total_cost_fen=amounts["total_cost_fen"],
                covered_fen=amounts["covered_fen"],
                self_paid_in_scope_fen=amounts["self_paid_in_scope_fen"],
            ),
            [],
        )

    @staticmethod
    def _level(text: str) -> str | None:
        text = to_half_width(text).strip().replace("医院", "")
        if text in LEVEL_WORDS:
            return LEVEL_WORDS[text]
        match = _LEVEL_GRADE.match(text)
        if match:
            return LEVEL_WORDS[match.group(1) + "级"]
        return None


def write_feed(target: Any, rows: list[list[Any]]) -> None:
    """A feed file in the template's columns (the demo, the tests and the bench write theirs with it)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        target, {"in_memory": True} if not isinstance(target, str | Path) else {"constant_memory": True}
    )
    sheet = workbook.add_worksheet("结算明细")
    text = workbook.add_format({"num_format": "@"})
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.header)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(r, c, value, text)
            elif isinstance(value, datetime.date):
                sheet.write_string(r, c, value.isoformat(), text)
            else:
                sheet.write(r, c, value)
    workbook.close()
