"""Console pages of 二次报销: claims (union officers: their members'; district and city: queues and totals
by district), a claim with its calculation and receipts, the manual claim, plans, and feed imports."""

import io
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gonghui.benefits import queries, tasks
from gonghui.benefits.access import access_batch, access_claim, access_feed_job, access_plan, access_receipt
from gonghui.benefits.actions.feed import RANK_IMPORT_FEED, do_request_feed_commit, do_upload_settlement_feed
from gonghui.benefits.actions.manual import ManualClaimData, do_create_manual_claim
from gonghui.benefits.actions.payouts import do_create_payout_batches
from gonghui.benefits.actions.plans import (
    do_create_benefit_plan,
    do_supersede_benefit_plan,
    do_update_benefit_plan,
)
from gonghui.benefits.actions.review import do_review_claim
from gonghui.benefits.eligibility import Refusal
from gonghui.benefits.feed_file import COLUMNS, write_feed
from gonghui.benefits.forms import (
    FeedUploadForm,
    ManualClaimForm,
    PlanForm,
    ReviewForm,
    SelfPhoneForm,
    to_fen,
)
from gonghui.benefits.models import BenefitKind, ReimbursementClaim
from gonghui.core.access import parse_id
from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError, NotFound
from gonghui.core.http import client_ip
from gonghui.core.uploads import private_file_response
from gonghui.members.queries import search_members
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.queries import units_in_scope

PAGE_SIZE = 50
PROBLEMS_SHOWN = 500


def _choice(value: str, choices: Any) -> str:
    return value if value in {c[0] for c in choices} else ""


@staff_required
def claim_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    filters = queries.ClaimFilters(
        status=_choice(params.get("status", ""), ReimbursementClaim.Status.choices),
        kind=_choice(params.get("kind", ""), BenefitKind.choices),
        refusal_code=_choice(params.get("refusal", ""), Refusal.choices),
        source=_choice(params.get("source", ""), ReimbursementClaim.Source.choices),
        union_id=parse_id(params.get("union")),
    )
    claims = queries.list_claims(acting_user=request.user, filters=filters)
    page = Paginator(claims, PAGE_SIZE).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "benefits/claim_list.html",
        {
            "page": page,
            "totals": queries.claim_totals(claims),
            "districts": queries.totals_by_district(acting_user=request.user),
            "filters": filters,
            "statuses": ReimbursementClaim.Status.choices,
            "kinds": BenefitKind.choices,
            "refusals": Refusal.choices,
            "sources": ReimbursementClaim.Source.choices,
            "query": query.urlencode(),
        },
    )


@staff_required
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = access_claim(request.user, claim_id)
    return render(
        request,
        "benefits/claim_detail.html",
        {
            "claim": claim,
            "refusal_label": Refusal(claim.refusal_code).label if claim.refusal_code else "",
            "receipts": claim.receipts.order_by("pk"),
            "adjustments": claim.adjustments.order_by("pk"),
            "payouts": claim.payouts.select_related("batch").order_by("pk"),
            "review_form": ReviewForm() if claim.status == ReimbursementClaim.Status.REVIEW else None,
        },
    )


@staff_required
def receipt_file(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = access_receipt(request.user, receipt_id)
    extension = (receipt.file.name or "").rsplit(".", 1)[-1]
    return private_file_response(  # type: ignore[return-value]  # a streaming response, served like any other
        receipt.file, content_type=receipt.content_type, filename=f"receipt-{receipt.pk}.{extension}"
    )


@staff_required
def claim_new(request: HttpRequest) -> HttpResponse:
    form = ManualClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        membership = search_members(acting_user=request.user, text=values["resident_id"]).first()
        if membership is None or len(values["resident_id"].strip()) < 15:
            form.add_error("resident_id", NotFound.default_message)
        else:
            try:
                claim = do_create_manual_claim(
                    acting_user=request.user,
                    membership=membership,
                    data=ManualClaimData(
                        kind=values["kind"],
                        service_date=values["service_date"],
                        hospital=values["hospital"],
                        hospital_level=values["hospital_level"],
                        total_cost_fen=to_fen(values["total_cost"]),
                        covered_fen=to_fen(values["covered"]),
                        self_paid_in_scope_fen=to_fen(values["self_paid_in_scope"]),
                        note=values["note"],
                    ),
                    receipts=values["receipts"],
                )
            except DomainError as error:
                apply_error(form, error)
            else:
                messages.success(request, gettext_lazy("The claim was filed."))
                return redirect("benefits:claim", claim_id=claim.pk)
    return render(request, "benefits/claim_form.html", {"form": form})


# ---- plans -----------------------------------------------------------------------------------------


@staff_required
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = queries.list_plans(acting_user=request.user)
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "benefits/plan_list.html", {"page": page, "total": page.paginator.count})


@staff_required
def plan_new(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = do_create_benefit_plan(acting_user=request.user, data=form.to_data())
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("benefits:plan", plan_id=plan.pk)
    return render(request, "benefits/plan_form.html", {"form": form})


@staff_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan's rules; the form under them corrects it while unused, supersedes it once used."""
    plan = access_plan(request.user, plan_id)
    in_use = queries.plan_in_use(plan)
    form = PlanForm(request.POST or None, initial=PlanForm.initial_from(plan))
    if request.method == "POST" and form.is_valid():
        action = do_supersede_benefit_plan if in_use else do_update_benefit_plan
        try:
            plan = action(acting_user=request.user, plan=plan, data=form.to_data())
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, gettext_lazy("Saved."))
            return redirect("benefits:plan", plan_id=plan.pk)
    return render(request, "benefits/plan_detail.html", {"plan": plan, "in_use": in_use, "form": form})


# ---- the settlement feed ---------------------------------------------------------------------------


def _feed_units(request: HttpRequest) -> Any:
    return (
        units_in_scope(request.user, min_rank=RANK_IMPORT_FEED)
        .filter(kind__in=[OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT])
        .order_by("path")
    )


@staff_required
def feed_list(request: HttpRequest) -> HttpResponse:
    form = FeedUploadForm(request.POST or None, request.FILES or None, units=_feed_units(request))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = do_upload_settlement_feed(
                acting_user=request.user,
                unit=form.cleaned_data["unit"],
                upload=upload,
                original_name=upload.name,
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            tasks.check_feed.enqueue(job.pk)
            return redirect("benefits:feed", job_id=job.pk)
    jobs = queries.list_feed_jobs(acting_user=request.user)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "benefits/feed_list.html", {"form": form, "page": page, "columns": COLUMNS})


@staff_required
def feed_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_feed_job(request.user, job_id)
    problems = queries.list_feed_problems(acting_user=request.user, job=job)[:PROBLEMS_SHOWN]
    template = (
        "benefits/feed_progress.html" if request.headers.get("HX-Request") else "benefits/feed_detail.html"
    )
    return render(request, template, {"job": job, "problems": problems, "shown": PROBLEMS_SHOWN})


@staff_required
@require_POST
def feed_commit(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_feed_job(request.user, job_id)
    try:
        do_request_feed_commit(acting_user=request.user, job=job)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        tasks.commit_feed.enqueue(job.pk)
    return redirect("benefits:feed", job_id=job.pk)


@staff_required
def feed_report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_feed_job(request.user, job_id)
    if not job.report_file:
        raise NotFound()
    return FileResponse(  # type: ignore[return-value]
        job.report_file.open("rb"), as_attachment=True, filename=f"结算导入问题报告-{job.pk}.xlsx"
    )


@staff_required
def feed_template(request: HttpRequest) -> HttpResponse:
    buffer = io.BytesIO()
    write_feed(buffer, [])
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename="医保结算明细模板.xlsx")  # type: ignore[return-value]


# ---- review, payouts, reconciliation ---------------------------------------------------------------


@staff_required
@require_POST
def claim_review(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = access_claim(request.user, claim_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            do_review_claim(
                acting_user=request.user,
                claim=claim,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, gettext_lazy("Saved."))
    else:
        messages.error(request, gettext_lazy("Choose approve or refuse."))
    return redirect("benefits:claim", claim_id=claim.pk)


@staff_required
def batch_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            outcome = do_create_payout_batches(acting_user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                gettext_lazy("%(n)s batch(es) sent to the bank; %(w)s claim(s) wait for a live card.")
                % {"n": len(outcome.batches), "w": outcome.without_card},
            )
        return redirect("benefits:batches")
    page = Paginator(queries.list_batches(acting_user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "benefits/batch_list.html", {"page": page})


@staff_required
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = access_batch(request.user, batch_id)
    payouts = queries.list_batch_payouts(acting_user=request.user, batch=batch)
    page = Paginator(payouts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "benefits/batch_detail.html", {"batch": batch, "page": page})


@staff_required
def reconciliation_report(request: HttpRequest) -> HttpResponse:
    report = queries.reconciliation(acting_user=request.user)
    return render(
        request,
        "benefits/reconciliation.html",
        {
            "report": report,
            "total_lines": [report.total],
            "batch_lines": [line for _batch, line in report.batches],
        },
    )


# ---- the member's own page (no login: the number proven by SMS code, as for the card) --------------

SELF_TICKET = "benefits_self_ticket"


def self_service(request: HttpRequest) -> HttpResponse:
    """Claims, amounts and payment status of the verified number's person — nothing else."""
    from gonghui.cards import selfservice

    phone = selfservice.verified_phone(request.session.get(SELF_TICKET, ""))
    form = SelfPhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("step") == "send":
                selfservice.do_send_card_self_code(
                    phone=form.cleaned_data["phone"], address=client_ip(request)
                )
                messages.success(
                    request, gettext_lazy("If this number belongs to a union member, a code is on its way.")
                )
                form = SelfPhoneForm(initial={"phone": form.cleaned_data["phone"]})
                return render(request, "benefits/self.html", {"form": form, "code_sent": True})
            request.session[SELF_TICKET] = selfservice.do_verify_card_self_code(
                phone=form.cleaned_data["phone"], code=form.cleaned_data["code"]
            )
            return redirect("benefits:self_service")
        except DomainError as error:
            apply_error(form, error)
            return render(
                request, "benefits/self.html", {"form": form, "code_sent": request.POST.get("step") != "send"}
            )
    if phone is None:
        return render(request, "benefits/self.html", {"form": form})
    claims = list(queries.claims_of_phone(phone))
    for claim in claims:
        claim.refusal_label = Refusal(claim.refusal_code).label if claim.refusal_code else ""  # type: ignore[attr-defined]
    return render(request, "benefits/self_status.html", {"claims": claims})
