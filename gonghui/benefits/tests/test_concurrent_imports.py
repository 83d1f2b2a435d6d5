"""Two feed imports at the same moment (PostgreSQL: real concurrent transactions). The year accumulator
never passes the cap, and a settlement in both feeds is paid once."""

import io
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from django.db.models import Sum
from django.utils import timezone

from gonghui.benefits.actions.feed import do_upload_settlement_feed
from gonghui.benefits.feed_file import write_feed
from gonghui.benefits.feed_import import run_feed_import
from gonghui.benefits.models import FeedImportJob, ReimbursementClaim, Settlement, YearAccumulator
from gonghui.benefits.tests.helpers import make_plan, member_with_card

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time: no race"),
    pytest.mark.django_db(transaction=True),
]


def _job(personas: Any, rows: list[list[Any]], name: str) -> FeedImportJob:
    buffer = io.BytesIO()
    write_feed(buffer, rows)
    return do_upload_settlement_feed(
        acting_user=personas.city_admin,
        unit=personas.unit("BJ"),
        upload=SimpleUploadedFile(name, buffer.getvalue()),
        original_name=name,
    )


def _row(member: Any, number: str, self_paid: str = "40000") -> list[Any]:
    today = timezone.localdate().isoformat()
    return [
        member.person.resident_id,
        "",
        number,
        today,
        "住院",
        "潞河医院",
        "三级",
        "90000",
        "40000",
        self_paid,
    ]


def _run_at_once(jobs: list[FeedImportJob]) -> list[BaseException]:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: FeedImportJob) -> None:
        try:
            barrier.wait()
            run_feed_import(job, commit=True)
        except BaseException as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_it_holds_the_year_cap_under_two_imports_at_once(personas):
    plan = make_plan(personas)
    member = member_with_card(personas, 71)
    # Each feed alone would use the whole year's cap (two claims at the 15,000 per-claim cap, and more).
    first = _job(personas, [_row(member, f"A{n}") for n in range(4)], "a.xlsx")
    second = _job(personas, [_row(member, f"B{n}") for n in range(4)], "b.xlsx")
    assert _run_at_once([first, second]) == []
    for job in FeedImportJob.objects.all():
        assert job.status == "DONE"
    accumulator = YearAccumulator.objects.get(person=member.person)
    paid = ReimbursementClaim.objects.filter(status="APPROVED").aggregate(total=Sum("payable_fen"))["total"]
    assert accumulator.used_fen == paid == plan.per_year_cap_fen
    assert ReimbursementClaim.objects.filter(status="APPROVED").count() == 2
    assert ReimbursementClaim.objects.filter(refusal_code="year_cap_reached").count() == 6


def test_it_pays_a_settlement_in_two_feeds_at_once_once(personas):
    make_plan(personas)
    member = member_with_card(personas, 72)
    rows = [_row(member, f"S{n}", self_paid="5000") for n in range(6)]
    jobs = [_job(personas, rows, "same-1.xlsx"), _job(personas, rows, "same-2.xlsx")]
    assert _run_at_once(jobs) == []
    assert Settlement.objects.count() == 6 and ReimbursementClaim.objects.count() == 6
    outcomes = sorted(FeedImportJob.objects.values_list("approved", "unchanged"))
    assert outcomes == [(0, 6), (6, 0)]
    # 5,000 self-paid: 3,700 above the deductible at 50 % = 1,850 each.
    assert YearAccumulator.objects.get(person=member.person).used_fen == 6 * 185_000
