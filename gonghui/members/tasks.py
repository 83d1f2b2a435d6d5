"""Jobs (django.tasks): a roster import's check and commit, and a member export. The console polls the
job rows for progress; in development `gonghui up` runs a worker beside the server."""

import tempfile
from pathlib import Path

from django.tasks import task

from gonghui.members.exports import run_export
from gonghui.members.models import ExportJob, ImportJob
from gonghui.members.roster_import import run_roster_import
from gonghui.members.roster_report import build_report


def _run(job_id: int, *, commit: bool) -> str:
    job = ImportJob.objects.select_related("union", "owner").get(pk=job_id)
    try:
        job = run_roster_import(job, commit=commit)
        if job.status in (ImportJob.Status.CHECKED, ImportJob.Status.DONE, ImportJob.Status.FAILED):
            build_report(job)
    except Exception:
        # The page must not poll a job that died: say so; the log has the traceback.
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            error_code="roster_job_failed",
            error_message="The import stopped on an unexpected error; it can be uploaded again safely.",
        )
        raise
    return job.status


@task()
def check_roster(job_id: int) -> str:
    return _run(job_id, commit=False)


@task()
def commit_roster(job_id: int) -> str:
    return _run(job_id, commit=True)


@task()
def export_members(job_id: int) -> str:
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    try:
        with tempfile.TemporaryDirectory() as folder:
            job = run_export(job, Path(folder))
    except Exception:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error_message="export failed; see the server log"
        )
        raise
    return job.status
