"""The union tree file: how a federation describes its unions once, to start (`manage.py bootstrap`).

A CSV file, UTF-8 (with or without BOM) or GB18030 (what Excel on a Chinese Windows saves), one union a
row, with this header (docs/operations.md, "The union tree file"):

    code,name,kind,parent_code,region_code

- code: unique, letters, digits, "-" and "_" (at most 32); the key other files and the API use;
- name: the union's name, one line (core/text.py NAME);
- kind: CITY, DISTRICT, STREET, GRASSROOTS or JOINT (or their Chinese labels: 市总工会, 区总工会,
  街道/乡镇总工会, 基层工会, 联合基层工会);
- parent_code: the code of the union above, in the file or already in the database; empty only for the
  one CITY row;
- region_code: optional GB/T 2260 district or street code (gonghui/orgs/data/beijing_regions.json).

Rows may come in any order. Every problem of the file is reported at once, with its line, and nothing is
written unless the whole file is right. A union whose code already exists is left as it is, so loading
the same file again changes nothing. gonghui/orgs/data/union_tree_template.csv is a ready file with
Beijing's federation, its 16 district federations and a federation for each street and town.
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from gonghui.core.errors import DomainError
from gonghui.core.text import TextKind, clean_text
from gonghui.orgs.models import OrgUnit

HEADER = ["code", "name", "kind", "parent_code", "region_code"]
CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
KIND_WORDS = {
    "市总工会": OrgUnit.Kind.CITY,
    "区总工会": OrgUnit.Kind.DISTRICT,
    "街道/乡镇总工会": OrgUnit.Kind.STREET,
    "街道总工会": OrgUnit.Kind.STREET,
    "乡镇总工会": OrgUnit.Kind.STREET,
    "基层工会": OrgUnit.Kind.GRASSROOTS,
    "联合基层工会": OrgUnit.Kind.JOINT,
}
MAX_ROWS = 100_000


@dataclass(frozen=True)
class TreeRow:
    line: int
    code: str
    name: str
    kind: str
    parent_code: str
    region_code: str


@dataclass(frozen=True)
class TreeFile:
    rows: list[TreeRow]
    # What is wrong with single rows; the loader adds what is wrong with the tree, and reports all.
    problems: list[str]


class TreeFileInvalid(DomainError):
    code = "tree_file_invalid"
    default_message = "The union tree file has problems; nothing was loaded."

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(self.default_message + "\n" + "\n".join(problems[:200]))


def decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TreeFileInvalid(["the file is neither UTF-8 nor GB18030 text: save it as CSV (UTF-8)"])


def read_tree_file(source: Path | bytes) -> TreeFile:
    """The rows of a tree file, each checked on its own (TreeFileInvalid only when the file as a whole
    cannot be read); do_load_org_tree checks how they fit the tree and reports every problem at once."""
    raw = source.read_bytes() if isinstance(source, Path) else source
    reader = csv.reader(io.StringIO(decode(raw), newline=""))
    problems: list[str] = []
    header = [cell.strip().lower() for cell in next(reader, [])]
    if header[: len(HEADER)] != HEADER:
        raise TreeFileInvalid([f"line 1: the header must be {','.join(HEADER)}"])
    rows: list[TreeRow] = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(f"line {line}: more than {MAX_ROWS} unions in one file")
            break
        cells = [*cells, "", "", "", "", ""][:5]
        code, name, kind, parent_code, region_code = (cell.strip() for cell in cells)
        kind = KIND_WORDS.get(kind, kind.upper())
        if not CODE.match(code):
            problems.append(f"line {line}: code {code!r} must be 1-32 letters, digits, '-' or '_'")
        try:
            name = clean_text(name, TextKind.NAME, field="name")
        except DomainError as error:
            problems.append(f"line {line}: name: {error.message}")
        if not name or len(name) > 200:
            problems.append(f"line {line}: the name is required (at most 200 characters)")
        if kind not in OrgUnit.Kind.values:
            problems.append(f"line {line}: kind {kind!r} is not one of {', '.join(OrgUnit.Kind.values)}")
        if parent_code and not CODE.match(parent_code):
            problems.append(f"line {line}: parent_code {parent_code!r} is not a code")
        rows.append(TreeRow(line, code.upper(), name, kind, parent_code.upper(), region_code))
    return TreeFile(rows=rows, problems=problems)


def beijing_template(regions: dict) -> str:  # type: ignore[type-arg]
    """The template file's text: Beijing's federation, a federation per district and per street or town
    (gonghui/orgs/data/beijing_regions.json), each with its region code. A federation adds its
    grassroots unions as further rows (kind GRASSROOTS, parent_code the street's code)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerow(["BJ", "北京市总工会", "CITY", "", regions["province"]["code"]])
    for district in regions["districts"]:
        writer.writerow(
            [f"BJ-{district['code']}", f"{district['name']}总工会", "DISTRICT", "BJ", district["code"]]
        )
    for street in regions["streets"]:
        writer.writerow(
            [
                f"BJ-{street['code']}",
                f"{street['name']}总工会",
                "STREET",
                f"BJ-{street['district']}",
                street["code"],
            ]
        )
    return out.getvalue()


TEMPLATE_FILE = Path(__file__).resolve().parent / "data" / "union_tree_template.csv"
