"""Running a settlement feed job: check the file, read rows in chunks, and pass each chunk to
do_import_settlement_rows — rolled back for the dry run, committed for the import. Row problems become
FeedProblem rows and the report (the feed as read, with a 问题 column)."""

import datetime
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.files.base import File
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from gonghui.benefits.actions.feed import RowProblem, RowsOutcome, SettlementRow, do_import_settlement_rows
from gonghui.benefits.feed_file import FeedEmpty, RowReader, open_feed
from gonghui.benefits.models import FeedImportJob, FeedProblem
from gonghui.core.db import commit_without_waiting_for_disk
from gonghui.core.errors import DomainError
from gonghui.core.sheets import write_problem_report

CHUNK_ROWS = 2000
ATTEMPTS = 3
PROBLEM_HEADER = "问题"
COUNTERS = ("approved", "review", "refused", "adjusted", "unchanged", "rejected")


def run_feed_import(job: FeedImportJob, *, commit: bool, today: datetime.date | None = None) -> FeedImportJob:
    now = timezone.now()
    today = today or timezone.localdate(now)
    FeedImportJob.objects.filter(pk=job.pk).update(
        status=FeedImportJob.Status.IMPORTING if commit else FeedImportJob.Status.CHECKING,
        started_at=now,
        rows_done=0,
        rows_read=0,
        payable_fen=0,
        **dict.fromkeys(COUNTERS, 0),
    )
    FeedProblem.objects.filter(job=job).delete()
    try:
        feed = open_feed(Path(job.file.path), job.original_name)
    except DomainError as error:
        return _finish(job, FeedImportJob.Status.REFUSED, error=error)
    FeedImportJob.objects.filter(pk=job.pk).update(rows_total=feed.rows_estimate)
    reader = RowReader(feed.columns, today=today)
    # Settlement id -> (content hash, row) of the rows before: the same settlement twice in one file.
    seen: dict[str, tuple[str, int]] = {}
    any_rows = False
    try:
        for chunk in _chunks(feed.value_rows(), reader):
            any_rows = True
            _apply(job, chunk, seen, commit=commit)
    except DomainError as error:
        return _finish(job, FeedImportJob.Status.FAILED, error=error)
    if not any_rows:
        return _finish(job, FeedImportJob.Status.REFUSED, error=FeedEmpty())
    return _finish(
        job, FeedImportJob.Status.DONE if commit else FeedImportJob.Status.CHECKED, committed=commit
    )


def _chunks(
    rows: Iterator[tuple[int, list[Any]]], reader: RowReader
) -> Iterator[list[tuple[SettlementRow | None, list[RowProblem]]]]:
    chunk: list[tuple[SettlementRow | None, list[RowProblem]]] = []
    for number, values in rows:
        chunk.append(reader.parse(number, values))
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _apply(
    job: FeedImportJob,
    chunk: list[tuple[SettlementRow | None, list[RowProblem]]],
    seen: dict[str, tuple[str, int]],
    *,
    commit: bool,
) -> None:
    problems: list[RowProblem] = []
    rows: list[SettlementRow] = []
    rejected = 0
    for row, row_problems in chunk:
        if row is None:
            problems.extend(row_problems)
            rejected += 1
            continue
        digest = row.content_hash()
        before = seen.get(row.settlement_id)
        if before is not None:
            if before[0] == digest:
                problems.append(
                    RowProblem(
                        row.row,
                        "结算单号",
                        "settlement_repeated",
                        gettext("The same settlement as row %(row)s, repeated; counted once.")
                        % {"row": before[1]},
                        FeedProblem.Severity.DUPLICATE,
                    )
                )
            else:
                problems.append(
                    RowProblem(
                        row.row,
                        "结算单号",
                        "settlement_conflicting",
                        gettext(
                            "Settlement number already in row %(row)s with other figures; this row was not "
                            "imported. Send the correction in a later feed."
                        )
                        % {"row": before[1]},
                    )
                )
                rejected += 1
            continue
        seen[row.settlement_id] = (digest, row.row)
        rows.append(row)
    outcome = RowsOutcome()
    if rows:
        for attempt in range(ATTEMPTS):
            try:
                outcome = do_import_settlement_rows(
                    acting_user=job.owner, job=job, rows=rows, dry_run=not commit
                )
                break
            except (IntegrityError, OperationalError):
                # Another import wrote one of these settlements (or held a lock in the other order) while
                # this chunk ran: run it again, it will find them.
                if attempt == ATTEMPTS - 1:
                    raise
    problems.extend(outcome.problems)
    counts = dict(outcome.counts)
    counts["rejected"] = counts.get("rejected", 0) + rejected
    with transaction.atomic():
        commit_without_waiting_for_disk()
        FeedProblem.objects.bulk_create(
            [
                FeedProblem(
                    job=job,
                    row=p.row,
                    column=p.column,
                    code=p.code,
                    message=p.message[:300],
                    severity=p.severity,
                )
                for p in problems
            ],
            batch_size=5000,
        )
        FeedImportJob.objects.filter(pk=job.pk).update(
            rows_done=F("rows_done") + len(chunk),
            rows_read=F("rows_read") + len(chunk),
            payable_fen=F("payable_fen") + outcome.payable_fen,
            **{name: F(name) + counts.get(name, 0) for name in COUNTERS},
        )


def _finish(
    job: FeedImportJob, status: str, *, error: DomainError | None = None, committed: bool = False
) -> FeedImportJob:
    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now()}
    fields |= (
        {"error_code": error.code, "error_message": error.message[:300]}
        if error
        else {"error_code": "", "error_message": ""}
    )
    if committed:
        fields["committed"] = True
    FeedImportJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def build_report(job: FeedImportJob) -> FeedImportJob:
    """The feed as read with a 问题 column: what happened to each row (refused claims say why)."""
    problems: dict[int, list[str]] = {}
    for row, column, message in job.problems.order_by("row", "pk").values_list("row", "column", "message"):
        problems.setdefault(row, []).append(f"{column}：{message}" if column else message)
    feed = open_feed(Path(job.file.path), job.original_name)
    with tempfile.TemporaryDirectory(prefix="gonghui-feed-report-") as folder:
        target = Path(folder) / "report.xlsx"
        write_problem_report(
            target,
            head=feed.head,
            rows=((values, "；".join(problems.get(number, ()))) for number, values in feed.value_rows()),
            width=feed.width,
            problem_header=PROBLEM_HEADER,
            sheet_name="结算明细",
        )
        with open(target, "rb") as handle:
            job.report_file.save(f"feed-report-{job.pk}.xlsx", File(handle), save=False)
    FeedImportJob.objects.filter(pk=job.pk).update(report_file=job.report_file.name)
    return job
