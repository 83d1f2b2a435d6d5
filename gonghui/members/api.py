from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponseBase
from ninja import File, Form, Router, UploadedFile
from ninja.pagination import paginate

from gonghui.accounts.actions import do_reveal_pii
from gonghui.core.api_support import ERRORS, ErrorOut, Id, Pagination
from gonghui.core.errors import InvalidInput, NotFound
from gonghui.enterprises.access import access_enterprise, access_worksite
from gonghui.members import actions, queries, tasks
from gonghui.members.access import access_export_job, access_import_job, access_membership, access_transfer
from gonghui.members.actions import EnrolmentData
from gonghui.members.models import Channel, ExportJob, ImportJob, Membership, Transfer
from gonghui.members.schemas import (
    BulkApproveIn,
    BulkApproveOut,
    DecideIn,
    EnrolIn,
    EnrolOut,
    ExportIn,
    ExportJobOut,
    HistoryOut,
    ImportJobOut,
    ImportProblemOut,
    MemberOut,
    MembershipStatus,
    RejectIn,
    RevealIn,
    RevealOut,
    SearchIn,
    TransferOut,
)
from gonghui.orgs.access import access_org_unit

router = Router(tags=["members"])


@router.get("", response={200: list[MemberOut], **ERRORS})
@paginate(Pagination)
def search_members(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    q: str = "",
    union_id: Id | None = None,
    status: MembershipStatus | None = None,  # type: ignore[valid-type]
):
    """Search by name, or exactly by full resident ID or phone (through their blind indexes)."""
    return queries.search_members(acting_user=request.user, text=q, union_id=union_id, status=status)


@router.post("/search", response={200: list[MemberOut], **ERRORS})
@paginate(Pagination)
def search_members_by_body(request: HttpRequest, payload: SearchIn):  # type: ignore[no-untyped-def]
    """The same search with the terms in the body, for full resident IDs and phone numbers: a query
    string ends up in access logs and browser history."""
    return queries.search_members(
        acting_user=request.user, text=payload.q, union_id=payload.union_id, status=payload.status
    )


@router.get("/review-queue", response={200: list[MemberOut], **ERRORS})
@paginate(Pagination)
def review_queue(request: HttpRequest, union_id: Id | None = None):  # type: ignore[no-untyped-def]
    return queries.list_review_queue(acting_user=request.user, union_id=union_id)


@router.post("", response={201: EnrolOut, 200: EnrolOut, **ERRORS})
def enrol_member(request: HttpRequest, payload: EnrolIn) -> tuple[int, dict[str, Any]]:
    """Enrol from the console or an API client; the same action the phone, QR and import use."""
    union = access_org_unit(request.user, payload.union_id)
    employer = access_enterprise(request.user, payload.employer_id) if payload.employer_id else None
    worksite = access_worksite(request.user, payload.worksite_id) if payload.worksite_id is not None else None
    outcome = actions.do_enrol_member(
        acting_user=request.user,
        union=union,
        channel=Channel.CONSOLE,
        consent_given=payload.consent,
        confirm_area_warning=payload.confirm_area_warning,
        client_uuid=payload.client_uuid,
        data=EnrolmentData.from_form(payload, employer=employer, worksite=worksite),
    )
    body = {
        "kind": outcome.kind,
        "membership": outcome.membership,
        "transfer_id": outcome.transfer.pk if outcome.transfer else None,
        "warnings": outcome.warnings,
    }
    return (201 if outcome.kind in ("created", "transfer_proposed") else 200), body


@router.get("/transfers", response={200: list[TransferOut], **ERRORS})
@paginate(Pagination)
def list_transfers(request: HttpRequest, open_only: bool = False):  # type: ignore[no-untyped-def]
    return queries.list_transfers(acting_user=request.user, open_only=open_only)


@router.post("/transfers/{transfer_id}/decide", response={200: TransferOut, **ERRORS})
def decide_transfer(request: HttpRequest, transfer_id: int, payload: DecideIn) -> Transfer:
    transfer = access_transfer(request.user, transfer_id)
    return actions.do_decide_transfer(
        acting_user=request.user, transfer=transfer, approve=payload.approve, reason=payload.reason
    )


@router.post("/bulk-approve", response={200: BulkApproveOut, **ERRORS})
def bulk_approve(request: HttpRequest, payload: BulkApproveIn) -> dict[str, Any]:
    unit = access_org_unit(request.user, payload.union_id)
    memberships = list(
        queries.memberships_in_scope(request.user).filter(
            pk__in=payload.membership_ids, union__path__startswith=unit.path
        )
    )
    result = actions.do_bulk_approve_memberships(acting_user=request.user, memberships=memberships, unit=unit)
    missing = set(payload.membership_ids) - {m.pk for m in memberships}
    return {
        "approved": [m.pk for m in result.approved],
        "skipped": result.skipped | dict.fromkeys(missing, "not_found"),
    }


@router.get("/{int:membership_id}", response={200: MemberOut, **ERRORS})
def get_member(request: HttpRequest, membership_id: int) -> Membership:
    return access_membership(request.user, membership_id)


@router.get("/{int:membership_id}/history", response={200: list[HistoryOut], **ERRORS})
def member_history(request: HttpRequest, membership_id: int):  # type: ignore[no-untyped-def]
    membership = access_membership(request.user, membership_id)
    return queries.get_member_history(acting_user=request.user, person=membership.person)


@router.post("/{int:membership_id}/approve", response={200: MemberOut, **ERRORS})
def approve_member(request: HttpRequest, membership_id: int) -> Membership:
    membership = access_membership(request.user, membership_id)
    return actions.do_approve_membership(acting_user=request.user, membership=membership)


@router.post("/{int:membership_id}/reject", response={200: MemberOut, **ERRORS})
def reject_member(request: HttpRequest, membership_id: int, payload: RejectIn) -> Membership:
    membership = access_membership(request.user, membership_id)
    return actions.do_reject_membership(
        acting_user=request.user, membership=membership, reason=payload.reason
    )


@router.post("/{int:membership_id}/reveal", response={200: RevealOut, **ERRORS})
def reveal(request: HttpRequest, membership_id: int, payload: RevealIn) -> dict[str, str]:
    """The full resident ID or phone, for roles allowed to see it; every call is in the audit log."""
    membership = access_membership(request.user, membership_id)
    value = do_reveal_pii(
        acting_user=request.user, obj=membership.person, field_name=payload.field, unit=membership.union
    )
    return {"field": payload.field, "value": value}


# --- rosters in and out ---------------------------------------------------------------------------


@router.post("/imports", response={202: ImportJobOut, **ERRORS, 413: ErrorOut})
def upload_roster(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008 - ninja's way of declaring a file part
    union_id: int = Form(...),
    confirm_area_warnings: bool = Form(False),
) -> tuple[int, ImportJob]:
    """Upload a roster (.xlsx, .xls, .ods, .csv or Unicode text, multipart). It is checked at once as a
    dry run (a job); poll GET /imports/{id} until status is CHECKED, read /problems, then POST /commit."""
    union = access_org_unit(request.user, union_id)
    job = actions.do_upload_roster(
        acting_user=request.user,
        union=union,
        upload=file,
        original_name=file.name or "roster",
        confirm_area_warnings=confirm_area_warnings,
    )
    tasks.check_roster.enqueue(job.pk)
    job.refresh_from_db()
    return 202, job


@router.get("/imports/{job_id}", response={200: ImportJobOut, **ERRORS})
def import_status(request: HttpRequest, job_id: int) -> ImportJob:
    return access_import_job(request.user, job_id)


@router.get("/imports/{job_id}/problems", response={200: list[ImportProblemOut], **ERRORS})
@paginate(Pagination)
def import_problems(request: HttpRequest, job_id: int):  # type: ignore[no-untyped-def]
    job = access_import_job(request.user, job_id)
    return queries.list_import_problems(acting_user=request.user, job=job)


@router.post("/imports/{job_id}/commit", response={202: ImportJobOut, **ERRORS})
def commit_roster(request: HttpRequest, job_id: int) -> tuple[int, ImportJob]:
    """Import the good rows of a checked roster (once); the job's counters then say what was written."""
    job = actions.do_request_roster_commit(
        acting_user=request.user, job=access_import_job(request.user, job_id)
    )
    tasks.commit_roster.enqueue(job.pk)
    job.refresh_from_db()
    return 202, job


@router.get("/imports/{job_id}/report", response={200: None, **ERRORS})
def import_report(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """The roster as uploaded with a 问题 column (.xlsx)."""
    job = access_import_job(request.user, job_id)
    if not job.report_file:
        raise NotFound()
    return FileResponse(
        job.report_file.open("rb"), as_attachment=True, filename=f"roster-report-{job.pk}.xlsx"
    )


@router.post("/exports", response={202: ExportJobOut, **ERRORS})
def request_export(request: HttpRequest, payload: ExportIn) -> tuple[int, ExportJob]:
    """Members of your area, filtered, to .xlsx or .csv as a job. reveal=true only for roles allowed to
    see full IDs and phones (else 403); the export is in the audit log either way."""
    union = access_org_unit(request.user, payload.union_id) if payload.union_id else None
    if payload.channel and payload.channel not in Channel.values:
        raise InvalidInput(field="channel")
    filters = {
        "union_path": union.path if union else "",
        "status": payload.status or "",
        "channel": payload.channel or "",
        "date_from": payload.date_from.isoformat() if payload.date_from else "",
        "date_to": payload.date_to.isoformat() if payload.date_to else "",
    }
    job = actions.do_request_member_export(
        acting_user=request.user,
        union=union,
        filters={k: v for k, v in filters.items() if v},
        file_format=payload.format,
        reveal=payload.reveal,
    )
    tasks.export_members.enqueue(job.pk)
    job.refresh_from_db()
    return 202, job


@router.get("/exports/{job_id}", response={200: ExportJobOut, **ERRORS})
def export_status(request: HttpRequest, job_id: int) -> ExportJob:
    return access_export_job(request.user, job_id)


@router.get("/exports/{job_id}/file", response={200: None, **ERRORS})
def export_file(request: HttpRequest, job_id: int) -> HttpResponseBase:
    job = access_export_job(request.user, job_id)
    if not job.file:
        raise NotFound()
    suffix = "xlsx" if job.format == "XLSX" else "csv"
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=f"members-{job.pk}.{suffix}")
