"""Pages: the bank operator's pad (/bank/) and the union officers' card status pages (/cards/)."""

import datetime
import time
from typing import Any

import pydantic
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gonghui.cards import actions, queries
from gonghui.cards.access import access_card_application, access_pad_application
from gonghui.cards.forms import BatchForm, BulkForm, MedicalForm, RejectForm, RouteForm, StockForm, VoidForm
from gonghui.cards.models import CardApplication
from gonghui.cards.numbers import mask_card_number
from gonghui.cards.schemas import FingerprintIn, IdCardReadIn
from gonghui.cards.signing import FingerprintConfirmation, sign_fingerprint
from gonghui.core.console import apply_error, staff_required
from gonghui.core.errors import DomainError, InvalidInput, NotFound
from gonghui.core.http import client_ip
from gonghui.core.pii import mask_phone, mask_resident_id
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.queries import units_in_scope

Status = CardApplication.Status
# The local bridges a reader / fingerprint vendor implements on the pad (docs/cards.md).
STEPS = [
    (Status.CALLED, gettext_lazy("Read the ID card")),
    (Status.ID_VERIFIED, gettext_lazy("Authorise")),
    (Status.AUTHORISED, gettext_lazy("Issue the card")),
    (Status.ISSUED, gettext_lazy("Medical insurance and hand over")),
]


def _json_error(error: DomainError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.status)


# ---- the pad ---------------------------------------------------------------------------------------


# A pad shows this many of the waiting members; the count above the list says how many there are.
QUEUE_ROWS = 30


@staff_required
def pad(request: HttpRequest) -> HttpResponse:
    day = queries.get_branch_day(acting_user=request.user)
    return render(request, "cards/pad.html", {"day": day, **_queue(request)})


def _queue(request: HttpRequest) -> dict[str, Any]:
    now = timezone.now()
    queue = queries.list_pad_queue(acting_user=request.user)
    rows = []
    for application in queue[:QUEUE_ROWS]:
        rows.append(
            {
                "application": application,
                "mine": application.called_by_id == request.user.pk,
                "waiting_minutes": int((now - (application.routed_at or now)).total_seconds() // 60),
            }
        )
    return {"queue": rows, "queue_total": len(rows) if len(rows) < QUEUE_ROWS else queue.count()}


@staff_required
def pad_queue(request: HttpRequest) -> HttpResponse:
    """The queue fragment the pad polls (htmx, every few seconds): new applications appear by themselves."""
    day = queries.get_branch_day(acting_user=request.user, with_median=False)
    return render(request, "cards/_pad_queue.html", {"day": day, **_queue(request)})


@staff_required
@require_POST
def pad_call(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_pad_application(request.user, application_id)
    try:
        actions.do_call_card_application(acting_user=request.user, application=application)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("cards:pad")
    return redirect("cards:pad_application", application_id=application.pk)


@staff_required
def pad_application(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_pad_application(request.user, application_id)
    card = queries.card_of(application)
    person = application.person
    now = timezone.now()
    context = {
        "application": application,
        "person_name": person.name,
        "resident_id": mask_resident_id(person.resident_id),
        "phone": mask_phone(person.phone),
        "union_hierarchy": queries.union_hierarchy_name(application.union),
        "card": card,
        "card_number": mask_card_number(card.number) if card else "",
        "medical_linked": bool(card and card.medical_account),
        "elapsed_seconds": int((now - application.called_at).total_seconds()) if application.called_at else 0,
        "steps": STEPS,
        "simulator": actions.simulator_enabled(),
        "reader_url": (
            reverse("cards:sim_reader", args=[application.pk])
            if actions.simulator_enabled()
            else settings.GONGHUI_CARD_READER_BRIDGE_URL
        ),
        "fingerprint_url": (
            reverse("cards:sim_fingerprint", args=[application.pk])
            if actions.simulator_enabled()
            else settings.GONGHUI_CARD_FINGERPRINT_BRIDGE_URL
        ),
        "reject_form": RejectForm(),
        "medical_form": MedicalForm(),
        "reject_label": actions.RejectReason.LABELS.get(application.reject_reason, ""),
    }
    return render(request, "cards/pad_application.html", context)


def _parse(schema: type[pydantic.BaseModel], request: HttpRequest) -> Any:
    try:
        return schema.model_validate_json(request.body or b"{}")
    except pydantic.ValidationError:
        raise actions.IdCardReadInvalid() from None


@staff_required
@require_POST
def pad_id_read(request: HttpRequest, application_id: int) -> HttpResponse:
    """The reader bridge's output, posted by the pad as it came from the bridge (docs/cards.md)."""
    try:
        application = access_pad_application(request.user, application_id)
        data = _parse(IdCardReadIn, request)
        actions.do_record_id_card_read(
            acting_user=request.user,
            application=application,
            reading=actions.IdCardReading(**data.model_dump()),
        )
    except DomainError as error:
        return _json_error(error)
    return JsonResponse({"status": Status.ID_VERIFIED})


@staff_required
@require_POST
def pad_authorise(request: HttpRequest, application_id: int) -> HttpResponse:
    """The fingerprint device's signed confirmation, posted by the pad as the device returned it."""
    try:
        application = access_pad_application(request.user, application_id)
        try:
            data = FingerprintIn.model_validate_json(request.body or b"{}")
        except pydantic.ValidationError:
            raise actions.FingerprintInvalid() from None
        actions.do_authorise_card_application(
            acting_user=request.user,
            application=application,
            confirmation=FingerprintConfirmation(**data.model_dump()),
        )
    except DomainError as error:
        return _json_error(error)
    return JsonResponse({"status": Status.AUTHORISED})


@staff_required
@require_POST
def pad_issue(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_pad_application(request.user, application_id)
    try:
        actions.do_issue_card(acting_user=request.user, application=application)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("cards:pad_application", application_id=application.pk)


@staff_required
@require_POST
def pad_medical(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_pad_application(request.user, application_id)
    form = MedicalForm(request.POST)
    if form.is_valid():
        try:
            actions.do_link_medical_insurance(
                acting_user=request.user,
                application=application,
                account_reference=form.cleaned_data["medical_account"],
            )
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, str(actions.MedicalAccountInvalid.default_message))
    return redirect("cards:pad_application", application_id=application.pk)


@staff_required
@require_POST
def pad_complete(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_pad_application(request.user, application_id)
    try:
        actions.do_complete_card_application(acting_user=request.user, application=application)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("cards:pad_application", application_id=application.pk)
    messages.success(
        request,
        _("Done: %(name)s has the card; a text message is on its way.") % {"name": application.person.name},
    )
    return redirect("cards:pad")


@staff_required
@require_POST
def pad_reject(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_pad_application(request.user, application_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        raise actions.ReasonInvalid()
    actions.do_reject_card_application(
        acting_user=request.user,
        application=application,
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
    )
    return redirect("cards:pad")


# ---- simulated devices (development, demo, tests) --------------------------------------------------


def _simulated(request: HttpRequest, application_id: int) -> CardApplication:
    if not actions.simulator_enabled():
        raise NotFound()
    return access_pad_application(request.user, application_id)


@staff_required
def sim_reader(request: HttpRequest, application_id: int) -> HttpResponse:
    """What a reader bridge answers when the member's ID card is on it: the simulator reads the
    application's own data (variant=match), another person's card (mismatch) or an expired card."""
    application = _simulated(request, application_id)
    variant = request.GET.get("variant", "match")
    today = timezone.localdate()
    person = application.person
    reading = {
        "name": person.name,
        "resident_id": person.resident_id,
        "valid_from": (today - datetime.timedelta(days=5 * 365)).isoformat(),
        "valid_until": (today + datetime.timedelta(days=5 * 365)).isoformat(),
        "issuing_authority": "北京市公安局通州分局",
        "reader_id": "simulated-reader",
    }
    if variant == "mismatch":
        reading["name"] = "王" + person.name[1:] if person.name[:1] != "王" else "李" + person.name[1:]
        reading["resident_id"] = "110101199003071234"
    elif variant == "expired":
        reading["valid_from"] = (today - datetime.timedelta(days=20 * 365)).isoformat()
        reading["valid_until"] = (today - datetime.timedelta(days=1 * 365)).isoformat()
    return JsonResponse(reading)


@staff_required
@require_POST
def sim_fingerprint(request: HttpRequest, application_id: int) -> HttpResponse:
    """The simulated fingerprint device: signs with the branch's device key, as the real device does
    once a finger matches. Only the device bridge ever holds that key on a real pad."""
    application = _simulated(request, application_id)
    branch = actions.operator_branch(request.user)
    confirmation = sign_fingerprint(
        secret=branch.authoriser_secret,
        device_id=branch.authoriser_device_id,
        application_id=application.pk,
        operator=request.user.get_username(),
        confirmed_at=int(time.time()),
    )
    return JsonResponse(confirmation.__dict__)


# ---- the branch page -------------------------------------------------------------------------------


@staff_required
def branch(request: HttpRequest) -> HttpResponse:
    day = queries.get_branch_day(acting_user=request.user)
    return render(
        request,
        "cards/branch.html",
        {
            "day": day,
            "stocks": queries.list_card_stocks(acting_user=request.user),
            "stock_form": StockForm(),
            "batch_form": BatchForm(),
            "void_form": VoidForm(),
        },
    )


@staff_required
@require_POST
def stock_create(request: HttpRequest) -> HttpResponse:
    form = StockForm(request.POST)
    if form.is_valid():
        branch = actions.operator_branch(request.user)
        actions.do_create_card_stock(
            acting_user=request.user, branch=branch, label=form.cleaned_data["label"]
        )
    return redirect("cards:branch")


@staff_required
@require_POST
def stock_load(request: HttpRequest, stock_id: int) -> HttpResponse:
    from gonghui.cards.access import access_card_stock

    stock = access_card_stock(request.user, stock_id)
    form = BatchForm(request.POST)
    if form.is_valid():
        try:
            count = actions.do_load_card_batch(
                acting_user=request.user,
                stock=stock,
                numbers=form.cleaned_data["numbers"].splitlines(),
                batch=form.cleaned_data["batch"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(n)d cards loaded into the box.") % {"n": count})
    else:
        messages.error(request, str(actions.BatchEmpty.default_message))
    return redirect("cards:branch")


@staff_required
@require_POST
def blank_void(request: HttpRequest) -> HttpResponse:
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the card's number and the reason."))
        return redirect("cards:branch")
    blank = queries.find_free_blank(acting_user=request.user, number=form.cleaned_data["number"])
    if blank is None:
        messages.error(request, str(actions.BlankNotFree.default_message))
        return redirect("cards:branch")
    actions.do_void_card_blank(acting_user=request.user, blank=blank, reason=form.cleaned_data["reason"])
    messages.success(request, _("Card ending %(last4)s voided.") % {"last4": blank.last4})
    return redirect("cards:branch")


# ---- union officers --------------------------------------------------------------------------------


def _member_unions(request: HttpRequest):  # type: ignore[no-untyped-def]
    return (
        units_in_scope(request.user, min_rank=actions.RANK_APPLY)
        .filter(status="ACTIVE", kind__in=[OrgUnit.Kind.GRASSROOTS, OrgUnit.Kind.JOINT])
        .order_by("path")
    )


@staff_required
def application_list(request: HttpRequest) -> HttpResponse:
    if queries.is_bank_operator(request.user):
        # A bank operator's "service cards" is the pad: the officers' list holds nothing for them.
        return redirect("cards:pad")
    status = request.GET.get("status", "")
    # The member search posts: a resident ID or phone typed into it must not land in access logs.
    member_query = request.POST.get("member", "")[:50] if request.method == "POST" else ""
    applications = queries.list_card_applications(
        acting_user=request.user, status=status if status in Status.values else None
    )[:300]
    return render(
        request,
        "cards/application_list.html",
        {
            "applications": applications,
            "status": status,
            "statuses": Status.choices,
            "bulk_form": BulkForm(units=_member_unions(request)),
            "member_query": member_query,
            "member_matches": queries.find_members_to_apply(acting_user=request.user, text=member_query),
            "reasons": actions.RejectReason.LABELS,
        },
    )


@staff_required
@require_POST
def apply_for_union_members(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST, units=_member_unions(request))
    if not form.is_valid():
        raise InvalidInput(field="union")
    outcome = actions.do_create_card_applications_for_union(
        acting_user=request.user, union=form.cleaned_data["union"]
    )
    messages.success(
        request,
        _("%(created)d applications created; %(refused)d members left out (not eligible or already applied).")
        % {"created": len(outcome.created), "refused": sum(outcome.refused.values())},
    )
    return redirect("cards:applications")


@staff_required
@require_POST
def apply_for_member(request: HttpRequest, membership_id: int) -> HttpResponse:
    from gonghui.members.access import access_membership

    membership = access_membership(request.user, membership_id)
    try:
        actions.do_create_card_application(acting_user=request.user, membership=membership)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Card application created."))
    return redirect("cards:applications")


@staff_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_card_application(request.user, application_id)
    form = RouteForm(request.POST or None, branches=queries.branches_for_routing(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_route_card_application(
                acting_user=request.user, application=application, branch=form.cleaned_data["branch"]
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Routed."))
            return redirect("cards:application", application_id=application.pk)
    return render(
        request,
        "cards/application_detail.html",
        {
            "application": application,
            "form": form,
            "reject_label": actions.RejectReason.LABELS.get(application.reject_reason, ""),
        },
    )


@staff_required
@require_POST
def application_cancel(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_card_application(request.user, application_id)
    try:
        actions.do_cancel_card_application(acting_user=request.user, application=application)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("cards:application", application_id=application.pk)


# ---- the member's own page -------------------------------------------------------------------------

SELF_TICKET = "cards_self_ticket"


def self_service(request: HttpRequest) -> HttpResponse:
    """No login: the member proves the number by SMS code (gonghui.cards.selfservice)."""
    from gonghui.cards import selfservice
    from gonghui.cards.forms import SelfPhoneForm

    ticket = request.session.get(SELF_TICKET, "")
    phone = selfservice.verified_phone(ticket)
    form = SelfPhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("step") == "send":
                selfservice.do_send_card_self_code(
                    phone=form.cleaned_data["phone"], address=client_ip(request)
                )
                messages.success(
                    request, _("If this number belongs to a union member, a code is on its way.")
                )
                form = SelfPhoneForm(initial={"phone": form.cleaned_data["phone"]})
                return render(request, "cards/self.html", {"form": form, "code_sent": True})
            request.session[SELF_TICKET] = selfservice.do_verify_card_self_code(
                phone=form.cleaned_data["phone"], code=form.cleaned_data["code"]
            )
            return redirect("cards:self_service")
        except DomainError as error:
            apply_error(form, error)
            return render(
                request, "cards/self.html", {"form": form, "code_sent": request.POST.get("step") != "send"}
            )
    if phone is None:
        return render(request, "cards/self.html", {"form": form})
    rows = selfservice.self_service_view(phone)
    for row in rows:
        if row["card"] is not None:
            row["card_masked"] = mask_card_number(row["card"].number)
    return render(request, "cards/self_status.html", {"rows": rows, "reasons": actions.RejectReason.LABELS})


@require_POST
def self_service_apply(request: HttpRequest, membership_id: int) -> HttpResponse:
    from gonghui.cards import selfservice

    membership = selfservice.membership_for_ticket(request.session.get(SELF_TICKET, ""), membership_id)
    if membership is None:
        return redirect("cards:self_service")
    try:
        actions.do_apply_for_card_self_service(membership=membership)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your application has been sent to the bank."))
    return redirect("cards:self_service")


# ---- branches and partner keys (district officers) -------------------------------------------------


@staff_required
def branch_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cards/branch_list.html",
        {"branches": queries.list_branches_with_keys(acting_user=request.user)},
    )


@staff_required
@require_POST
def partner_key_issue(request: HttpRequest, branch_id: int) -> HttpResponse:
    """Issue (rotate) the branch's partner key; the secret is shown on this answer only."""
    from gonghui.cards.access import access_branch

    branch = access_branch(request.user, branch_id)
    key, secret = actions.do_issue_partner_key(acting_user=request.user, branch=branch)
    response = render(
        request, "cards/partner_key_issued.html", {"branch": branch, "key": key, "secret": secret}
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def partner_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    from gonghui.cards.access import access_partner_key

    key = access_partner_key(request.user, key_id)
    actions.do_revoke_partner_key(acting_user=request.user, key=key)
    messages.success(request, _("Key %(key)s revoked.") % {"key": key.key_id})
    return redirect("cards:branches")


@staff_required
@require_POST
def card_report_lost(request: HttpRequest, application_id: int) -> HttpResponse:
    application = access_card_application(request.user, application_id)
    card = queries.card_of(application)
    if card is None:
        raise NotFound()
    try:
        replacement = actions.do_report_card_lost(acting_user=request.user, card=card)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("cards:application", application_id=application.pk)
    messages.success(request, _("The card is reported lost; a replacement application was made."))
    assert replacement is not None
    return redirect("cards:application", application_id=replacement.pk)
