"""Console pages of the enterprise list import: upload, the job (progress, dry-run counts, report), import."""

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError
from gonghui.core.uploads import private_file_response
from gonghui.establishment import tasks
from gonghui.establishment.access import access_import
from gonghui.establishment.actions import do_request_enterprise_import, do_upload_enterprise_list
from gonghui.establishment.models import EnterpriseImport
from gonghui.establishment.queries import imports_in_scope
from gonghui.orgs.forms import UnitChoiceField
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.queries import units_in_scope
from gonghui.orgs.scope import RANK_MANAGE_ENTERPRISES


class EnterpriseListForm(forms.Form):
    managing_unit = UnitChoiceField(label=_("For"), queryset=OrgUnit.objects.none())
    source = forms.ChoiceField(label=_("Source of the list"), choices=EnterpriseImport.Source.choices)
    file = forms.FileField(label=_("File (.xlsx, .xls, .ods or .csv)"))

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["managing_unit"].queryset = units


@staff_required
def import_list(request: HttpRequest) -> HttpResponse:
    units = (
        units_in_scope(request.user, min_rank=RANK_MANAGE_ENTERPRISES)
        .filter(status="ACTIVE", kind__in=[OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT, OrgUnit.Kind.STREET])
        .order_by("path")
    )
    form = EnterpriseListForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = do_upload_enterprise_list(
                acting_user=request.user,
                managing_unit=form.cleaned_data["managing_unit"],
                source=form.cleaned_data["source"],
                upload=upload,
                original_name=upload.name or "",
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            tasks.check_enterprise_list.enqueue(job.pk)
            return redirect("establishment:import", job_id=job.pk)
    jobs = Paginator(
        imports_in_scope(request.user).select_related("managing_unit").order_by("-created_at", "-pk"), 20
    )
    return render(
        request,
        "establishment/import_list.html",
        {"form": form, "page": jobs.get_page(request.GET.get("page"))},
    )


@staff_required
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import(request.user, job_id)
    running = job.status in (
        EnterpriseImport.Status.QUEUED,
        EnterpriseImport.Status.CHECKING,
        EnterpriseImport.Status.IMPORTING,
    )
    percent = int(100 * job.rows_done / job.rows_total) if job.rows_total else 0
    return render(
        request,
        # htmx polls the progress block alone while the job runs.
        "establishment/import_progress.html"
        if request.headers.get("HX-Request")
        else "establishment/import_detail.html",
        {"job": job, "running": running, "percent": min(percent, 100)},
    )


@staff_required
@require_POST
def import_commit(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import(request.user, job_id)
    do_request_enterprise_import(acting_user=request.user, job=job)
    tasks.import_enterprise_list.enqueue(job.pk)
    return redirect("establishment:import", job_id=job.pk)


@staff_required
def import_report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_import(request.user, job_id)
    if not job.report_file:
        from gonghui.core.errors import NotFound

        raise NotFound()
    response: HttpResponse = private_file_response(  # type: ignore[assignment]
        job.report_file,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"enterprise-list-{job.pk}-problems.xlsx",
    )
    return response
