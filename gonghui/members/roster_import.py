"""Running a roster import job: check the file, parse rows in chunks, plan each chunk with the enrolment
rules, and (when committing) write it through do_import_roster_rows. (The report file: roster_report.)

Memory stays bounded: rows stream from the file a chunk at a time; what is kept across chunks is one
64-bit key per resident ID seen (to find duplicates inside the file).
"""

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core.errors import DomainError
from gonghui.core.forked import can_fork, iterate_in_child
from gonghui.members.actions import (
    do_finish_roster_run,
    do_import_roster_rows,
    do_note_roster_file,
    do_record_checked_rows,
    do_start_roster_run,
)
from gonghui.members.models import ImportJob, ImportProblem
from gonghui.members.roster import RosterEmpty, RosterFile, column_letters, open_roster
from gonghui.members.roster_rows import (
    ChunkPlan,
    ParsedItem,
    Problem,
    RowParser,
    pack_chunk,
    plan_chunk,
    unpack_chunk,
)

CHUNK_ROWS = 2000
PARALLEL_FROM_ROWS = 10_000
UNKNOWN_COLUMN = "unknown_column"


def _open(job: ImportJob) -> RosterFile:
    return open_roster(Path(job.file.path), job.original_name)


def run_roster_import(job: ImportJob, *, commit: bool, today: datetime.date | None = None) -> ImportJob:
    """The dry run (commit=False) or the commit of a stored roster. File-level refusals end the job as
    REFUSED with the reason and nothing written; row problems become ImportProblem rows."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    do_start_roster_run(job=job, commit=commit, now=now)
    try:
        roster = _open(job)
    except DomainError as error:
        return do_finish_roster_run(job=job, status=ImportJob.Status.REFUSED, error=error)
    header_problems = [
        Problem(
            roster.header.header_rows,
            f"{column_letters(i)}（{text.strip()[:40]}）",
            UNKNOWN_COLUMN,
            _("The column “%(name)s” is not part of the template and was ignored.") % {"name": text.strip()},
            ImportProblem.Severity.WARNING,
        )
        for i, text in roster.header.unknown
    ]
    do_note_roster_file(
        job=job,
        file_kind=roster.kind,
        unknown_columns=[roster.header.labels.get(i, t) for i, t in roster.header.unknown],
        rows_total=roster.rows_estimate,
        problems=header_problems,
    )
    parser = RowParser(roster.header, confirm_area_warnings=job.confirm_area_warnings, today=today)
    seen: set[int] = set()
    any_rows = False
    try:
        for batch in _chunks(roster, parser):
            _apply(job, batch, seen, commit)
            any_rows = True
    except DomainError as error:
        # Only reading errors reach here mid-file; rows already written stay (re-import is idempotent).
        return do_finish_roster_run(job=job, status=ImportJob.Status.FAILED, error=error)
    if not any_rows:
        return do_finish_roster_run(job=job, status=ImportJob.Status.REFUSED, error=RosterEmpty())
    status = ImportJob.Status.DONE if commit else ImportJob.Status.CHECKED
    return do_finish_roster_run(job=job, status=status, committed=commit)


def _chunks(roster: RosterFile, parser: RowParser) -> Iterator[list[ParsedItem]]:
    """The file's rows, parsed and checked, a chunk at a time. A big file is read and checked in a forked
    process while this one plans and writes the chunks before (reading and checking are two thirds of
    the work and need no database); a small one here, where forking would cost more than it saves."""
    if roster.rows_estimate >= PARALLEL_FROM_ROWS and can_fork():
        return iterate_in_child(lambda: _parsed_chunks(roster, parser), pack=pack_chunk, unpack=unpack_chunk)
    return _parsed_chunks(roster, parser)


def _parsed_chunks(roster: RosterFile, parser: RowParser) -> Iterator[list[ParsedItem]]:
    batch: list[ParsedItem] = []
    for number, cells in roster.rows():
        parsed, problems = parser.parse(number, cells)
        batch.append((parsed, problems, number))
        if len(batch) >= CHUNK_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _apply(job: ImportJob, batch: list[Any], seen: set[int], commit: bool) -> ChunkPlan:
    owner = job.owner
    if not commit:
        plan = plan_chunk(acting_user=owner, union=job.union, rows=batch, seen=seen)
        do_record_checked_rows(job=job, plan=plan)
        return plan
    for attempt in range(3):
        plan = plan_chunk(acting_user=owner, union=job.union, rows=batch, seen=seen)
        try:
            do_import_roster_rows(acting_user=owner, job=job, plan=plan)
        except IntegrityError:
            # Someone enrolled one of these people while the chunk was planned: plan it again, with
            # the keys this chunk added taken back (not a copy of the whole set: a million keys).
            seen.difference_update(plan.seen_keys)
            if attempt == 2:
                raise
            continue
        return plan
    raise AssertionError("unreachable")
