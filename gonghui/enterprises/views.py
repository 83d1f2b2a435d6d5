from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gonghui.accounts.actions import do_reveal_pii
from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError
from gonghui.core.pii import mask_phone
from gonghui.enterprises import actions, queries
from gonghui.enterprises.access import access_enterprise
from gonghui.enterprises.forms import EnterpriseForm
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.queries import units_in_scope
from gonghui.orgs.scope import RANK_MANAGE_ENTERPRISES, can_reveal_pii, rank_at

PAGE_SIZE = 200


def _managing_units(request: HttpRequest):  # type: ignore[no-untyped-def]
    return (
        units_in_scope(request.user, min_rank=RANK_MANAGE_ENTERPRISES)
        .filter(status="ACTIVE", kind__in=[OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT, OrgUnit.Kind.STREET])
        .order_by("path")
    )


@staff_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    no_union = request.GET.get("no_union") == "1"
    enterprises = queries.list_enterprises(
        acting_user=request.user, search=search, has_union=False if no_union else None
    )
    return render(
        request,
        "enterprises/enterprise_list.html",
        {"enterprises": enterprises[:PAGE_SIZE], "q": search, "no_union": no_union},
    )


@staff_required
def worksite_list(request: HttpRequest) -> HttpResponse:
    worksites = queries.list_worksites(acting_user=request.user)[:PAGE_SIZE]
    return render(request, "enterprises/worksite_list.html", {"worksites": worksites})


@staff_required
def enterprise_create(request: HttpRequest) -> HttpResponse:
    form = EnterpriseForm(request.POST or None, units=_managing_units(request))
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = actions.do_register_enterprise(
                acting_user=request.user, uscc=form.cleaned_data["uscc"], data=form.to_data()
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("enterprises:detail", enterprise_id=enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form})


@staff_required
def enterprise_edit(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = access_enterprise(request.user, enterprise_id, write=True)
    initial = {f: getattr(enterprise, f) for f in EnterpriseForm.base_fields if f != "uscc"}
    form = EnterpriseForm(request.POST or None, initial=initial, units=_managing_units(request), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_enterprise(acting_user=request.user, enterprise=enterprise, data=form.to_data())
        except DomainError as error:
            apply_error(form, error)
        else:
            return redirect("enterprises:detail", enterprise_id=enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "enterprise": enterprise})


@staff_required
def enterprise_detail(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = access_enterprise(request.user, enterprise_id)
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "contact_phone": mask_phone(enterprise.contact_phone),
            "can_edit": rank_at(request.user, enterprise.managing_unit) >= RANK_MANAGE_ENTERPRISES,
            "can_reveal": can_reveal_pii(request.user, enterprise.managing_unit) and enterprise.contact_phone,
        },
    )


@staff_required
@require_POST
def enterprise_reveal_phone(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """Show the full contact phone once, logged; answers an htmx swap of the masked value."""
    enterprise = access_enterprise(request.user, enterprise_id)
    value = do_reveal_pii(
        acting_user=request.user, obj=enterprise, field_name="contact_phone", unit=enterprise.managing_unit
    )
    return render(request, "core/revealed_value.html", {"value": value})
