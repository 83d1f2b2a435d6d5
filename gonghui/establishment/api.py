"""/api/v1/establishment/…: coverage, the board, cases and their stages. Parse -> access -> one action or
query -> schema; domain errors answer 4xx {"code", "message"}."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from gonghui.accounts.models import User
from gonghui.core.access import get_in_scope
from gonghui.core.api_support import ERRORS, ErrorOut, Pagination
from gonghui.core.errors import InvalidInput
from gonghui.enterprises.access import access_enterprise
from gonghui.establishment import actions, queries, tasks
from gonghui.establishment.access import access_case, access_import
from gonghui.establishment.actions import Applicant, AssemblyFacts, GroupMember, StageStep, UnionSpec
from gonghui.establishment.models import (
    EnterpriseImport,
    Establishment,
    PipelineApplicant,
    Stage,
    StageRecord,
)
from gonghui.establishment.schemas import (
    ApplicantIn,
    ApplicantOut,
    ApprovalIn,
    AssemblyIn,
    BoardColumnOut,
    CaseDetailOut,
    CaseOpenIn,
    CaseOut,
    CoverageOut,
    EnterpriseImportOut,
    EstablishIn,
    EstablishOut,
    PreparatoryGroupIn,
    ReasonIn,
    RegistrationIn,
    SimpleStageIn,
    StageRecordOut,
    StepIn,
)
from gonghui.orgs.access import access_org_unit
from gonghui.orgs.queries import units_in_scope

router = Router(tags=["establishment"])


def _step(payload: StepIn, stage: str) -> StageStep:
    return StageStep(
        stage=stage,
        stage_date=payload.stage_date,
        next_follow_up_date=payload.next_follow_up_date,
        note=payload.note,
        skip_reason=payload.skip_reason,
    )


def _detail(case: Establishment) -> Establishment:
    case.timeline = queries.case_timeline(case)  # type: ignore[attr-defined]
    return case


@router.get("/coverage", response={200: CoverageOut, **ERRORS})
def coverage(request: HttpRequest, district: str = "", street: str = "") -> dict[str, Any]:
    table = queries.coverage(acting_user=request.user, district_code=district[:12], street_code=street[:12])

    def row(r: queries.CoverageRow) -> dict[str, Any]:
        return {
            "code": r.code,
            "name": r.name,
            "target": r.target,
            "with_union": r.with_union,
            "in_pipeline": r.in_pipeline,
            "uncovered": r.uncovered,
            "rate": r.rate,
            "by_stage": r.by_stage,
        }

    return {"threshold": table.threshold, "rows": [row(r) for r in table.rows], "total": row(table.total)}


@router.get("/board", response={200: list[BoardColumnOut], **ERRORS})
def board(request: HttpRequest, street: str = "") -> list[Any]:
    return queries.case_board(acting_user=request.user, street_code=street[:12] or None)


@router.get("/cases", response={200: list[CaseOut], **ERRORS})
@paginate(Pagination)
def list_cases(  # type: ignore[no-untyped-def]
    request: HttpRequest, stage: str = "", status: str = "", attention: str = "", q: str = ""
):
    return queries.list_cases(
        acting_user=request.user,
        stage=stage if stage in Stage.values else None,
        status=status if status in Establishment.Status.values else None,
        attention=attention if attention in ("overdue", "stalled") else None,
        search=q[:100],
        today=timezone.localdate(),
    ).select_related("enterprise")


@router.post("/cases", response={201: CaseDetailOut, **ERRORS})
def open_case(request: HttpRequest, payload: CaseOpenIn) -> tuple[int, Establishment]:
    enterprise = access_enterprise(request.user, payload.enterprise_id, write=True)
    case = actions.do_open_case(
        acting_user=request.user,
        enterprise=enterprise,
        stage_date=payload.stage_date,
        next_follow_up_date=payload.next_follow_up_date,
        note=payload.note,
    )
    return 201, _detail(case)


@router.get("/cases/{int:case_id}", response={200: CaseDetailOut, **ERRORS})
def get_case(request: HttpRequest, case_id: int) -> Establishment:
    return _detail(access_case(request.user, case_id))


@router.post("/cases/{int:case_id}/stages", response={201: StageRecordOut, **ERRORS})
def record_stage(request: HttpRequest, case_id: int, payload: SimpleStageIn) -> tuple[int, StageRecord]:
    case = access_case(request.user, case_id, write=True)
    step = _step(payload, str(payload.stage))
    return 201, actions.do_record_stage(acting_user=request.user, case=case, step=step)


@router.post("/cases/{int:case_id}/preparatory-group", response={201: StageRecordOut, **ERRORS})
def form_preparatory_group(
    request: HttpRequest, case_id: int, payload: PreparatoryGroupIn
) -> tuple[int, StageRecord]:
    case = access_case(request.user, case_id, write=True)
    joint = access_org_unit(request.user, payload.joint_unit_id) if payload.joint_unit_id else None
    record = actions.do_form_preparatory_group(
        acting_user=request.user,
        case=case,
        step=_step(payload, Stage.PREPARATORY_GROUP),
        members=[GroupMember(**m.dict()) for m in payload.members],
        union_path=str(payload.union_path),
        union_path_reason=payload.union_path_reason,
        expected_members=payload.expected_members,
        joint_unit=joint,
    )
    return 201, record


@router.post("/cases/{int:case_id}/approval", response={201: StageRecordOut, **ERRORS})
def record_approval(request: HttpRequest, case_id: int, payload: ApprovalIn) -> tuple[int, StageRecord]:
    case = access_case(request.user, case_id, write=True)
    record = actions.do_record_approval(
        acting_user=request.user,
        case=case,
        step=_step(payload, Stage.APPROVED_BY_SUPERIOR),
        document_number=payload.document_number,
    )
    return 201, record


@router.post("/cases/{int:case_id}/assembly", response={201: StageRecordOut, **ERRORS})
def record_assembly(request: HttpRequest, case_id: int, payload: AssemblyIn) -> tuple[int, StageRecord]:
    case = access_case(request.user, case_id, write=True)
    facts = AssemblyFacts(
        member_count=payload.member_count,
        members_present=payload.members_present,
        committee_size=payload.committee_size,
        chair_name=payload.chair_name,
        women_member_count=payload.women_member_count,
        funds_audit_committee=payload.funds_audit_committee,
        women_committee=payload.women_committee,
        term_years=payload.term_years,
    )
    record = actions.do_record_founding_assembly(
        acting_user=request.user, case=case, step=_step(payload, Stage.FOUNDING_ASSEMBLY), facts=facts
    )
    return 201, record


@router.post("/cases/{int:case_id}/registration", response={201: StageRecordOut, **ERRORS})
def record_registration(
    request: HttpRequest, case_id: int, payload: RegistrationIn
) -> tuple[int, StageRecord]:
    case = access_case(request.user, case_id, write=True)
    record = actions.do_record_registration(
        acting_user=request.user,
        case=case,
        step=_step(payload, Stage.REGISTERED),
        certificate_number=payload.certificate_number,
        union_uscc=payload.union_uscc,
    )
    return 201, record


@router.post("/cases/{int:case_id}/establish", response={200: EstablishOut, **ERRORS})
def establish(request: HttpRequest, case_id: int, payload: EstablishIn) -> dict[str, Any]:
    case = access_case(request.user, case_id, write=True)
    chair = None
    if payload.chair_user_id is not None:
        # A chair already known to the system, within the officer's reach (a staff login they can see).
        chair = get_in_scope(
            User.objects.filter(pk__in=units_in_scope(request.user).values("role_assignments__user")),
            payload.chair_user_id,
        )
    if chair is None and not payload.chair_username:
        raise InvalidInput(field="chair_username")
    outcome = actions.establish_union(
        acting_user=request.user,
        case=case,
        spec=UnionSpec(
            code=payload.union_code,
            name=payload.union_name,
            chair_user=chair,
            chair_username=payload.chair_username,
            chair_password=payload.chair_password,
        ),
    )
    return {
        "case": outcome.case,
        "union_id": outcome.union.pk,
        "enrolled": outcome.enrolled,
        "transfers_proposed": outcome.transfers_proposed,
        "refused": len(outcome.refused),
    }


@router.post("/cases/{int:case_id}/applicants", response={201: ApplicantOut, **ERRORS})
def add_applicant(request: HttpRequest, case_id: int, payload: ApplicantIn) -> tuple[int, PipelineApplicant]:
    case = access_case(request.user, case_id, write=True)
    row = actions.do_add_applicant(
        acting_user=request.user,
        case=case,
        applicant=Applicant(
            name=payload.name,
            resident_id=payload.resident_id,
            phone=payload.phone,
            source=str(payload.source),
            consent_given=payload.consent_given,
        ),
    )
    return 201, row


@router.post("/cases/{int:case_id}/pause", response={200: CaseOut, **ERRORS})
def pause_case(request: HttpRequest, case_id: int, payload: ReasonIn) -> Establishment:
    case = access_case(request.user, case_id, write=True)
    return actions.do_pause_case(acting_user=request.user, case=case, reason=payload.reason)


@router.post("/cases/{int:case_id}/drop", response={200: CaseOut, **ERRORS})
def drop_case(request: HttpRequest, case_id: int, payload: ReasonIn) -> Establishment:
    case = access_case(request.user, case_id, write=True)
    return actions.do_drop_case(acting_user=request.user, case=case, reason=payload.reason)


@router.post("/cases/{int:case_id}/reopen", response={200: CaseOut, **ERRORS})
def reopen_case(request: HttpRequest, case_id: int, payload: ReasonIn) -> Establishment:
    case = access_case(request.user, case_id, write=True)
    return actions.do_reopen_case(acting_user=request.user, case=case, reason=payload.reason)


# --- enterprise lists -------------------------------------------------------------------------------


@router.post("/imports", response={202: EnterpriseImportOut, **ERRORS, 413: ErrorOut})
def upload_enterprise_list(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008 - ninja's way of declaring a file part
    managing_unit_id: int = Form(...),
    source: str = Form("OTHER"),
) -> tuple[int, EnterpriseImport]:
    """Upload an enterprise list (.xlsx, .xls, .ods or .csv, multipart). It is checked at once as a dry run
    (a job); poll GET /imports/{id} until status is CHECKED, then POST /imports/{id}/import."""
    unit = access_org_unit(request.user, managing_unit_id)
    job = actions.do_upload_enterprise_list(
        acting_user=request.user,
        managing_unit=unit,
        source=source,
        upload=file,
        original_name=file.name or "list",
    )
    tasks.check_enterprise_list.enqueue(job.pk)
    job.refresh_from_db()
    return 202, job


@router.get("/imports/{int:job_id}", response={200: EnterpriseImportOut, **ERRORS})
def enterprise_list_status(request: HttpRequest, job_id: int) -> EnterpriseImport:
    return access_import(request.user, job_id)


@router.post("/imports/{int:job_id}/import", response={202: EnterpriseImportOut, **ERRORS})
def import_enterprise_list(request: HttpRequest, job_id: int) -> tuple[int, EnterpriseImport]:
    """Import the good rows of a checked list (once); the job's counters then say what was written."""
    job = actions.do_request_enterprise_import(
        acting_user=request.user, job=access_import(request.user, job_id)
    )
    tasks.import_enterprise_list.enqueue(job.pk)
    job.refresh_from_db()
    return 202, job
