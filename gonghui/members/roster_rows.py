"""From a roster row (cells as text) to the enrolment form's data, with the same validators as
do_enrol_member, and from a chunk of such rows to a plan of what enrolment would do with each of them.

The plan is computed set-based (one lookup query per kind per chunk) and is the same for the dry run and
the commit; only the commit hands it to do_import_roster_rows, which writes it.
"""

import datetime
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from gonghui.core.db import look_up_by_index
from gonghui.core.errors import DomainError
from gonghui.core.pii import blind_index
from gonghui.core.text import to_half_width
from gonghui.members.actions.enrolment import (
    PERSON_FIELDS,
    RANK_ENROL,
    RANK_REVIEW,
    WARNING_PHONE_SHARED,
    EnrolmentData,
    _clean_form,
)
from gonghui.members.models import (
    Education,
    EmploymentStatus,
    HukouType,
    ImportProblem,
    Membership,
    Person,
    PoliticalStatus,
)
from gonghui.members.roster import COLUMN_BY_KEY, Header, parse_date
from gonghui.members.validators import WARNING_AREA_UNKNOWN, check_resident_id
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import rank_at

# Codes of row problems (beyond the validators' own codes, e.g. resident_id_checksum, phone_invalid).
NAME_REQUIRED = "name_required"
NAME_INVALID = "name_invalid"
RESIDENT_ID_REQUIRED = "resident_id_required"
CHOICE_INVALID = "choice_invalid"
DATE_INVALID = "date_invalid"
DUPLICATE_IN_FILE = "duplicate_in_file"
ALREADY_MEMBER = "already_member"
TRANSFER_PROPOSED = "transfer_proposed"
MERGED = "merged_into_application"
GENDER_MISMATCH = "gender_differs_from_id"
BIRTH_DATE_MISMATCH = "birth_date_differs_from_id"
PENDING_ELSEWHERE = "membership_pending_elsewhere"

_MAPS: dict[str, dict[str, str]] = {
    "gender": {"男": "M", "女": "F", "m": "M", "f": "F", "男性": "M", "女性": "F"},
    "education": {
        "小学及以下": Education.PRIMARY_OR_LESS,
        "小学": Education.PRIMARY_OR_LESS,
        "初中": Education.JUNIOR_HIGH,
        "高中": Education.SENIOR_HIGH,
        "中专": Education.SENIOR_HIGH,
        "技校": Education.SENIOR_HIGH,
        "职高": Education.SENIOR_HIGH,
        "高中/中专": Education.SENIOR_HIGH,
        "高中、中专、技校": Education.SENIOR_HIGH,
        "大专": Education.JUNIOR_COLLEGE,
        "专科": Education.JUNIOR_COLLEGE,
        "大学专科": Education.JUNIOR_COLLEGE,
        "本科": Education.BACHELOR,
        "大学本科": Education.BACHELOR,
        "大学": Education.BACHELOR,
        "研究生": Education.POSTGRADUATE,
        "硕士": Education.POSTGRADUATE,
        "博士": Education.POSTGRADUATE,
        "硕士研究生": Education.POSTGRADUATE,
        "博士研究生": Education.POSTGRADUATE,
    },
    "political_status": {
        "中共党员": PoliticalStatus.CPC_MEMBER,
        "党员": PoliticalStatus.CPC_MEMBER,
        "中共预备党员": PoliticalStatus.CPC_PROBATIONARY,
        "预备党员": PoliticalStatus.CPC_PROBATIONARY,
        "共青团员": PoliticalStatus.CYL_MEMBER,
        "团员": PoliticalStatus.CYL_MEMBER,
        "民主党派": PoliticalStatus.OTHER_PARTY,
        "群众": PoliticalStatus.MASSES,
    },
    "hukou_type": {
        "农业": HukouType.AGRICULTURAL,
        "农业户口": HukouType.AGRICULTURAL,
        "农村": HukouType.AGRICULTURAL,
        "非农业": HukouType.NON_AGRICULTURAL,
        "非农业户口": HukouType.NON_AGRICULTURAL,
        "城镇": HukouType.NON_AGRICULTURAL,
        "非农": HukouType.NON_AGRICULTURAL,
    },
    "employment_status": {
        "在职": EmploymentStatus.EMPLOYED,
        "在岗": EmploymentStatus.EMPLOYED,
        "临时工": EmploymentStatus.TEMPORARY,
        "灵活就业": EmploymentStatus.FLEXIBLE,
        "退休": EmploymentStatus.RETIRED,
        "未就业": EmploymentStatus.UNEMPLOYED,
        "无业": EmploymentStatus.UNEMPLOYED,
        "待业": EmploymentStatus.UNEMPLOYED,
    },
    "is_migrant_worker": {"是": "1", "否": "", "y": "1", "n": "", "yes": "1", "no": "", "1": "1", "0": ""},
}
for _choices in (Education, PoliticalStatus, HukouType, EmploymentStatus):
    for _value in _choices.values:
        _MAPS[
            {
                Education: "education",
                PoliticalStatus: "political_status",
                HukouType: "hukou_type",
                EmploymentStatus: "employment_status",
            }[_choices]
        ][_value.lower()] = _value
_SPACES = re.compile(r"\s+")
MEMO_SIZE = 10_000
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


@dataclass
class Problem:
    row: int
    column: str
    code: str
    message: str
    severity: str = ImportProblem.Severity.ERROR


@dataclass
class ParsedRow:
    row: int
    data: EnrolmentData
    number: str
    birth_date: datetime.date
    gender: str
    id_index: str
    phone_index: str | None
    joined_date: datetime.date | None
    warnings: list[str] = field(default_factory=list)


# What RowParser.parse gives for one row: (the row or None, its problems, its row number).
ParsedItem = tuple[ParsedRow | None, list[Problem], int]
# The EnrolmentData fields a roster row can fill (employer, worksite and meeting are never read from one).
_ROW_DATA_FIELDS = ("resident_id", *PERSON_FIELDS, "employer_name", "employment_status")


def pack_chunk(chunk: list[ParsedItem]) -> list[tuple[Any, ...]]:
    """A parsed chunk as plain tuples, for the pipe from the reading process (see core.forked): pickling
    the dataclasses would cost the writing process more than building them again."""
    packed: list[tuple[Any, ...]] = []
    for parsed, problems, number in chunk:
        flat_problems = [(p.row, p.column, p.code, p.message, str(p.severity)) for p in problems]
        if parsed is None:
            packed.append((number, flat_problems, None))
            continue
        data = parsed.data
        packed.append(
            (
                number,
                flat_problems,
                (
                    tuple(
                        str(getattr(data, name)) if name != "is_migrant_worker" else data.is_migrant_worker
                        for name in _ROW_DATA_FIELDS
                    ),
                    parsed.number,
                    parsed.birth_date.toordinal(),
                    parsed.gender,
                    parsed.id_index,
                    parsed.phone_index,
                    parsed.joined_date.toordinal() if parsed.joined_date else None,
                    parsed.warnings,
                ),
            )
        )
    return packed


def unpack_chunk(packed: list[tuple[Any, ...]]) -> list[ParsedItem]:
    from_ordinal = datetime.date.fromordinal
    chunk: list[ParsedItem] = []
    for number, flat_problems, flat in packed:
        problems = [Problem(*p) for p in flat_problems]
        if flat is None:
            chunk.append((None, problems, number))
            continue
        values, resident_id, birth, gender, id_index, phone_index, joined, warnings = flat
        parsed = ParsedRow(
            row=number,
            data=EnrolmentData(**dict(zip(_ROW_DATA_FIELDS, values, strict=True))),
            number=resident_id,
            birth_date=from_ordinal(birth),
            gender=gender,
            id_index=id_index,
            phone_index=phone_index,
            joined_date=from_ordinal(joined) if joined is not None else None,
            warnings=warnings,
        )
        chunk.append((parsed, problems, number))
    return chunk


class RowParser:
    """Turns cells into a ParsedRow or the row's problems, for one file's header."""

    def __init__(self, header: Header, *, confirm_area_warnings: bool, today: datetime.date):
        self.index = {key: i for i, key in header.columns.items()}
        self.confirm_area_warnings = confirm_area_warnings
        self.today = today
        # A roster repeats the same options, employers, ethnic groups and dates: each distinct cell is
        # normalised once per file. Bounded: a hostile file of distinct junk must not grow it.
        self.memo: dict[tuple[str, str], Any] = {}

    def _remember(self, kind: str, cell: str, work: Any) -> Any:
        memo = self.memo
        found = memo.get((kind, cell), memo)
        if found is memo:
            found = work(cell)
            if len(memo) < MEMO_SIZE:
                memo[(kind, cell)] = found
        return found

    def label(self, key: str) -> str:
        return COLUMN_BY_KEY[key].header

    def parse(self, number: int, cells: list[str]) -> tuple[ParsedRow | None, list[Problem]]:
        index, size = self.index, len(cells)
        raw = {key: (cells[i] if i < size else "") for key, i in index.items()}
        problems: list[Problem] = []

        def problem(key: str, code: str, message: str, severity: str = ImportProblem.Severity.ERROR) -> None:
            problems.append(Problem(number, self.label(key), code, message, severity))

        name = to_half_width(raw.get("name", ""))
        if not (name.isprintable() and " " not in name):  # else no space of any kind: nothing to strip
            name = _CJK_GAP.sub("", name.strip())
        rid = raw.get("resident_id", "")
        if not name:
            problem("name", NAME_REQUIRED, _("The name is missing."))
        if not rid.strip():
            problem("resident_id", RESIDENT_ID_REQUIRED, _("The resident ID number is missing."))
        if problems:
            return None, problems
        checked = None
        try:
            checked = check_resident_id(rid, today=self.today)
        except DomainError as error:
            problem("resident_id", error.code, error.message)
        values: dict[str, Any] = {"name": name, "resident_id": rid}
        for key in ("education", "political_status", "hukou_type", "employment_status", "is_migrant_worker"):
            cell = raw.get(key, "")
            if not cell:
                continue
            text, mapped = self._remember(key, cell, _CHOICE_READERS[key])
            if not text:
                continue
            if mapped is None:
                problem(
                    key,
                    CHOICE_INVALID,
                    _("“%(value)s” is not one of the template's options.") % {"value": text},
                )
            else:
                values[key] = bool(mapped) if key == "is_migrant_worker" else mapped
        for key in ("phone", "ethnicity", "employer_name"):
            cell = raw.get(key, "")
            if cell:
                if key != "phone":
                    text = self._remember(key, cell, _free_text)
                else:
                    text = cell if cell.isdigit() and cell.isascii() else _free_text(cell)
                if text:
                    values[key] = text
        data = EnrolmentData(**values)
        try:
            data = _clean_form(data)
        except DomainError as error:
            key = error.field if error.field in index else "name"
            code = error.code if error.code != "invalid_input" else f"{key}_invalid"
            problem(key, code, error.message)
        joined = None
        for key in ("joined_date", "birth_date"):
            text = raw.get(key, "")
            value = self._remember("date", text, _date_or_error) if text else None
            if value is ValueError:
                problem(
                    key,
                    DATE_INVALID,
                    _("“%(value)s” is not a date; write it as 2018-05-29.") % {"value": text},
                )
                continue
            if value is None:
                continue
            if key == "joined_date":
                if value > self.today or value.year < 1925:
                    problem(key, DATE_INVALID, _("The date %(value)s is not possible.") % {"value": value})
                joined = value
            elif checked is not None and value != checked.birth_date:
                problem(
                    key,
                    BIRTH_DATE_MISMATCH,
                    _("The birth date differs from the one in the resident ID number; the ID's is used."),
                    ImportProblem.Severity.WARNING,
                )
        if checked is None or any(p.severity == ImportProblem.Severity.ERROR for p in problems):
            return None, problems
        warnings = list(checked.warnings)
        if WARNING_AREA_UNKNOWN in warnings:
            if not self.confirm_area_warnings:
                problem(
                    "resident_id",
                    WARNING_AREA_UNKNOWN,
                    _(
                        "The first six digits are not a known area code for the birth year. Check the card; "
                        "if it is right, import again with “accept unknown area codes”."
                    ),
                )
                return None, problems
            problem(
                "resident_id",
                WARNING_AREA_UNKNOWN,
                _("Unknown area code accepted; a reviewer will see it."),
                ImportProblem.Severity.WARNING,
            )
        gender = _MAPS["gender"].get(to_half_width(raw.get("gender", "")).strip().lower())
        if gender and gender != checked.gender:
            problem(
                "gender",
                GENDER_MISMATCH,
                _("The gender differs from the one in the resident ID number; the ID's is used."),
                ImportProblem.Severity.WARNING,
            )
        return (
            ParsedRow(
                row=number,
                data=data,
                number=checked.number,
                birth_date=checked.birth_date,
                gender=checked.gender,
                id_index=blind_index(checked.number, purpose="resident_id"),
                phone_index=blind_index(data.phone, purpose="phone") if data.phone else None,
                joined_date=joined,
                warnings=warnings,
            ),
            problems,
        )


def _choice_reader(key: str) -> Any:
    """(the cell as compared, the template option it names: a value, "" if blank, None if unknown)."""
    options = _MAPS[key]

    def read(cell: str) -> tuple[str, str | None]:
        text = _SPACES.sub("", to_half_width(cell)).lower()
        return text, options.get(text) if text else ""

    return read


_CHOICE_READERS = {key: _choice_reader(key) for key in _MAPS}


def _free_text(cell: str) -> str:
    return _SPACES.sub(" ", to_half_width(cell).strip())


def _date_or_error(text: str) -> datetime.date | type[ValueError] | None:
    try:
        return parse_date(text)
    except ValueError:
        return ValueError


# --- the plan for a chunk --------------------------------------------------------------------------


@dataclass
class PersonUpdate:
    pk: int
    values: dict[str, Any]


@dataclass
class ChunkPlan:
    """What enrolling each row would do; written as is by do_import_roster_rows."""

    new_people: list[ParsedRow] = field(default_factory=list)
    # rows whose person exists: (row, person pk, membership status to create, from-membership pk or None)
    new_memberships: list[tuple[ParsedRow, int, str, int | None]] = field(default_factory=list)
    new_status: str = Membership.Status.PENDING
    person_updates: list[PersonUpdate] = field(default_factory=list)
    merges: list[tuple[ParsedRow, int, list[str]]] = field(default_factory=list)  # membership pk, warnings
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    accepted: int = 0
    updated: int = 0
    duplicates: int = 0
    transfers: int = 0
    rejected: int = 0
    warned_rows: set[int] = field(default_factory=set)
    seen_keys: list[int] = field(default_factory=list)  # what this chunk added to the file's `seen`
    first_row: int = 0
    last_row: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "accepted": self.accepted,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "transfers": self.transfers,
            "rejected": self.rejected,
            "warnings": len(self.warned_rows),
        }


_PERSON_COMPARE = [name for name in PERSON_FIELDS if name != "phone"]


def _among(model: Any, field_name: str, values: Collection[Any]) -> Q:
    """field IN values. On PostgreSQL as `= ANY(string_to_array(one text parameter, ','))`: Django writes a
    2,000-key IN list as 2,000 placeholders, and an array parameter is still quoted key by key on the
    client; one comma-joined string is quoted once. Unlike `IN (SELECT unnest(...))`, ANY can be OR-ed
    with another condition and still use each index. Keys are hex digests or integers: never a comma."""
    if connection.vendor == "postgresql":
        field = model._meta.get_field(field_name)
        column = f"{model._meta.db_table}.{field.column}"
        cast = "::bigint[]" if field.get_internal_type() in ("ForeignKey", "BigAutoField") else ""
        joined = ",".join(map(str, values))
        # The column and cast come from the model, never input; the keys go as one parameter.
        condition = f"{column} = ANY(string_to_array(%s, ','){cast})"
        return Q(RawSQL(condition, (joined,), output_field=BooleanField()))  # noqa: S611
    return Q(**{f"{field_name}__in": values})


def plan_chunk(
    *,
    acting_user: Any,
    union: OrgUnit,
    rows: list[tuple[ParsedRow | None, list[Problem], int]],
    seen: set[int],
) -> ChunkPlan:
    """Decide every row of a chunk the way do_enrol_member would, with one query per kind of lookup."""
    plan = ChunkPlan(rows_read=len(rows))
    if rows:
        plan.first_row, plan.last_row = rows[0][2], rows[-1][2]
    plan.new_status = (
        Membership.Status.ACTIVE if rank_at(acting_user, union) >= RANK_REVIEW else Membership.Status.PENDING
    )
    valid: list[ParsedRow] = []
    for parsed, problems, number in rows:
        plan.problems.extend(problems)
        if parsed is None:
            plan.rejected += 1
            continue
        if any(p.severity == ImportProblem.Severity.WARNING for p in problems):
            plan.warned_rows.add(number)
        key = int(parsed.id_index[:16], 16)
        if key in seen:
            plan.duplicates += 1
            plan.problems.append(
                Problem(
                    number,
                    "公民身份号码",
                    DUPLICATE_IN_FILE,
                    _("The same resident ID number is on an earlier row of this file; this row was skipped."),
                    ImportProblem.Severity.DUPLICATE,
                )
            )
            continue
        seen.add(key)
        plan.seen_keys.append(key)
        valid.append(parsed)
    if not valid:
        return plan

    # One query finds the rows' people and the owners of their phones (a phone registered to someone else
    # is a warning): each side by its own index.
    ids = {r.id_index for r in valid}
    phones = {r.phone_index for r in valid if r.phone_index}
    with transaction.atomic():
        look_up_by_index()
        found = Person.objects.filter(
            _among(Person, "resident_id_index", ids) | _among(Person, "phone_index", phones)
        ).values("pk", "resident_id_index", "phone_index", *_PERSON_COMPARE)
        people: dict[str, dict[str, Any]] = {}
        owners: dict[str, set[str]] = {}
        for p in found:
            if p["resident_id_index"] in ids:
                people[p["resident_id_index"]] = p
            if p["phone_index"] in phones:
                owners.setdefault(p["phone_index"], set()).add(p["resident_id_index"])
        memberships: dict[int, dict[str, dict[str, Any]]] = {}
        if people:
            for m in Membership.objects.filter(
                _among(Membership, "person", [p["pk"] for p in people.values()]),
                status__in=["ACTIVE", "PENDING"],
            ).values("pk", "person_id", "union_id", "status", "union__path", "warnings", "employer_name"):
                memberships.setdefault(m["person_id"], {})[m["status"]] = dict(m)
    pending_ranks: dict[str, int] = {}

    for parsed in valid:
        if parsed.phone_index and owners.get(parsed.phone_index, set()) - {parsed.id_index}:
            parsed.warnings.append(WARNING_PHONE_SHARED)
        stored = people.get(parsed.id_index)
        if stored is None:
            if parsed.phone_index:
                # A later row of this chunk with the same phone is warned as enrolling one by one would.
                owners.setdefault(parsed.phone_index, set()).add(parsed.id_index)
            plan.new_people.append(parsed)
            plan.accepted += 1
            _note_warnings(plan, parsed)
            continue
        filled, differs = _compare(stored, parsed)
        parsed.warnings += differs
        if filled:
            plan.person_updates.append(PersonUpdate(stored["pk"], filled))
        held = memberships.get(stored["pk"], {})
        active, pending = held.get("ACTIVE"), held.get("PENDING")
        if active is not None and active["union_id"] == union.pk:
            if filled:
                plan.updated += 1
            else:
                plan.duplicates += 1
            plan.problems.append(
                Problem(
                    parsed.row,
                    "公民身份号码",
                    ALREADY_MEMBER,
                    _("Already an active member of this union; nothing was added."),
                    ImportProblem.Severity.DUPLICATE,
                )
            )
            continue
        if pending is not None and pending["union_id"] != union.pk:
            path = pending["union__path"]
            if path not in pending_ranks:
                pending_ranks[path] = rank_at(acting_user, OrgUnit(path=path))
            if pending_ranks[path] < RANK_ENROL:
                plan.rejected += 1
                plan.problems.append(
                    Problem(parsed.row, "公民身份号码", PENDING_ELSEWHERE, str(_pending_elsewhere_message()))
                )
                if filled:
                    plan.person_updates.pop()
                continue
        if pending is not None:
            # As do_enrol_member's merge: warnings joined, a blank employer filled, nothing overwritten.
            if pending["employer_name"]:
                parsed.data.employer_name = pending["employer_name"]
            plan.merges.append(
                (parsed, pending["pk"], sorted(set(pending["warnings"]) | set(parsed.warnings)))
            )
            plan.updated += 1
            plan.problems.append(
                Problem(
                    parsed.row,
                    "公民身份号码",
                    MERGED,
                    _("An application for this person was waiting; this row was merged into it."),
                    ImportProblem.Severity.WARNING,
                )
            )
            plan.warned_rows.add(parsed.row)
            continue
        if active is not None:
            plan.new_memberships.append((parsed, stored["pk"], Membership.Status.PENDING, active["pk"]))
            plan.accepted += 1
            plan.transfers += 1
            plan.problems.append(
                Problem(
                    parsed.row,
                    "公民身份号码",
                    TRANSFER_PROPOSED,
                    _("Active member of another union: a transfer was proposed and waits for approval."),
                    ImportProblem.Severity.WARNING,
                )
            )
            plan.warned_rows.add(parsed.row)
            continue
        plan.new_memberships.append((parsed, stored["pk"], plan.new_status, None))
        plan.accepted += 1
        _note_warnings(plan, parsed)
    return plan


def _pending_elsewhere_message() -> str:
    from gonghui.members.actions import PendingElsewhere

    return str(PendingElsewhere.default_message)


def _note_warnings(plan: ChunkPlan, parsed: ParsedRow) -> None:
    if WARNING_PHONE_SHARED in parsed.warnings:
        plan.warned_rows.add(parsed.row)
        plan.problems.append(
            Problem(
                parsed.row,
                "手机号码",
                WARNING_PHONE_SHARED,
                _("This mobile number is also registered for another person; a reviewer will see it."),
                ImportProblem.Severity.WARNING,
            )
        )


def _compare(stored: dict[str, Any], parsed: ParsedRow) -> tuple[dict[str, Any], list[str]]:
    """(blank stored fields the row fills, warnings for values that differ) — as _compare_person."""
    data = parsed.data
    filled: dict[str, Any] = {}
    differs: list[str] = []
    for name in _PERSON_COMPARE:
        new, old = getattr(data, name), stored[name]
        if new in ("", None, False):
            continue
        if old in ("", None, False):
            filled[name] = new
        elif old != new:
            differs.append(f"field_differs:{name}")
    if data.phone:
        if not stored["phone_index"]:
            filled["phone"] = data.phone
        elif stored["phone_index"] != parsed.phone_index:
            differs.append("field_differs:phone")
    return filled, differs
