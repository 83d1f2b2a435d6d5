from django import forms as django_forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError
from gonghui.orgs import actions, queries
from gonghui.orgs.access import access_org_unit
from gonghui.orgs.forms import MoveForm, RenameForm, UnitForm
from gonghui.orgs.scope import RANK_MANAGE_UNITS, rank_at


@staff_required
def tree(request: HttpRequest) -> HttpResponse:
    roots = queries.get_tree(acting_user=request.user)
    return render(request, "orgs/tree.html", {"roots": roots})


@staff_required
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = access_org_unit(request.user, unit_id)
    can_manage = rank_at(request.user, unit) >= RANK_MANAGE_UNITS
    child_kinds = actions.ALLOWED_CHILD_KINDS[unit.kind]
    create_form = UnitForm(prefix="new", initial={"region": unit.region_id}, child_kinds=child_kinds)
    move_units = queries.units_in_scope(request.user, min_rank=RANK_MANAGE_UNITS).filter(status="ACTIVE")
    forms = {
        "create_form": create_form,
        "rename_form": RenameForm(prefix="rename", initial={"name": unit.name}),
        "move_form": MoveForm(
            prefix="move", units=move_units.exclude(path__startswith=unit.path).order_by("path")
        ),
    }
    if request.method == "POST" and can_manage:
        op = request.POST.get("op")
        form: django_forms.Form
        try:
            if op == "create":
                form = forms["create_form"] = UnitForm(request.POST, prefix="new", child_kinds=child_kinds)
                if form.is_valid():
                    child = actions.do_create_org_unit(
                        acting_user=request.user, parent=unit, **form.cleaned_data
                    )
                    return redirect("orgs:unit_detail", unit_id=child.pk)
            elif op == "rename":
                form = forms["rename_form"] = RenameForm(request.POST, prefix="rename")
                if form.is_valid():
                    actions.do_rename_org_unit(
                        acting_user=request.user, unit=unit, name=form.cleaned_data["name"]
                    )
                    return redirect("orgs:unit_detail", unit_id=unit.pk)
            elif op == "move":
                form = forms["move_form"] = MoveForm(request.POST, prefix="move", units=move_units)
                if form.is_valid():
                    actions.do_move_org_unit(
                        acting_user=request.user, unit=unit, new_parent=form.cleaned_data["parent"]
                    )
                    return redirect("orgs:unit_detail", unit_id=unit.pk)
        except DomainError as error:
            apply_error(form, error)
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "can_manage": can_manage,
            "children": queries.list_children(acting_user=request.user, unit=unit),
            "ancestors": queries.list_ancestors(acting_user=request.user, unit=unit),
            **forms,
        },
    )


@staff_required
@require_POST
def unit_close(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = access_org_unit(request.user, unit_id, write=True)
    actions.do_close_org_unit(acting_user=request.user, unit=unit)
    return redirect("orgs:unit_detail", unit_id=unit.pk)
