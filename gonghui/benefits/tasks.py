"""Jobs (django.tasks): a settlement feed's dry run and its import."""

from django.tasks import task

from gonghui.benefits.feed_import import build_report, run_feed_import
from gonghui.benefits.models import FeedImportJob


def _run(job_id: int, *, commit: bool) -> str:
    job = FeedImportJob.objects.select_related("unit", "owner").get(pk=job_id)
    try:
        job = run_feed_import(job, commit=commit)
        if job.status in (
            FeedImportJob.Status.CHECKED,
            FeedImportJob.Status.DONE,
            FeedImportJob.Status.FAILED,
        ):
            build_report(job)
    except Exception:
        # The page must not poll a job that died; the log has the traceback.
        FeedImportJob.objects.filter(pk=job_id).update(
            status=FeedImportJob.Status.FAILED,
            error_code="feed_job_failed",
            error_message="The import stopped on an unexpected error; it can be run again safely.",
        )
        raise
    return job.status


@task()
def check_feed(job_id: int) -> str:
    return _run(job_id, commit=False)


@task()
def commit_feed(job_id: int) -> str:
    return _run(job_id, commit=True)
