"""Jobs (django.tasks): an enterprise list's check (dry run) and its import. The console polls the job
row for progress; in development `gonghui up` runs a worker beside the server."""

from django.tasks import task

from gonghui.establishment.enterprise_import import run_enterprise_import
from gonghui.establishment.models import EnterpriseImport


def _run(job_id: int, *, commit: bool) -> str:
    job = EnterpriseImport.objects.select_related("managing_unit__region", "owner").get(pk=job_id)
    try:
        job = run_enterprise_import(job, commit=commit)
    except Exception:
        # The page must not poll a job that died: say so; the log has the traceback.
        EnterpriseImport.objects.filter(pk=job_id).update(
            status=EnterpriseImport.Status.FAILED,
            error_code="enterprise_import_failed",
            error_message="The import stopped on an unexpected error; it can be uploaded again safely.",
        )
        raise
    return job.status


@task()
def check_enterprise_list(job_id: int) -> str:
    return _run(job_id, commit=False)


@task()
def import_enterprise_list(job_id: int) -> str:
    return _run(job_id, commit=True)
