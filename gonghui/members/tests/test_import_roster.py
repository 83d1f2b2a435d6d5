import io
from pathlib import Path

import pytest
from django.core.files import File
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from gonghui.core.models import AuditEvent
from gonghui.core.pii import blind_index
from gonghui.members.actions import EnrolmentData, do_enrol_member, do_request_roster_commit, do_upload_roster
from gonghui.members.models import Channel, ImportJob, ImportProblem, Membership, Person, Transfer
from gonghui.members.roster_import import run_roster_import
from gonghui.members.roster_report import build_report
from gonghui.members.tests.roster_fixtures import (
    GOOD,
    MESSY_COUNTS,
    MESSY_ROW_CODES,
    write_csv,
    write_formula_xlsx,
    write_messy_xlsx,
    write_simple_xlsx,
    write_wide_xlsx,
    write_zip_bomb,
)

FIELDS = ("rows_read", "accepted", "updated", "duplicates", "rejected", "warnings")


def upload(p, path: Path, *, user=None, union="BJ-TZ-LY-SB3", **kw) -> ImportJob:  # type: ignore[no-untyped-def]
    with open(path, "rb") as handle:
        return do_upload_roster(
            acting_user=user or p.luyuan_officer,
            union=p.unit(union),
            upload=File(handle),
            original_name=path.name,
            **kw,
        )


def check_and_commit(p, path: Path, **kw) -> ImportJob:  # type: ignore[no-untyped-def]
    job = run_roster_import(upload(p, path, **kw), commit=False)
    assert job.status == "CHECKED", (job.error_code, job.error_message)
    job = do_request_roster_commit(acting_user=kw.get("user") or p.luyuan_officer, job=job)
    return run_roster_import(job, commit=True)


def counts(job: ImportJob) -> dict[str, int]:
    return {name: getattr(job, name) for name in FIELDS}


def codes_by_row(job: ImportJob) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row, code in (
        job.problems.exclude(code="unknown_column").order_by("row", "pk").values_list("row", "code")
    ):
        found.setdefault(row, []).append(code)
    return found


def test_it_reads_every_quirk_of_a_messy_roster_in_the_dry_run(personas, tmp_path):
    job = run_roster_import(upload(personas, write_messy_xlsx(tmp_path / "messy.xlsx")), commit=False)
    assert job.status == "CHECKED" and job.file_kind == "xlsx"
    assert counts(job) == MESSY_COUNTS
    assert codes_by_row(job) == MESSY_ROW_CODES
    assert job.unknown_columns == ["籍贯"]
    assert job.problems.filter(code="unknown_column", severity="WARNING").count() == 1
    excel = job.problems.get(code="resident_id_excel_number")
    assert excel.column == "公民身份号码" and "Excel" in excel.message
    # A dry run writes no member.
    assert not Person.objects.exists() and not Membership.objects.exists()


def test_it_commits_the_good_rows_with_the_enrolment_rules(personas, tmp_path):
    job = check_and_commit(personas, write_messy_xlsx(tmp_path / "messy.xlsx"))
    assert job.status == "DONE" and job.committed
    assert counts(job) == MESSY_COUNTS
    members = Membership.objects.filter(union=personas.unit("BJ-TZ-LY-SB3"))
    assert members.count() == 6 and set(members.values_list("status", flat=True)) == {"ACTIVE"}
    assert set(members.values_list("channel", flat=True)) == {Channel.IMPORT}
    wang = Person.objects.get(resident_id_index=Person(resident_id=GOOD[1]).resident_id and _index(GOOD[1]))
    assert wang.name == "王小二" and wang.phone == "13812340002" and wang.hukou_type == "AGRICULTURAL"
    joined = {m.person.name: str(m.joined_date) for m in members.select_related("person")}
    assert joined["李春贵"] == joined["赵四"] == joined["钱五"] == joined["孙六"] == "2018-05-29"
    assert all(m.consents.count() == 1 for m in members)
    events = AuditEvent.objects.filter(event_type="roster_rows_imported", object_id=str(job.pk))
    assert events.count() == 1 and events.get().details["accepted"] == 6


def _index(number: str) -> str:
    from gonghui.core.pii import blind_index

    return blind_index(number, purpose="resident_id")


def test_it_is_idempotent_when_the_same_file_comes_again(personas, tmp_path):
    path = write_messy_xlsx(tmp_path / "messy.xlsx")
    check_and_commit(personas, path)
    again = check_and_commit(personas, path)
    assert again.accepted == 0 and again.duplicates == 7 and again.rejected == 7
    assert Person.objects.count() == 6 and Membership.objects.count() == 6


def test_it_accepts_the_corrected_rows_of_a_fixed_file(personas, tmp_path):
    check_and_commit(personas, write_messy_xlsx(tmp_path / "messy.xlsx"))
    fixed = write_simple_xlsx(
        tmp_path / "fixed.xlsx",
        [["张三", GOOD[2], "13812340003"], ["吴九", GOOD[6], "13812340009"], ["李春贵", GOOD[0], ""]],
    )
    job = check_and_commit(personas, fixed)
    assert (job.accepted, job.duplicates, job.rejected) == (2, 1, 0)
    assert Membership.objects.count() == 8 and Person.objects.count() == 8


def test_it_completes_a_stored_person_without_overwriting(personas, tmp_path):
    do_enrol_member(
        acting_user=personas.chair,
        union=personas.unit("BJ-TZ-YS-YR"),
        data=EnrolmentData(name="李春贵", resident_id=GOOD[0], phone="13900000000"),
        channel=Channel.CONSOLE,
        consent_given=True,
    )
    path = write_simple_xlsx(
        tmp_path / "r.xlsx",
        [["李春贵", GOOD[0], "13812340001", "汉族"]],
        ["姓名", "身份证号", "手机号码", "民族"],
    )
    job = check_and_commit(personas, path)
    person = Person.objects.get()
    # Phone differs: kept, flagged; ethnicity was blank: filled. Active in 云锐: a transfer is proposed.
    assert person.phone == "13900000000" and person.ethnicity == "汉族"
    assert job.transfers == 1 and job.accepted == 1
    transfer = Transfer.objects.get()
    assert transfer.status == "PROPOSED" and transfer.to_membership.status == "PENDING"
    assert (
        transfer.from_membership.union.code == "BJ-TZ-YS-YR" and transfer.from_membership.status == "ACTIVE"
    )
    assert "field_differs:phone" in transfer.to_membership.warnings
    # Importing again proposes nothing new: the waiting application absorbs it.
    again = check_and_commit(personas, path)
    assert again.updated == 1 and Transfer.objects.count() == 1 and Membership.objects.count() == 2


def test_it_reports_people_already_in_the_union_as_duplicates(personas, tmp_path):
    do_enrol_member(
        acting_user=personas.luyuan_officer,
        union=personas.unit("BJ-TZ-LY-SB3"),
        data=EnrolmentData(name="李春贵", resident_id=GOOD[0]),
        channel=Channel.CONSOLE,
        consent_given=True,
    )
    job = check_and_commit(personas, write_simple_xlsx(tmp_path / "r.xlsx", [["李春贵", GOOD[0], ""]]))
    assert (job.accepted, job.duplicates) == (0, 1)
    assert job.problems.get().code == "already_member"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_it_reads_csv_in_utf8_and_gbk(personas, tmp_path, encoding):
    path = write_csv(
        tmp_path / "r.csv", [["李春贵", GOOD[0], "13812340001"], ["王小二", GOOD[1], ""]], encoding
    )
    job = check_and_commit(personas, path)
    assert job.file_kind == "csv" and job.accepted == 2
    assert set(Person.objects.values_list("name", flat=True)) == {"李春贵", "王小二"}


def test_it_reads_a_legacy_xls_file(personas):
    path = Path(__file__).parent / "fixtures" / "roster.xls"
    job = check_and_commit(personas, path)
    assert job.file_kind == "xls" and (job.accepted, job.rejected) == (2, 1)
    assert job.problems.get().code == "resident_id_checksum"


def test_it_reads_a_formula_cell_as_the_value_the_workbook_stored(personas, tmp_path):
    job = check_and_commit(personas, write_formula_xlsx(tmp_path / "formula.xlsx"))
    assert (job.accepted, job.rejected) == (2, 0)
    assert set(Person.objects.values_list("name", flat=True)) == {"李春贵", "王五"}


def _raw(content: bytes):  # type: ignore[no-untyped-def]
    return lambda path: (path.write_bytes(content), path)[1]


@pytest.mark.parametrize(
    ("name", "writer", "code"),
    [
        ("bomb.xlsx", write_zip_bomb, "roster_zip_bomb"),
        ("wide.xlsx", write_wide_xlsx, "roster_too_many_columns"),
        ("virus.xlsx", _raw(b"MZ\x90\x00not a roster"), "roster_not_spreadsheet"),
        ("broken.xlsx", _raw(b"PK\x03\x04broken zip"), "roster_damaged"),
        ("nul.csv", _raw("姓名,公民身份号码\n李\x00,1\n".encode()), "roster_nul_character"),
        ("latin1.csv", _raw(b"\xff\xfe\x00\x00"), "roster_nul_character"),
        ("noheader.csv", _raw("名单\n一,二\n".encode()), "roster_no_header"),
        ("empty.csv", _raw("姓名,公民身份号码\n".encode()), "roster_empty"),
    ],
)
def test_it_refuses_a_hostile_file_and_writes_nothing(personas, tmp_path, name, writer, code):
    job = run_roster_import(upload(personas, writer(tmp_path / name)), commit=False)
    assert job.status == "REFUSED" and job.error_code == code and job.error_message
    assert not Person.objects.exists() and not ImportProblem.objects.exists()


def test_it_refuses_too_many_rows(personas, tmp_path, settings):
    settings.GONGHUI_ROSTER_MAX_ROWS = 2
    path = write_simple_xlsx(tmp_path / "r.xlsx", [["李", g, ""] for g in GOOD[:5]] * 3)
    job = run_roster_import(upload(personas, path), commit=False)
    assert job.status == "REFUSED" and job.error_code == "roster_too_many_rows"


def test_it_refuses_a_commit_before_the_check_and_twice(personas, tmp_path):
    from gonghui.members.actions import ImportNotReady

    job = upload(personas, write_simple_xlsx(tmp_path / "r.xlsx", [["李春贵", GOOD[0], ""]]))
    with pytest.raises(ImportNotReady):
        do_request_roster_commit(acting_user=personas.luyuan_officer, job=job)
    job = run_roster_import(job, commit=False)
    job = run_roster_import(
        do_request_roster_commit(acting_user=personas.luyuan_officer, job=job), commit=True
    )
    with pytest.raises(ImportNotReady):
        do_request_roster_commit(acting_user=personas.luyuan_officer, job=job)


def test_it_writes_a_report_copy_with_a_problem_column(personas, tmp_path):
    job = run_roster_import(upload(personas, write_messy_xlsx(tmp_path / "messy.xlsx")), commit=False)
    build_report(job)
    rows = (
        CalamineWorkbook.from_path(job.report_file.path)
        .get_sheet_by_index(0)
        .to_python(skip_empty_area=False)
    )
    header = rows[2]
    assert header[-1] == "问题"
    by_name = {r[1]: r[-1] for r in rows[3:] if r[1]}
    assert "Excel" in str(by_name["张三"]) and by_name["李春贵"] in ("", by_name["李春贵"])
    assert by_name["钱五"] == ""
    assert len(rows) == 3 + 14


def test_the_command_prints_one_summary_line(personas, tmp_path):
    out = io.StringIO()
    report = tmp_path / "report.xlsx"
    call_command(
        "import_roster",
        str(write_messy_xlsx(tmp_path / "messy.xlsx")),
        "--union",
        "BJ-TZ-LY-SB3",
        "--as",
        "luyuan",
        "--dry-run",
        "--report",
        str(report),
        stdout=out,
    )
    assert out.getvalue().strip() == (
        "dry run: rows read 14, accepted 6, updated 0, duplicates 1, rejected 7, warnings 1"
    )
    assert report.exists() and not Person.objects.exists()


def test_the_command_refuses_a_union_outside_the_login_s_area(personas, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="outside"):
        call_command(
            "import_roster",
            str(write_messy_xlsx(tmp_path / "m.xlsx")),
            "--union",
            "BJ-HD-GJK",
            "--as",
            "luyuan",
        )


def test_it_merges_into_a_waiting_application_filling_only_blanks(personas, tmp_path):
    waiting = do_enrol_member(
        acting_user=personas.collector,
        union=personas.unit("BJ-TZ-YS-YR"),
        data=EnrolmentData(name="李春贵", resident_id=GOOD[0]),
        channel=Channel.STAFF_MOBILE,
        consent_given=True,
    ).membership
    path = write_simple_xlsx(
        tmp_path / "r.xlsx",
        [["李春贵", GOOD[0], "", "三标段项目部"]],
        ["姓名", "公民身份号码", "手机号码", "工作单位"],
    )
    job = check_and_commit(personas, path, user=personas.tongzhou_officer, union="BJ-TZ-YS-YR")
    waiting.refresh_from_db()
    assert (job.accepted, job.updated) == (0, 1)
    assert waiting.status == "PENDING" and waiting.employer_name == "三标段项目部"
    assert Membership.objects.count() == 1 and waiting.consents.count() == 2


def test_it_warns_when_two_new_people_of_one_file_share_a_phone(personas, tmp_path):
    # A family phone on two rows: enrolling them one by one warns on the second; so does the import.
    path = write_simple_xlsx(
        tmp_path / "family.xlsx",
        [
            ["张三", GOOD[0], "13812345678"],
            ["张四", GOOD[1], "13812345678"],
            ["李五", GOOD[2], "13912345678"],
        ],
    )
    job = check_and_commit(personas, path)
    assert (job.accepted, job.warnings) == (3, 1)
    assert codes_by_row(job) == {3: ["phone_shared"]}
    warned = Membership.objects.get(person__resident_id_index=blind_index(GOOD[1], purpose="resident_id"))
    assert warned.warnings == ["phone_shared"]


def test_the_database_keeps_one_person_per_resident_id(personas):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    now = timezone.now()
    fields = {"name": "张三", "gender": "M", "birth_date": "1999-01-01", "created_at": now, "updated_at": now}
    Person.objects.create(resident_id=GOOD[0], **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(resident_id=GOOD[0], **fields)


def test_a_big_file_is_read_in_a_second_process_with_the_same_result(personas, tmp_path, monkeypatch):
    from gonghui.members import roster_import

    forks = []
    real = roster_import.iterate_in_child

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        forks.append(1)
        return real(*args, **kwargs)

    # Every file counts as big, in chunks of three rows: the rows cross the pipe in several chunks.
    monkeypatch.setattr(roster_import, "PARALLEL_FROM_ROWS", 1)
    monkeypatch.setattr(roster_import, "CHUNK_ROWS", 3)
    monkeypatch.setattr(roster_import, "iterate_in_child", counting)
    job = check_and_commit(personas, write_messy_xlsx(tmp_path / "messy.xlsx"))
    assert len(forks) == 2  # the dry run and the commit
    assert job.status == "DONE"
    assert counts(job) == MESSY_COUNTS
    assert codes_by_row(job) == MESSY_ROW_CODES
    wang = Person.objects.get(resident_id_index=_index(GOOD[1]))
    assert wang.name == "王小二" and wang.phone == "13812340002" and wang.hukou_type == "AGRICULTURAL"
    assert Membership.objects.filter(union=personas.unit("BJ-TZ-LY-SB3"), status="ACTIVE").count() == 6


def test_a_chunk_that_lost_a_race_is_planned_again_from_the_same_state(personas, tmp_path, monkeypatch):
    from django.db import IntegrityError

    from gonghui.members import roster_import

    real = roster_import.do_import_roster_rows
    calls = []

    def racing(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:  # as if another enrolment took one of these people meanwhile
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(**kwargs)

    monkeypatch.setattr(roster_import, "do_import_roster_rows", racing)
    job = check_and_commit(personas, write_messy_xlsx(tmp_path / "messy.xlsx"))
    # Planned twice, written once: the rows of the failed try are not taken as repeats of themselves.
    assert len(calls) == 2
    assert counts(job) == MESSY_COUNTS


def test_it_keeps_backslashes_and_odd_characters_exactly(personas, tmp_path):
    # On PostgreSQL the rows go in as COPY text, where a backslash or a tab would otherwise mean something.
    path = write_simple_xlsx(
        tmp_path / "odd.xlsx",
        [["张三", GOOD[0], "13812345678", r"北京\城建\N集团", "汉族"]],
        header=["姓名", "公民身份号码", "手机号码", "工作单位", "民族"],
    )
    job = check_and_commit(personas, path)
    assert job.accepted == 1
    membership = Membership.objects.get(person__resident_id_index=_index(GOOD[0]))
    assert membership.employer_name == r"北京\城建\N集团"
    assert membership.person.ethnicity == "汉族" and membership.person.phone == "13812345678"


def test_copy_text_fields_escape_what_copy_would_read_as_syntax():
    import datetime

    from gonghui.core.bulk import copy_texts

    assert copy_texts(["a\\b", "c\td", "e\nf", "plain"]) == ["a\\\\b", "c\\td", "e\\nf", "plain"]
    assert copy_texts([None, True, False, 7, "x"]) == ["\\N", "t", "f", "7", "x"]
    assert copy_texts([datetime.date(2018, 5, 29)]) == ["2018-05-29"]
