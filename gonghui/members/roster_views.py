"""Console pages for rosters in and out: template, upload + dry run, report, commit with a progress bar,
and member exports."""

import io

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError, NotFound
from gonghui.members import actions, queries, tasks
from gonghui.members.access import access_export_job, access_import_job
from gonghui.members.actions import RANK_ENROL
from gonghui.members.roster import write_template
from gonghui.members.roster_forms import ExportForm, RosterUploadForm
from gonghui.members.views import _member_unions
from gonghui.orgs.queries import units_in_scope

PROBLEMS_SHOWN = 500


@staff_required
def roster_template(request: HttpRequest) -> HttpResponse:
    buffer = io.BytesIO()
    write_template(buffer)
    buffer.seek(0)
    return FileResponse(  # type: ignore[return-value]  # a streamed file is a response
        buffer, as_attachment=True, filename="会员花名册模板.xlsx"
    )


@staff_required
def roster_sample(request: HttpRequest) -> HttpResponse:
    """The demo story's 三标段 migrant-worker roster, slips included, to try the import with."""
    from gonghui.members.demo_roster import write_demo_roster

    buffer = io.BytesIO()
    write_demo_roster(buffer)
    buffer.seek(0)
    return FileResponse(  # type: ignore[return-value]  # a streamed file is a response
        buffer, as_attachment=True, filename="三标段农民工花名册（示例）.xlsx"
    )


@staff_required
def import_list(request: HttpRequest) -> HttpResponse:
    form = RosterUploadForm(
        request.POST or None, request.FILES or None, units=_member_unions(request, RANK_ENROL)
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = actions.do_upload_roster(
                acting_user=request.user,
                union=form.cleaned_data["union"],
                upload=upload,
                original_name=upload.name,
                confirm_area_warnings=form.cleaned_data["confirm_area_warnings"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            tasks.check_roster.enqueue(job.pk)
            return redirect("members:import_detail", job_id=job.pk)
    jobs = queries.list_import_jobs(acting_user=request.user)[:50]
    return render(request, "members/import_list.html", {"form": form, "jobs": jobs})


@staff_required
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import_job(request.user, job_id)
    problems = queries.list_import_problems(acting_user=request.user, job=job)[:PROBLEMS_SHOWN]
    template = (
        "members/import_progress.html" if request.headers.get("HX-Request") else "members/import_detail.html"
    )
    return render(request, template, {"job": job, "problems": problems, "shown": PROBLEMS_SHOWN})


@staff_required
@require_POST
def import_commit(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import_job(request.user, job_id)
    job = actions.do_request_roster_commit(acting_user=request.user, job=job)
    tasks.commit_roster.enqueue(job.pk)
    return redirect("members:import_detail", job_id=job.pk)


@staff_required
def import_report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import_job(request.user, job_id)
    if not job.report_file:
        raise NotFound()
    stem = job.original_name.rsplit(".", 1)[0][:80]
    return FileResponse(  # type: ignore[return-value]  # a streamed file is a response
        job.report_file.open("rb"), as_attachment=True, filename=f"{stem}-问题报告.xlsx"
    )


@staff_required
def export_list(request: HttpRequest) -> HttpResponse:
    units = units_in_scope(request.user).filter(status="ACTIVE").order_by("path")
    form = ExportForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            job = actions.do_request_member_export(
                acting_user=request.user,
                union=form.cleaned_data["union"],
                filters=form.filters(),
                file_format=form.cleaned_data["format"],
                reveal=form.cleaned_data["reveal"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            tasks.export_members.enqueue(job.pk)
            return redirect("members:export_detail", job_id=job.pk)
    jobs = queries.list_export_jobs(acting_user=request.user)[:50]
    return render(request, "members/export_list.html", {"form": form, "jobs": jobs})


@staff_required
def export_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_export_job(request.user, job_id)
    template = (
        "members/export_progress.html" if request.headers.get("HX-Request") else "members/export_detail.html"
    )
    return render(request, template, {"job": job})


@staff_required
def export_download(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_export_job(request.user, job_id)
    if not job.file:
        raise NotFound()
    suffix = "xlsx" if job.format == "XLSX" else "csv"
    return FileResponse(  # type: ignore[return-value]  # a streamed file is a response
        job.file.open("rb"), as_attachment=True, filename=f"会员名单-{job.pk}.{suffix}"
    )
