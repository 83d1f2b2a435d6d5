"""Importing the enterprises a district must cover (lists from the tax office, social insurance or the
market regulator): read the sheet (core/sheets.py), parse and check each row, and — when committing — write
chunks through do_import_enterprise_rows. The dry run writes the same problem report with a 问题 column.

Idempotent by USCC: a row whose enterprise exists updates it (name, address, counts …) and, when the
employee count changed, adds to the history of counts; a row that changes nothing is counted unchanged.
"""

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.core.errors import DomainError, InvalidInput
from gonghui.core.phones import normalise_phone
from gonghui.core.sheets import SheetLimits, Value, open_sheet, write_problem_report
from gonghui.core.text import TextKind, clean_text
from gonghui.enterprises.models import Industry, UnitType
from gonghui.enterprises.validators import validate_uscc
from gonghui.establishment.models import EnterpriseImport
from gonghui.orgs.models import Region

LIMITS = SheetLimits(max_bytes=100 << 20, max_rows=300_001, max_columns=60)
CHUNK_ROWS = 5000

# Header texts (as the lists write them) -> field. Matched after removing spaces and brackets' content.
HEADERS: dict[str, str] = {}
for names, key in [
    (("统一社会信用代码", "社会信用代码", "信用代码", "uscc"), "uscc"),
    (("企业名称", "单位名称", "名称", "name"), "name"),
    (("地址", "注册地址", "经营地址", "住所", "address"), "address"),
    (("区", "所属区", "区县", "district"), "district"),
    (("街道", "街道乡镇", "乡镇", "所属街道", "街乡", "street"), "street"),
    (("行业", "所属行业", "行业门类", "国民经济行业", "industry"), "industry"),
    (("单位类型", "企业类型", "登记注册类型", "经济类型", "unittype"), "unit_type"),
    (("职工人数", "从业人数", "参保人数", "员工人数", "employees"), "employees"),
    (("女职工人数", "女职工", "女性职工人数", "womenemployees"), "women"),
    (("联系人", "contact"), "contact_name"),
    (("联系电话", "电话", "phone"), "contact_phone"),
]:
    for name in names:
        HEADERS[name.lower()] = key
REQUIRED = ("uscc", "name", "employees")

UNIT_TYPE_WORDS = [
    ("国有", UnitType.STATE_OWNED),
    ("集体", UnitType.COLLECTIVE),
    ("港", UnitType.HK_MACAO_TAIWAN),
    ("台", UnitType.HK_MACAO_TAIWAN),
    ("外", UnitType.FOREIGN),
    ("个体", UnitType.INDIVIDUAL),
    ("社会组织", UnitType.SOCIAL_ORG),
    ("社会团体", UnitType.SOCIAL_ORG),
    ("民办非企业", UnitType.SOCIAL_ORG),
    ("事业", UnitType.PUBLIC_INSTITUTION),
    ("私营", UnitType.PRIVATE),
    ("民营", UnitType.PRIVATE),
    ("有限", UnitType.PRIVATE),
    ("股份", UnitType.PRIVATE),
]
# GB/T 4754 sections by their Chinese names' first words.
INDUSTRY_WORDS = [
    ("农", "A"),
    ("采矿", "B"),
    ("制造", "C"),
    ("电力", "D"),
    ("建筑", "E"),
    ("批发", "F"),
    ("零售", "F"),
    ("交通", "G"),
    ("运输", "G"),
    ("物流", "G"),
    ("住宿", "H"),
    ("餐饮", "H"),
    ("信息", "I"),
    ("软件", "I"),
    ("金融", "J"),
    ("房地产", "K"),
    ("物业", "K"),
    ("租赁", "L"),
    ("商务服务", "L"),
    ("广告", "L"),
    ("科学研究", "M"),
    ("技术服务", "M"),
    ("水利", "N"),
    ("环境", "N"),
    ("居民服务", "O"),
    ("修理", "O"),
    ("教育", "P"),
    ("卫生", "Q"),
    ("社会工作", "Q"),
    ("文化", "R"),
    ("体育", "R"),
    ("娱乐", "R"),
    ("公共管理", "S"),
    ("社会保障", "S"),
    ("国际组织", "T"),
]
_BRACKETS = re.compile(r"[（(][^）)]*[）)]|\s")


class ImportHeaderMissing(InvalidInput):
    code = "enterprise_import_header"
    default_message = gettext_lazy(
        "The sheet has no header row naming at least the credit code, the name and the number of employees "
        "(统一社会信用代码, 企业名称, 职工人数)."
    )


@dataclass
class Header:
    row: int  # 1-based row number of the header
    columns: dict[str, int]  # field -> column index
    width: int
    values: list[Value]


@dataclass
class ParsedRow:
    number: int
    values: list[Value]
    uscc: str = ""
    name: str = ""
    address: str = ""
    district: Region | None = None
    street: Region | None = None
    industry: str = ""
    unit_type: str = ""
    employees: int = 0
    women: int = 0
    contact_name: str = ""
    contact_phone: str = ""
    problem: str = ""


def find_header(rows: Iterator[tuple[int, list[Value]]]) -> Header:
    """The first of the top ten rows that names the required columns."""
    for _i, (number, values) in zip(range(10), rows, strict=False):
        columns: dict[str, int] = {}
        for index, value in enumerate(values):
            key = HEADERS.get(_BRACKETS.sub("", str(value)).lower())
            if key and key not in columns:
                columns[key] = index
        if all(k in columns for k in REQUIRED):
            return Header(number, columns, len(values), values)
    raise ImportHeaderMissing()


class RowParser:
    """Turns a sheet row into a ParsedRow, or one with `problem` set (in Chinese, saying what to fix)."""

    def __init__(self, header: Header, default_district: Region | None) -> None:
        self.header = header
        self.default_district = default_district
        self.districts = {r.name: r for r in Region.objects.filter(level=Region.Level.DISTRICT)}
        self.districts.update({r.code: r for r in self.districts.values()})
        self.streets: dict[tuple[int, str], Region] = {}
        self.streets_by_code: dict[str, Region] = {}
        for street in Region.objects.filter(level=Region.Level.STREET):
            self.streets[(street.parent_id or 0, street.name)] = street
            self.streets_by_code[street.code] = street
        self.seen: set[str] = set()

    def cell(self, values: list[Value], key: str) -> Value:
        index = self.header.columns.get(key)
        if index is None or index >= len(values):
            return ""
        return values[index]

    def text(self, values: list[Value], key: str, kind: TextKind, limit: int) -> str:
        value = self.cell(values, key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return clean_text(str(value), kind, field=key).strip()[:limit]

    def count(self, values: list[Value], key: str, label: str) -> int:
        value = self.cell(values, key)
        if value in ("", None):
            return 0
        if isinstance(value, bool):
            raise ValueError(label)
        if isinstance(value, int | float):
            if value < 0 or value != int(value) or value > 10_000_000:
                raise ValueError(label)
            return int(value)
        digits = str(value).strip().removesuffix("人").replace(",", "")
        if not digits.isascii() or not digits.isdigit() or len(digits) > 8:
            raise ValueError(label)
        return int(digits)

    def parse(self, number: int, values: list[Value]) -> ParsedRow:
        row = ParsedRow(number, values)
        try:
            self._parse(row)
        except ValueError as error:
            row.problem = _("%(column)s is not a number of people.") % {"column": str(error)}
        except DomainError as error:
            row.problem = error.message
        return row

    def _parse(self, row: ParsedRow) -> None:
        values = row.values
        raw_code = self.cell(values, "uscc")
        row.uscc = validate_uscc(str(raw_code))
        if row.uscc in self.seen:
            row.problem = _("This credit code appears earlier in the file; only the first row is used.")
            return
        self.seen.add(row.uscc)
        row.name = self.text(values, "name", TextKind.NAME, 200)
        if not row.name:
            row.problem = _("The enterprise name is missing.")
            return
        row.address = self.text(values, "address", TextKind.ADDRESS, 300)
        district_text = self.text(values, "district", TextKind.LABEL, 50)
        row.district = self.districts.get(district_text) or self.districts.get(district_text + "区")
        if row.district is None and district_text:
            row.problem = _("District “%(name)s” is not a Beijing district.") % {"name": district_text}
            return
        street_text = self.text(values, "street", TextKind.LABEL, 50)
        if street_text:
            street = self.streets_by_code.get(street_text)
            if street is None:
                districts = (
                    [row.district]
                    if row.district
                    else list({r.pk: r for r in self.districts.values()}.values())
                )
                for district in districts:
                    for name in (street_text, street_text + "街道", street_text + "镇", street_text + "乡"):
                        street = self.streets.get((district.pk, name))
                        if street:
                            break
                    if street:
                        break
            if street is None:
                row.problem = _("Street “%(name)s” is not known in this district.") % {"name": street_text}
                return
            row.street = street
            if row.district is None:
                row.district = Region.objects.get(pk=street.parent_id) if street.parent_id else None
        row.district = row.district or self.default_district
        if row.district is None:
            row.problem = _("The district is missing.")
            return
        row.industry = self._industry(self.text(values, "industry", TextKind.LABEL, 100))
        row.unit_type = self._unit_type(self.text(values, "unit_type", TextKind.LABEL, 100))
        row.employees = self.count(values, "employees", _("The number of employees"))
        row.women = self.count(values, "women", _("The number of women employees"))
        if row.women > row.employees:
            row.problem = _("Women employees cannot outnumber all employees.")
            return
        row.contact_name = self.text(values, "contact_name", TextKind.NAME, 50)
        phone = self.text(values, "contact_phone", TextKind.LABEL, 30)
        row.contact_phone = normalise_phone(phone, field="contact_phone") if phone else ""

    @staticmethod
    def _industry(text: str) -> str:
        if not text:
            return Industry.O
        letter = text[:1].upper()
        if letter in Industry.values and (len(text) == 1 or not text[1:2].isascii()):
            return letter
        for word, section in INDUSTRY_WORDS:
            if word in text:
                return section
        return Industry.O

    @staticmethod
    def _unit_type(text: str) -> str:
        if not text:
            return UnitType.OTHER
        if text.upper() in UnitType.values:
            return text.upper()
        for word, unit_type in UNIT_TYPE_WORDS:
            if word in text:
                return unit_type
        return UnitType.OTHER


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    report_rows: list[tuple[list[Value], str]] = field(default_factory=list)


def run_enterprise_import(job: EnterpriseImport, *, commit: bool) -> EnterpriseImport:
    """The dry run (commit=False) or the import of a stored list. A file-level refusal ends the job as
    REFUSED with nothing written; row problems go to the report."""
    from gonghui.establishment.actions import do_import_enterprise_rows, plan_enterprise_rows

    now = timezone.now()
    EnterpriseImport.objects.filter(pk=job.pk).update(
        status=EnterpriseImport.Status.IMPORTING if commit else EnterpriseImport.Status.CHECKING,
        started_at=now,
        rows_done=0,
    )
    try:
        sheet = open_sheet(Path(job.file.path), job.original_name, limits=LIMITS)
        rows = sheet.rows()
        header = find_header(rows)
    except DomainError as error:
        EnterpriseImport.objects.filter(pk=job.pk).update(
            status=EnterpriseImport.Status.REFUSED,
            error_code=error.code,
            error_message=error.message[:300],
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    EnterpriseImport.objects.filter(pk=job.pk).update(
        file_kind=sheet.kind, rows_total=max(sheet.rows_estimate - header.row, 0)
    )
    managing = job.managing_unit
    default_district = (
        managing.region
        if managing.region and managing.region.level == Region.Level.DISTRICT
        else (
            managing.region.parent
            if managing.region and managing.region.level == Region.Level.STREET
            else None
        )
    )
    parser = RowParser(header, default_district)
    tally = Tally()
    chunk: list[ParsedRow] = []
    done = 0

    def flush() -> None:
        nonlocal done
        good = [r for r in chunk if not r.problem]
        if commit:
            outcome = do_import_enterprise_rows(acting_user=job.owner, job=job, rows=good)
        else:
            outcome = plan_enterprise_rows(acting_user=job.owner, job=job, rows=good)
        tally.created += outcome.created
        tally.updated += outcome.updated
        tally.unchanged += outcome.unchanged
        for row in chunk:
            problem = row.problem or outcome.problems.get(row.number, "")
            tally.rejected += bool(problem)
            tally.report_rows.append((row.values, problem))
        done += len(chunk)
        EnterpriseImport.objects.filter(pk=job.pk).update(rows_done=done)
        chunk.clear()

    for number, values in rows:
        chunk.append(parser.parse(number, values))
        if len(chunk) >= CHUNK_ROWS:
            flush()
    if chunk:
        flush()
    status = EnterpriseImport.Status.DONE if commit else EnterpriseImport.Status.CHECKED
    EnterpriseImport.objects.filter(pk=job.pk).update(
        status=status,
        committed=commit,
        rows_total=done,
        created_count=tally.created,
        updated_count=tally.updated,
        unchanged_count=tally.unchanged,
        rejected_count=tally.rejected,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    _write_report(job, header, tally)
    return job


def _write_report(job: EnterpriseImport, header: Header, tally: Tally) -> None:
    """The list as uploaded, with a 问题 column: only the rows with a problem, ready to fix and upload again."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "report.xlsx"
        write_problem_report(
            target,
            head=[list(header.values)],
            rows=[(values, problem) for values, problem in tally.report_rows if problem],
            width=header.width,
        )
        with open(target, "rb") as handle:
            job.report_file.save(
                f"{job.pk}-{'import' if job.committed else 'check'}.xlsx", File(handle), save=False
            )
    EnterpriseImport.objects.filter(pk=job.pk).update(report_file=job.report_file.name)
