"""The problem report of a roster import: the roster as it was read, with a 问题 column saying what is wrong
with each row, made to be corrected in place and uploaded again.

It round-trips: every value is written as the type it was read as (core.sheets.write_problem_report), so a
phone stays "+86 138…" (no leading '), a date stays a date, and the 问题 column is recognised on the way
back in and ignored (members.roster.IGNORED_HEADERS). Rows without problems are kept too.
"""

import tempfile
from pathlib import Path

from django.core.files.base import File

from gonghui.core.sheets import write_problem_report
from gonghui.members.models import ImportJob
from gonghui.members.roster import open_roster

PROBLEM_HEADER = "问题"


def build_report(job: ImportJob) -> ImportJob:
    """Write the job's report file from its stored roster and its problems."""
    problems: dict[int, list[str]] = {}
    for row, column, message in job.problems.order_by("row", "pk").values_list("row", "column", "message"):
        problems.setdefault(row, []).append(f"{column}：{message}" if column else message)
    roster = open_roster(Path(job.file.path), job.original_name)
    with tempfile.TemporaryDirectory(prefix="gonghui-report-") as folder:
        target = Path(folder) / "report.xlsx"
        write_problem_report(
            target,
            head=roster.head,
            rows=((values, "；".join(problems.get(number, ()))) for number, values in roster.value_rows()),
            width=roster.width,
            problem_header=PROBLEM_HEADER,
            sheet_name="花名册",
        )
        with open(target, "rb") as handle:
            job.report_file.save(f"report-{job.pk}.xlsx", File(handle), save=False)
    ImportJob.objects.filter(pk=job.pk).update(report_file=job.report_file.name)
    return job
