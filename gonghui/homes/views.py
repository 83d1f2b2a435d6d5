"""Console pages of 职工之家: parse → access → one action or query → render."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gonghui.core.access import parse_id
from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError, Forbidden
from gonghui.core.uploads import private_file_response
from gonghui.homes import queries
from gonghui.homes.access import (
    access_application,
    access_check_photo,
    access_facility,
    access_facility_photo,
    access_funding,
    access_funding_document,
    access_home,
)
from gonghui.homes.actions import funding as funding_actions
from gonghui.homes.actions import homes as home_actions
from gonghui.homes.actions import levels as level_actions
from gonghui.homes.actions.funding import funder_role
from gonghui.homes.forms import (
    AnswersForm,
    BudgetForm,
    DisbursementForm,
    EquipmentForm,
    FacilityForm,
    FundingForm,
    FundingRefusalForm,
    GrantForm,
    OpenHomeForm,
    PhotoForm,
    RefusalForm,
    SpendingForm,
    UsageForm,
    to_fen,
)
from gonghui.homes.models import (
    AwardedLevel,
    Budget,
    FundingApplication,
    LevelApplication,
    StandardLevel,
    Step,
    StepDecision,
)
from gonghui.homes.roles import holds_role_over, holds_step
from gonghui.homes.rules import area_met, checklist_rows, current_award, facility_meets_checklist
from gonghui.orgs.access import access_org_unit
from gonghui.orgs.models import OrgUnit, Role
from gonghui.orgs.queries import units_in_scope
from gonghui.orgs.scope import held_roles, rank_at

PAGE_SIZE = 50


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _home_rows(homes: Any, today: Any) -> list[dict[str, Any]]:
    return [{"home": home, "award": current_award(home.awards.all(), today)} for home in homes]


@staff_required
def home_list(request: HttpRequest) -> HttpResponse:
    """Officers: homes in their area by the level held today, with filters. A union chair sees their own
    home on top (or opens it)."""
    today = timezone.localdate()
    standard = queries.current_standard()
    levels = list(queries.levels_of(standard)) if standard else []
    level_code = request.GET.get("level", "")
    if level_code not in {level.code for level in levels} | {"", "none"}:
        level_code = ""
    search = request.GET.get("q", "").strip()[:100]
    unit_id = parse_id(request.GET.get("unit"))
    unit = access_org_unit(request.user, unit_id) if unit_id else None
    homes = queries.list_homes(
        acting_user=request.user,
        today=today,
        level_code=level_code if level_code not in ("", "none") else None,
        without_level=level_code == "none",
        under_unit=unit,
        search=search,
    )
    page = _page(request, homes)
    return render(
        request,
        "homes/home_list.html",
        {
            "page": page,
            "rows": _home_rows(page.object_list, today),
            "levels": levels,
            "level": level_code,
            "q": search,
            "unit": unit,
            "my_homes": _home_rows(queries.homes_of_chair(request.user), today),
            "unions_without_home": queries.chair_unions_without_home(request.user),
            "queue_count": queries.application_queue(acting_user=request.user).count(),
        },
    )


@staff_required
@require_POST
def home_open(request: HttpRequest, union_id: int) -> HttpResponse:
    union = access_org_unit(request.user, union_id)
    form = OpenHomeForm(request.POST)
    if form.is_valid():
        try:
            home = home_actions.do_open_workers_home(
                acting_user=request.user, union=union, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            return redirect("homes:detail", home_id=home.pk)
    return redirect("homes:list")


@staff_required
def home_detail(request: HttpRequest, home_id: int) -> HttpResponse:
    home = access_home(request.user, home_id)
    today = timezone.localdate()
    facilities = [
        {"facility": f, "area_met": area_met(f), "met": facility_meets_checklist(f)}
        for f in queries.facilities_of(home)
    ]
    awards = list(home.awards.select_related("level").order_by("-awarded_date", "-pk"))
    standard = queries.current_standard()
    return render(
        request,
        "homes/home_detail.html",
        {
            "home": home,
            "facilities": facilities,
            "awards": awards,
            "award": current_award(awards, today),
            "applications": queries.list_applications(acting_user=request.user, home=home),
            "levels": list(queries.levels_of(standard)) if standard else [],
            "can_keep": rank_at(request.user, home.union) >= home_actions.RANK_KEEP_HOME,
            "can_apply": holds_step(request.user, home.union, Step.SELF),
            "funding": queries.list_funding(acting_user=request.user, home=home),
            "today": today,
        },
    )


@staff_required
def facility_add(request: HttpRequest, home_id: int) -> HttpResponse:
    home = access_home(request.user, home_id, write=True)
    form = FacilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            facility = home_actions.do_add_facility(
                acting_user=request.user,
                home=home,
                facility_type=form.cleaned_data["facility_type"],
                name=form.cleaned_data["name"],
                area_m2=form.cleaned_data["area_m2"],
                opening_hours=form.cleaned_data["opening_hours"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("homes:facility", facility_id=facility.pk)
    return render(request, "homes/facility_form.html", {"form": form, "home": home})


@staff_required
def facility_detail(request: HttpRequest, facility_id: int) -> HttpResponse:
    """The facility with its checklist (editable by whoever keeps the home), photos and monthly visits."""
    facility = access_facility(request.user, facility_id)
    can_keep = rank_at(request.user, facility.home.union) >= home_actions.RANK_KEEP_HOME
    action = request.POST.get("form") if request.method == "POST" else None
    equipment_form = EquipmentForm(request.POST if action == "equipment" else None, facility=facility)
    photo_form = PhotoForm(
        request.POST if action == "photo" else None, request.FILES if action == "photo" else None
    )
    usage_form = UsageForm(request.POST if action == "usage" else None)
    if action and not can_keep:
        raise Forbidden()
    try:
        if action == "equipment" and equipment_form.is_valid():
            home_actions.do_update_facility(
                acting_user=request.user,
                facility=facility,
                area_m2=equipment_form.cleaned_data["area_m2"],
                opening_hours=equipment_form.cleaned_data["opening_hours"],
                equipment=equipment_form.equipment(),
            )
            messages.success(request, _("Saved."))
            return redirect("homes:facility", facility_id=facility.pk)
        if action == "photo" and photo_form.is_valid():
            home_actions.do_add_facility_photo(
                acting_user=request.user,
                facility=facility,
                upload=photo_form.cleaned_data["photo"],
                caption=photo_form.cleaned_data["caption"],
            )
            messages.success(request, _("Photo added."))
            return redirect("homes:facility", facility_id=facility.pk)
        if action == "usage" and usage_form.is_valid():
            home_actions.do_record_facility_usage(
                acting_user=request.user,
                facility=facility,
                month=usage_form.cleaned_month(),
                visits=usage_form.cleaned_data["visits"],
            )
            messages.success(request, _("Saved."))
            return redirect("homes:facility", facility_id=facility.pk)
    except DomainError as error:
        forms_by_action: dict[str, Any] = {
            "equipment": equipment_form,
            "photo": photo_form,
            "usage": usage_form,
        }
        apply_error(forms_by_action[action or "equipment"], error)
    return render(
        request,
        "homes/facility_detail.html",
        {
            "facility": facility,
            "rows": checklist_rows(facility),
            "area_met": area_met(facility),
            "met": facility_meets_checklist(facility),
            "photos": facility.photos.order_by("-uploaded_at", "-pk"),
            "usage": facility.usage.order_by("-month")[:24],
            "can_keep": can_keep,
            "equipment_form": equipment_form,
            "photo_form": photo_form,
            "usage_form": usage_form,
        },
    )


@staff_required
def facility_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = access_facility_photo(request.user, photo_id)
    extension = (photo.file.name or "").rsplit(".", 1)[-1]
    return private_file_response(  # type: ignore[return-value]  # a streaming response, served like any other
        photo.file, content_type=photo.content_type, filename=f"photo-{photo.pk}.{extension}"
    )


@staff_required
def check_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = access_check_photo(request.user, photo_id)
    extension = (photo.file.name or "").rsplit(".", 1)[-1]
    return private_file_response(  # type: ignore[return-value]  # a streaming response, served like any other
        photo.file, content_type=photo.content_type, filename=f"check-{photo.pk}.{extension}"
    )


@staff_required
def apply(request: HttpRequest, home_id: int) -> HttpResponse:
    """The chair's self-assessment against a level of the standard in force; sending it applies."""
    home = access_home(request.user, home_id)
    standard = queries.current_standard()
    levels = list(queries.levels_of(standard)) if standard else []
    level = next((lv for lv in levels if str(lv.pk) == request.GET.get("level", "")), None)
    if level is None:
        return render(
            request, "homes/apply_choose.html", {"home": home, "levels": levels, "standard": standard}
        )
    form = AnswersForm(request.POST or None, level=level)
    if request.method == "POST" and form.is_valid():
        try:
            application = level_actions.do_apply_for_level(
                acting_user=request.user, home=home, level=level, answers=form.answers()
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Sent to the street federation for its recommendation."))
            return redirect("homes:application", application_id=application.pk)
    return render(
        request, "homes/apply_form.html", {"home": home, "level": level, "form": form, "standard": standard}
    )


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """Applications waiting for a step the user's role holds."""
    page = _page(request, queries.application_queue(acting_user=request.user))
    return render(request, "homes/queue.html", {"page": page})


def _can_act(request: HttpRequest, application: LevelApplication) -> bool:
    step = application.waiting_step
    return (
        step is not None
        and holds_step(request.user, application.home.union, step)
        and application.applied_by_id != request.user.pk
    )


@staff_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = queries.application_detail(access_application(request.user, application_id))
    return render(
        request,
        "homes/application_detail.html",
        {
            "application": application,
            "scores": sorted(application.scores.all(), key=lambda s: (s.item.position, s.item.pk)),
            "decisions": sorted(application.decisions.all(), key=lambda d: (d.decided_at, d.pk)),
            "can_act": _can_act(request, application),
            "refusal_form": RefusalForm(),
            "award": AwardedLevel.objects.filter(application=application).first(),
            "refused": StepDecision.Outcome.REFUSED,
        },
    )


@staff_required
@require_POST
def application_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    """Street recommendation, city approval, or a refusal with reason at the step it waits for."""
    application = access_application(request.user, application_id)
    decision = request.POST.get("decision")
    try:
        if decision == "refuse":
            form = RefusalForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the reason for the refusal."))
                return redirect("homes:application", application_id=application.pk)
            level_actions.do_refuse_application(
                acting_user=request.user, application=application, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Refused; the union sees the reason."))
        elif decision == "recommend":
            level_actions.do_recommend_application(acting_user=request.user, application=application)
            messages.success(request, _("Recommended; it now waits for the district's on-site check."))
        elif decision == "approve":
            level_actions.do_approve_application(acting_user=request.user, application=application)
            messages.success(request, _("Approved; the level is awarded."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("homes:application", application_id=application.pk)


@staff_required
def site_check(request: HttpRequest, application_id: int) -> HttpResponse:
    """The district officer's checklist at the on-site visit, laid out for a phone: each item, a note,
    photos, then pass or refuse with a reason."""
    application = access_application(request.user, application_id)
    form = AnswersForm(request.POST or None, level=application.level, with_notes=True)
    refusal = RefusalForm(request.POST if request.POST.get("decision") == "refuse" else None)
    if request.method == "POST" and form.is_valid():
        photos = request.FILES.getlist("photos")
        try:
            if request.POST.get("decision") == "refuse":
                if refusal.is_valid():
                    level_actions.do_refuse_application(
                        acting_user=request.user,
                        application=application,
                        reason=refusal.cleaned_data["reason"],
                        answers=form.answers(),
                        photos=photos,
                    )
                    messages.success(request, _("Refused; the union sees the reason."))
                    return redirect("homes:application", application_id=application.pk)
            else:
                level_actions.do_record_site_check(
                    acting_user=request.user, application=application, answers=form.answers(), photos=photos
                )
                messages.success(request, _("Check passed; it now waits for the city's approval."))
                return redirect("homes:application", application_id=application.pk)
        except DomainError as error:
            apply_error(form, error)
    return render(
        request,
        "homes/site_check.html",
        {
            "application": application,
            "form": form,
            "refusal": refusal,
            "can_act": _can_act(request, application),
        },
    )


@staff_required
def standard(request: HttpRequest) -> HttpResponse:
    current = queries.current_standard()
    return render(
        request,
        "homes/standard.html",
        {
            "standard": current,
            "levels": queries.levels_of(current) if current else [],
            "types": queries.list_facility_types(),
        },
    )


# --- funding: 建家经费补助 ------------------------------------------------------------------------------


def _funders(request: HttpRequest) -> Any:
    """The federations whose money the user decides on: the city (its administrators), a district (its
    officers)."""
    paths = [
        r.unit_path
        for r in held_roles(request.user)
        if (r.role == Role.CITY_ADMIN and r.unit_path.count("/") == 1) or r.role == Role.DISTRICT_OFFICER
    ]
    return OrgUnit.objects.filter(
        path__in=paths, kind__in=[OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT]
    ).order_by("path")


def _year(request: HttpRequest) -> int | None:
    value = parse_id(request.GET.get("year"))
    return value if value is not None and 2000 <= value <= 2100 else None


@staff_required
def budget_list(request: HttpRequest) -> HttpResponse:
    """Budget use per year: each funder's budget for each district, granted, paid and left."""
    year = _year(request)
    funders = _funders(request)
    form = BudgetForm(
        request.POST or None,
        funders=funders,
        districts=units_in_scope(request.user).filter(kind=OrgUnit.Kind.DISTRICT).order_by("path")
        if funders.exists()
        else OrgUnit.objects.none(),
        initial={"year": year or timezone.localdate().year},
    )
    if request.method == "POST" and form.is_valid():
        try:
            funding_actions.do_set_budget(
                acting_user=request.user,
                funder=form.cleaned_data["funder"],
                district=form.cleaned_data["district"],
                year=form.cleaned_data["year"],
                total_fen=to_fen(form.cleaned_data["total"]),
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    budgets = queries.list_budgets(acting_user=request.user, year=year)
    totals = budgets.aggregate(
        total=Sum("total_fen"), committed=Sum("committed_fen"), disbursed=Sum("disbursed_fen")
    )
    page = _page(request, budgets)
    return render(
        request,
        "homes/budget_list.html",
        {
            "page": page,
            "year": year,
            "years": queries.budget_years(request.user),
            "totals": totals,
            "form": form if funders.exists() else None,
        },
    )


@staff_required
def funding_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    status = request.GET.get("status", "")
    if status not in FundingApplication.Status.values:
        status = ""
    rows = queries.list_funding(acting_user=request.user, status=status or None, year=year)
    page = _page(request, rows)
    return render(
        request,
        "homes/funding_list.html",
        {
            "page": page,
            "year": year,
            "status": status,
            "statuses": FundingApplication.Status.choices,
            "years": queries.budget_years(request.user),
        },
    )


@staff_required
def funding_apply(request: HttpRequest, home_id: int) -> HttpResponse:
    home = access_home(request.user, home_id)
    standard = queries.current_standard()
    form = FundingForm(
        request.POST or None,
        facilities=queries.facilities_of(home),
        levels=queries.levels_of(standard) if standard else StandardLevel.objects.none(),
        initial={"year": timezone.localdate().year},
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = funding_actions.do_apply_for_funding(
                acting_user=request.user,
                home=home,
                year=form.cleaned_data["year"],
                purpose=form.cleaned_data["purpose"],
                amount_asked_fen=to_fen(form.cleaned_data["amount"]),
                facility=form.cleaned_data["facility"],
                level=form.cleaned_data["level"],
                quotes=request.FILES.getlist("quotes"),
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Sent; the federation decides on the amount."))
            return redirect("homes:funding", application_id=application.pk)
    return render(request, "homes/funding_form.html", {"form": form, "home": home})


@staff_required
def funding_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    """The application with its quotes, grant, instalments and spending reports, and the forms of whoever
    may act next (the funder's officer, the district's acceptance, the union's report)."""
    application = queries.funding_detail(access_funding(request.user, application_id))
    funders = _funders(request).filter(pk__in=[u.pk for u in _ancestors(application.home.union)])
    budgets = Budget.objects.filter(
        funder__in=funders, year=application.year, district__in=_ancestors(application.home.union)
    ).select_related("funder", "district")
    action = request.POST.get("form") if request.method == "POST" else None
    grant_form = GrantForm(request.POST if action == "grant" else None, budgets=budgets)
    refusal_form = FundingRefusalForm(request.POST if action == "refuse" else None, funders=funders)
    disbursement_form = DisbursementForm(request.POST if action == "disburse" else None)
    spending_form = SpendingForm(request.POST if action == "spending" else None)
    forms_by_action: dict[str, Any] = {
        "grant": grant_form,
        "refuse": refusal_form,
        "disburse": disbursement_form,
        "spending": spending_form,
    }
    try:
        done = _funding_step(request, application, action, forms_by_action)
    except DomainError as error:
        if action in forms_by_action:
            apply_error(forms_by_action[action], error)
        else:
            messages.error(request, error.message)
        done = False
    if done:
        return redirect("homes:funding", application_id=application.pk)
    union = application.home.union
    is_applicant = application.applied_by_id == request.user.pk
    return render(
        request,
        "homes/funding_detail.html",
        {
            "application": application,
            "forms": forms_by_action,
            "can_decide": application.status == "SUBMITTED" and funders.exists() and not is_applicant,
            "can_accept": application.status == "APPROVED"
            and application.accepted_at is None
            and holds_role_over(request.user, union, Role.DISTRICT_OFFICER),
            "can_disburse": application.status == "APPROVED"
            and application.budget is not None
            and holds_role_over(
                request.user, application.budget.funder, funder_role(application.budget.funder)
            ),
            "can_report": application.status == "APPROVED"
            and holds_role_over(request.user, union, Role.UNION_CHAIR),
        },
    )


def _ancestors(unit: OrgUnit) -> list[OrgUnit]:
    ids = [int(part) for part in unit.path.strip("/").split("/")]
    return list(OrgUnit.objects.filter(pk__in=ids))


def _funding_step(
    request: HttpRequest, application: FundingApplication, action: str | None, forms_by_action: dict[str, Any]
) -> bool:
    """Run the one action the posted form asks for; True when it was done."""
    form = forms_by_action.get(action or "")
    if action == "accept":
        funding_actions.do_accept_funded_work(acting_user=request.user, application=application)
        messages.success(request, _("Acceptance recorded."))
        return True
    if form is None or not form.is_valid():
        return False
    data = form.cleaned_data
    if action == "grant":
        funding_actions.do_approve_funding(
            acting_user=request.user,
            application=application,
            budget=data["budget"],
            amount_fen=to_fen(data["amount"]),
            pays_after_acceptance=data["pays_after_acceptance"],
        )
    elif action == "refuse":
        funding_actions.do_refuse_funding(
            acting_user=request.user, application=application, funder=data["funder"], reason=data["reason"]
        )
    elif action == "disburse":
        funding_actions.do_record_disbursement(
            acting_user=request.user,
            application=application,
            amount_fen=to_fen(data["amount"]),
            paid_date=data["paid_date"],
        )
    elif action == "spending":
        funding_actions.do_report_spending(
            acting_user=request.user,
            application=application,
            spent_fen=to_fen(data["spent"]),
            note=data["note"],
            receipts=request.FILES.getlist("receipts"),
        )
    messages.success(request, _("Saved."))
    return True


@staff_required
def funding_document(request: HttpRequest, document_id: int) -> HttpResponse:
    document = access_funding_document(request.user, document_id)
    extension = (document.file.name or "").rsplit(".", 1)[-1]
    return private_file_response(  # type: ignore[return-value]  # a streaming response, served like any other
        document.file,
        content_type=document.content_type,
        filename=f"{document.kind.lower()}-{document.pk}.{extension}",
    )
