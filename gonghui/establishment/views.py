"""Console pages of 建会: coverage table with drill-down, board by stage, case list and case page."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError, NotFound
from gonghui.core.uploads import private_file_response
from gonghui.enterprises.access import access_enterprise
from gonghui.establishment import actions, queries
from gonghui.establishment.access import access_case
from gonghui.establishment.forms import (
    ApprovalForm,
    AssemblyForm,
    EstablishForm,
    OpenCaseForm,
    PreparatoryGroupForm,
    ReasonForm,
    RegistrationForm,
    SimpleStageForm,
)
from gonghui.establishment.models import STAGE_ORDER, Establishment, Stage, StageRecord, stage_index
from gonghui.establishment.rules import default_rules
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.queries import units_in_scope
from gonghui.orgs.scope import RANK_MANAGE_ENTERPRISES, rank_at

PAGE_SIZE = 50


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@staff_required
def coverage(request: HttpRequest) -> HttpResponse:
    """Per district (or, drilled down, per street of one district): 100+ enterprises, with a union, in
    the pipeline by stage, 建会率 — and the uncovered ones to act on."""
    district_code = request.GET.get("district", "").strip()[:12]
    street_code = request.GET.get("street", "").strip()[:12]
    table = queries.coverage(acting_user=request.user, district_code=district_code, street_code=street_code)
    uncovered = queries.uncovered_enterprises(
        acting_user=request.user, district_code=district_code, street_code=street_code
    )
    page = _page(request, uncovered)
    cases = queries.open_case_ids([e.pk for e in page.object_list])
    stages = [(s, Stage(s).label) for s in STAGE_ORDER[:-1]]
    return render(
        request,
        "establishment/coverage.html",
        {
            "table": table,
            "stages": stages,
            "page": page,
            "uncovered": [(e, cases.get(e.pk)) for e in page.object_list],
            "district_code": district_code,
            "street_code": street_code,
            "drill": "street" if district_code or street_code else "district",
        },
    )


@staff_required
def board(request: HttpRequest) -> HttpResponse:
    street_code = request.GET.get("street", "").strip()[:12]
    today = timezone.localdate()
    columns = queries.case_board(acting_user=request.user, street_code=street_code)
    return render(
        request,
        "establishment/board.html",
        {"columns": columns, "today": today, "street_code": street_code},
    )


ATTENTION = [("", _("All")), ("overdue", _("Follow-up overdue")), ("stalled", _("Stalled"))]


@staff_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The officer's list: filter by stage, status, overdue follow-up or stalled."""
    stage = request.GET.get("stage", "")
    status = request.GET.get("status", "")
    attention = request.GET.get("attention", "")
    search = request.GET.get("q", "").strip()[:100]
    today = timezone.localdate()
    cases = queries.list_cases(
        acting_user=request.user,
        stage=stage if stage in Stage.values else None,
        status=status if status in Establishment.Status.values else None,
        attention=attention if attention in ("overdue", "stalled") else None,
        search=search,
        today=today,
    )
    page = _page(request, cases)
    stalled_days = default_rules().stalled_after_days
    rows = [
        (c, queries.is_overdue(c, today), queries.is_stalled(c, today, stalled_days))
        for c in page.object_list
    ]
    return render(
        request,
        "establishment/case_list.html",
        {
            "page": page,
            "rows": rows,
            "stage": stage,
            "status": status,
            "attention": attention,
            "q": search,
            "stages": Stage.choices,
            "statuses": Establishment.Status.choices,
            "attentions": ATTENTION,
        },
    )


@staff_required
def case_open(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = access_enterprise(request.user, enterprise_id, write=True)
    form = OpenCaseForm(request.POST or None, initial={"stage_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            case = actions.do_open_case(
                acting_user=request.user,
                enterprise=enterprise,
                stage_date=form.cleaned_data["stage_date"],
                next_follow_up_date=form.cleaned_data["next_follow_up_date"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("establishment:case", case_id=case.pk)
    return render(request, "establishment/case_open.html", {"form": form, "enterprise": enterprise})


@staff_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)
    today = timezone.localdate()
    can_edit = rank_at(request.user, case.enterprise.managing_unit) >= RANK_MANAGE_ENTERPRISES
    current = stage_index(case.stage)
    next_stage = STAGE_ORDER[stage_index(case.stage) + 1] if case.stage != Stage.ESTABLISHED else None
    return render(
        request,
        "establishment/case_detail.html",
        {
            "case": case,
            "records": queries.case_timeline(case),
            "events": queries.case_events(case),
            "group": case.preparatory_members.order_by("-is_leader", "pk"),
            "applicants": case.applicants.order_by("pk"),
            "can_edit": can_edit and case.status == Establishment.Status.OPEN,
            "can_reopen": can_edit
            and case.status in (Establishment.Status.PAUSED, Establishment.Status.DROPPED),
            "can_pause": can_edit and case.status == Establishment.Status.OPEN,
            "next_stage": next_stage,
            "next_stage_label": Stage(next_stage).label if next_stage else "",
            "overdue": queries.is_overdue(case, today),
            "stalled": queries.is_stalled(case, today, default_rules().stalled_after_days),
            "today": today,
            "stage_steps": [
                (Stage(s).label, "done" if i < current else "now" if i == current else "")
                for i, s in enumerate(STAGE_ORDER)
            ],
        },
    )


STAGE_FORMS: dict[str, Any] = {
    Stage.VISITED: SimpleStageForm,
    Stage.ENTERPRISE_MEETING: SimpleStageForm,
    Stage.INTENT_SIGNED: SimpleStageForm,
    Stage.PREPARATORY_GROUP: PreparatoryGroupForm,
    Stage.APPROVED_BY_SUPERIOR: ApprovalForm,
    Stage.FOUNDING_ASSEMBLY: AssemblyForm,
    Stage.REGISTERED: RegistrationForm,
}


def _joint_units(request: HttpRequest) -> Any:
    return units_in_scope(request.user).filter(kind=OrgUnit.Kind.JOINT, status="ACTIVE").order_by("path")


@staff_required
def case_record_stage(request: HttpRequest, case_id: int, stage: str) -> HttpResponse:
    case = access_case(request.user, case_id, write=True)
    if stage not in STAGE_FORMS:
        raise NotFound()
    form_class = STAGE_FORMS[stage]
    kwargs: dict[str, Any] = {"initial": {"stage_date": timezone.localdate(), "stage": stage}}
    if form_class is PreparatoryGroupForm:
        kwargs["joint_units"] = _joint_units(request)
    form = form_class(request.POST or None, request.FILES or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            _record(request, case, form)
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("establishment:case", case_id=case.pk)
    return render(
        request,
        "establishment/stage_form.html",
        {"case": case, "form": form, "stage": stage, "stage_label": Stage(stage).label},
    )


def _record(request: HttpRequest, case: Establishment, form: Any) -> None:
    """The one action for the stage's form."""
    step = form.step()
    d = form.cleaned_data
    if isinstance(form, PreparatoryGroupForm):
        actions.do_form_preparatory_group(
            acting_user=request.user,
            case=case,
            step=step,
            members=form.members(),
            union_path=d["union_path"],
            union_path_reason=d["union_path_reason"],
            expected_members=d["expected_members"] or 0,
            joint_unit=d["joint_unit"],
        )
    elif isinstance(form, ApprovalForm):
        actions.do_record_approval(
            acting_user=request.user, case=case, step=step, document_number=d["document_number"]
        )
    elif isinstance(form, AssemblyForm):
        actions.do_record_founding_assembly(
            acting_user=request.user, case=case, step=step, facts=form.facts()
        )
    elif isinstance(form, RegistrationForm):
        actions.do_record_registration(
            acting_user=request.user,
            case=case,
            step=step,
            certificate_number=d["certificate_number"],
            union_uscc=d["union_uscc"],
        )
    else:
        actions.do_record_stage(acting_user=request.user, case=case, step=step)


@staff_required
def case_establish(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id, write=True)
    suggested = f"{case.enterprise.managing_unit.code}-{case.pk}"
    form = EstablishForm(
        request.POST or None, initial={"union_code": suggested, "union_name": f"{case.enterprise.name}工会"}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            outcome = actions.establish_union(
                acting_user=request.user,
                case=case,
                spec=actions.UnionSpec(
                    code=d["union_code"],
                    name=d["union_name"],
                    chair_username=d["chair_username"],
                    chair_password=d["chair_password"],
                ),
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(
                request,
                _("The union is established; %(n)d applicants enrolled, %(t)d transfers proposed.")
                % {"n": outcome.enrolled, "t": outcome.transfers_proposed},
            )
            return redirect("establishment:case", case_id=case.pk)
    return render(request, "establishment/establish_form.html", {"case": case, "form": form})


STATUS_ACTIONS = {
    "pause": (actions.do_pause_case, _("Pause the case")),
    "drop": (actions.do_drop_case, _("Drop the case")),
    "reopen": (actions.do_reopen_case, _("Reopen the case")),
}


@staff_required
def case_status(request: HttpRequest, case_id: int, change: str) -> HttpResponse:
    case = access_case(request.user, case_id, write=True)
    if change not in STATUS_ACTIONS:
        raise NotFound()
    action, title = STATUS_ACTIONS[change]
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(acting_user=request.user, case=case, reason=form.cleaned_data["reason"])
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("establishment:case", case_id=case.pk)
    return render(request, "establishment/reason_form.html", {"case": case, "form": form, "title": title})


@staff_required
@require_POST
def case_refresh(request: HttpRequest, case_id: int) -> HttpResponse:
    """Look again for enterprise meetings and letters of intent that move the case."""
    case = access_case(request.user, case_id, write=True)
    actions.do_sync_case_from_records(acting_user=request.user, enterprise_id=case.enterprise_id)
    return redirect("establishment:case", case_id=case.pk)


@staff_required
def evidence(request: HttpRequest, case_id: int, record_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)
    record = StageRecord.objects.filter(case=case, pk=record_id).exclude(evidence="").first()
    if record is None:
        raise NotFound()
    response: HttpResponse = private_file_response(  # type: ignore[assignment]
        record.evidence,
        content_type=record.evidence_content_type,
        filename=f"evidence-{record.pk}.{(record.evidence.name or '').rsplit('.', 1)[-1]}",
    )
    return response
