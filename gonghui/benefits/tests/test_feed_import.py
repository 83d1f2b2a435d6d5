"""A settlement feed file end to end through the job: dry run, commit, the report with its 问题 column, and
bad rows (unknown person, negative amount, a date in the future, the same settlement twice with other
figures) refused row by row with nothing lost."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from python_calamine import CalamineWorkbook

from gonghui.benefits.actions.feed import do_request_feed_commit, do_upload_settlement_feed
from gonghui.benefits.feed_file import write_feed
from gonghui.benefits.feed_import import build_report, run_feed_import
from gonghui.benefits.models import FeedImportJob, ReimbursementClaim, Settlement
from gonghui.benefits.tests.helpers import make_plan, member_with_card
from gonghui.cards.tests.helpers import resident_id


def feed_bytes(rows):  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    write_feed(buffer, rows)
    return buffer.getvalue()


def upload(personas, rows, name="结算明细.xlsx"):  # type: ignore[no-untyped-def]
    return do_upload_settlement_feed(
        acting_user=personas.city_admin,
        unit=personas.unit("BJ"),
        upload=SimpleUploadedFile(name, feed_bytes(rows)),
        original_name=name,
    )


def row(member, number, *, day=None, total="50000.00", covered="35000", self_paid="10,000.00", kind="住院"):  # type: ignore[no-untyped-def]
    return [
        member.person.resident_id if member else resident_id(999),
        "某某",
        number,
        (day or timezone.localdate()).isoformat(),
        kind,
        "首都医科大学附属北京潞河医院",
        "三级甲等",
        total,
        covered,
        self_paid,
    ]


@pytest.fixture
def member(personas):
    make_plan(personas)
    return member_with_card(personas, 21)


def test_it_checks_then_imports_a_feed(personas, member):
    job = upload(personas, [row(member, "JS001"), row(member, "JS002", self_paid="1000")])
    job = run_feed_import(job, commit=False)
    assert (job.status, job.approved, job.refused, job.payable_fen) == ("CHECKED", 1, 1, 435_000)
    assert not ReimbursementClaim.objects.exists()
    do_request_feed_commit(acting_user=personas.city_admin, job=job)
    job = run_feed_import(FeedImportJob.objects.get(pk=job.pk), commit=True)
    assert (job.status, job.committed, job.approved, job.refused) == ("DONE", True, 1, 1)
    assert (
        ReimbursementClaim.objects.get(settlement__settlement_id="JS002").refusal_code == "below_deductible"
    )


def test_it_refuses_bad_rows_one_by_one_and_keeps_the_rest(personas, member):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [
        row(member, "JS101"),
        row(None, "JS102"),  # nobody with this ID
        row(member, "JS103", self_paid="-5.00"),
        row(member, "JS104", day=tomorrow),
        row(member, "JS101", self_paid="9000"),  # the same settlement, other figures
        row(member, "JS101"),  # the same settlement repeated as is
        row(member, "JS105", self_paid="12.345"),
    ]
    job = run_feed_import(upload(personas, rows), commit=True)
    assert (job.rows_read, job.approved, job.rejected) == (7, 1, 5)
    codes = dict(job.problems.values_list("row", "code"))
    assert codes == {
        3: "unknown_person",
        4: "amount_negative",
        5: "date_in_future",
        6: "settlement_conflicting",
        7: "settlement_repeated",
        8: "amount_invalid",
    }
    assert list(Settlement.objects.values_list("settlement_id", flat=True)) == ["JS101"]
    build_report(job)
    sheet = CalamineWorkbook.from_path(Path(job.report_file.path)).get_sheet_by_index(0).to_python()
    assert sheet[0][-1] == "问题"
    assert len(sheet) == 8  # every row is in the report, the good one included
    assert "结算单号" in str(sheet[5][-1]) and sheet[5][2] == "JS101"


def test_it_changes_nothing_when_the_same_feed_comes_again(personas, member):
    rows = [row(member, "JS201"), row(member, "JS202", self_paid="15000")]
    run_feed_import(upload(personas, rows), commit=True)
    before = list(ReimbursementClaim.objects.order_by("pk").values_list("pk", "payable_fen", "updated_at"))
    again = run_feed_import(upload(personas, rows), commit=True)
    assert (again.unchanged, again.approved, again.payable_fen) == (2, 0, 0)
    assert (
        list(ReimbursementClaim.objects.order_by("pk").values_list("pk", "payable_fen", "updated_at"))
        == before
    )


def test_it_refuses_a_file_without_the_columns(personas, member):
    job = do_upload_settlement_feed(
        acting_user=personas.city_admin,
        unit=personas.unit("BJ"),
        upload=SimpleUploadedFile("x.csv", "姓名,电话\n张三,1\n".encode()),
        original_name="x.csv",
    )
    job = run_feed_import(job, commit=False)
    assert (job.status, job.error_code) == ("REFUSED", "feed_no_header")


def test_it_reads_a_csv_feed(personas, member):
    header = "公民身份号码,结算单号,就诊日期,就诊类别,医院等级,医疗总费用（元）,统筹支付,范围内自付\n"
    line = f"{member.person.resident_id},JS301,{timezone.localdate():%Y/%m/%d},住院,三级,50000,35000,10000\n"
    job = do_upload_settlement_feed(
        acting_user=personas.city_admin,
        unit=personas.unit("BJ"),
        upload=SimpleUploadedFile("feed.csv", (header + line).encode()),
        original_name="feed.csv",
    )
    job = run_feed_import(job, commit=True)
    assert (job.status, job.approved, job.payable_fen) == ("DONE", 1, 435_000)
