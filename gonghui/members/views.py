from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gonghui.accounts.actions import do_reveal_pii
from gonghui.core.access import parse_id
from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError, InvalidInput
from gonghui.core.pii import mask_phone, mask_resident_id
from gonghui.members import actions, queries
from gonghui.members.access import access_membership, access_transfer
from gonghui.members.actions import RANK_ENROL, RANK_REVIEW
from gonghui.members.forms import DecideTransferForm, EnrolForm, RejectForm
from gonghui.members.models import Channel, Membership
from gonghui.orgs.access import access_org_unit
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.queries import units_in_scope
from gonghui.orgs.scope import can_reveal_pii, rank_at

PAGE_SIZE = 200


def _member_unions(request: HttpRequest, min_rank: int):  # type: ignore[no-untyped-def]
    return (
        units_in_scope(request.user, min_rank=min_rank)
        .filter(status="ACTIVE", kind__in=[OrgUnit.Kind.GRASSROOTS, OrgUnit.Kind.JOINT])
        .order_by("path")
    )


@staff_required
def member_list(request: HttpRequest) -> HttpResponse:
    # The search form posts: a resident ID or phone typed into it must not land in access logs.
    params = request.POST if request.method == "POST" else request.GET
    text = params.get("q", "").strip()
    status = params.get("status", "")
    memberships = queries.search_members(
        acting_user=request.user, text=text, status=status if status in Membership.Status.values else None
    )[:PAGE_SIZE]
    return render(
        request,
        "members/member_list.html",
        {"memberships": memberships, "q": text, "status": status, "statuses": Membership.Status.choices},
    )


@staff_required
def member_enrol(request: HttpRequest) -> HttpResponse:
    form = EnrolForm(request.POST or None, units=_member_unions(request, RANK_ENROL))
    if request.method == "POST" and form.is_valid():
        try:
            outcome = actions.do_enrol_member(
                acting_user=request.user,
                union=form.cleaned_data["union"],
                data=form.to_data(),
                channel=Channel.CONSOLE,
                consent_given=form.cleaned_data["consent"],
                confirm_area_warning=form.cleaned_data["confirm_area_warning"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, OUTCOME_MESSAGES[outcome.kind])
            return redirect("members:detail", membership_id=outcome.membership.pk)
    return render(request, "members/enrol_form.html", {"form": form})


OUTCOME_MESSAGES = {
    "created": gettext_lazy("Saved."),
    "merged": gettext_lazy(
        "This person already had an application waiting; the new details were merged into it."
    ),
    "transfer_proposed": gettext_lazy(
        "This person is an active member of another union: a transfer was proposed and waits for approval."
    ),
    "already_member": gettext_lazy(
        "This person is already an active member of this union; nothing was changed."
    ),
    "replayed": gettext_lazy("This record had already been received."),
}


@staff_required
def member_detail(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = access_membership(request.user, membership_id)
    person = membership.person
    return render(
        request,
        "members/member_detail.html",
        {
            "membership": membership,
            "person": person,
            "resident_id_masked": mask_resident_id(person.resident_id),
            "phone_masked": mask_phone(person.phone),
            "can_reveal": can_reveal_pii(request.user, membership.union),
            "can_review": rank_at(request.user, membership.union) >= RANK_REVIEW,
            "memberships": queries.list_person_memberships(acting_user=request.user, person=person),
            "history": queries.get_member_history(acting_user=request.user, person=person),
            "reject_form": RejectForm(),
        },
    )


@staff_required
@require_POST
def member_reveal(request: HttpRequest, membership_id: int, field: str) -> HttpResponse:
    if field not in ("resident_id", "phone"):
        raise InvalidInput(field="field")
    membership = access_membership(request.user, membership_id)
    value = do_reveal_pii(
        acting_user=request.user, obj=membership.person, field_name=field, unit=membership.union
    )
    return render(request, "core/revealed_value.html", {"value": value})


@staff_required
def review_queue(request: HttpRequest) -> HttpResponse:
    unions = _member_unions(request, RANK_REVIEW)
    union_id = request.GET.get("union", "")
    queue = queries.list_review_queue(acting_user=request.user, union_id=parse_id(union_id)).filter(
        union__in=unions
    )[:PAGE_SIZE]
    return render(
        request,
        "members/review_queue.html",
        {"queue": queue, "unions": unions, "union_id": union_id, "reject_form": RejectForm()},
    )


@staff_required
@require_POST
def member_approve(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = access_membership(request.user, membership_id)
    actions.do_approve_membership(acting_user=request.user, membership=membership)
    messages.success(request, _("Approved: %(name)s") % {"name": membership.person.name})
    return redirect(_back(request))


@staff_required
@require_POST
def member_reject(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = access_membership(request.user, membership_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        raise actions.ReasonRequired(field="reason")
    actions.do_reject_membership(
        acting_user=request.user, membership=membership, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("Rejected: %(name)s") % {"name": membership.person.name})
    return redirect(_back(request))


@staff_required
@require_POST
def bulk_approve(request: HttpRequest) -> HttpResponse:
    unit = access_org_unit(request.user, request.POST.get("union"))
    ids = [pk for pk in map(parse_id, request.POST.getlist("membership")) if pk is not None]
    memberships = list(queries.memberships_in_scope(request.user).filter(pk__in=ids))
    result = actions.do_bulk_approve_memberships(acting_user=request.user, memberships=memberships, unit=unit)
    messages.success(
        request,
        _("Approved %(approved)d; %(skipped)d could not be approved.")
        % {
            "approved": len(result.approved),
            "skipped": len(result.skipped) + len(set(ids) - {m.pk for m in memberships}),
        },
    )
    return redirect(f"/members/review/?union={unit.pk}")


def _back(request: HttpRequest) -> str:
    # Return to the page the reviewer came from, but only within the members console.
    target = request.POST.get("next", "")
    return target if target.startswith("/members/") and "//" not in target else "/members/review/"


@staff_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    transfers = queries.list_transfers(acting_user=request.user)[:PAGE_SIZE]
    decidable = {
        t.pk
        for t in transfers
        if t.status == "PROPOSED" and rank_at(request.user, t.to_membership.union) >= RANK_REVIEW
    }
    return render(request, "members/transfer_list.html", {"transfers": transfers, "decidable": decidable})


@staff_required
@require_POST
def transfer_decide(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = access_transfer(request.user, transfer_id)
    form = DecideTransferForm(request.POST)
    if not form.is_valid():
        raise InvalidInput()
    actions.do_decide_transfer(
        acting_user=request.user,
        transfer=transfer,
        approve=form.cleaned_data["approve"],
        reason=form.cleaned_data["reason"],
    )
    return redirect("members:transfers")
