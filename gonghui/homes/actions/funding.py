"""建家经费补助: the city and district federations' building subsidies for Workers' Homes. Budgets per
funder, district and year; a union's application (for a facility or a level, with quotes); approval with
the amount granted out of one budget; acceptance of the facility where the grant pays only after it;
disbursement in instalments; the union's spending report with receipts. Amounts are integers of fen.

A budget is never over-committed: the approval locks the budget row (SELECT … FOR UPDATE) and adds to it
in the database, and a CHECK constraint (committed ≤ total) refuses anything that would pass it, so two
officers approving at once cannot both take the last of it. Each function: one durable transaction, one
audit event.
"""

import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.core.text import TextKind, clean_text
from gonghui.core.uploads import DOCUMENT, check_upload
from gonghui.homes.models import (
    Budget,
    Disbursement,
    Facility,
    FundingApplication,
    FundingDocument,
    SpendingReport,
    StandardLevel,
    WorkersHome,
)
from gonghui.homes.roles import holds_role_over
from gonghui.orgs.models import OrgUnit, Role

# 100 million yuan: far above any building subsidy, far below what a 64-bit column holds.
MAX_FEN = 100_000_000 * 100
MAX_DOCUMENTS = 10


class BudgetExceeded(Conflict):
    code = "homes_budget_exceeded"
    default_message = _("The budget has %(available)s yuan left; %(asked)s yuan cannot be granted from it.")


class BudgetBelowCommitted(Conflict):
    code = "homes_budget_below_committed"
    default_message = _("The total cannot be lower than what is already granted (%(committed)s yuan).")


class AmountInvalid(InvalidInput):
    code = "homes_amount_invalid"
    default_message = _("Enter an amount in yuan greater than zero (at most 100 million, to the fen).")


class FundingNotOpen(Conflict):
    code = "homes_funding_not_open"
    default_message = _("This funding application has already been decided.")


class FundingNotApproved(Conflict):
    code = "homes_funding_not_approved"
    default_message = _("Only an approved grant is accepted, paid or reported on.")


class AcceptanceRequired(Conflict):
    code = "homes_acceptance_required"
    default_message = _("This grant is paid only after the facility passes acceptance.")


class OverGrant(Conflict):
    code = "homes_disbursement_over_grant"
    default_message = _("The instalments would pay more than the %(granted)s yuan granted.")


class BudgetMismatch(InvalidInput):
    code = "homes_budget_mismatch"
    default_message = _("Choose a budget of the home's district for the application's year.")


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def _amount(fen: Any, field: str) -> int:
    if isinstance(fen, bool) or not isinstance(fen, int) or not 0 < fen <= MAX_FEN:
        raise AmountInvalid(field=field)
    return fen


def funder_role(funder: OrgUnit) -> str:
    """The role that decides on a funder's money: the city's administrators, a district's officers."""
    return Role.CITY_ADMIN if funder.kind == OrgUnit.Kind.CITY else Role.DISTRICT_OFFICER


def _require_funder(user: Any, funder: OrgUnit) -> None:
    if not holds_role_over(user, funder, funder_role(funder)):
        raise Forbidden()


def _documents(application: FundingApplication, uploads: list[Any], kind: str, user: Any, now: Any) -> int:
    if len(uploads) > MAX_DOCUMENTS:
        raise InvalidInput(_("At most %(count)s files at once."), field="files", count=MAX_DOCUMENTS)
    checked = [check_upload(upload, accept=DOCUMENT, field="files") for upload in uploads]
    for item in checked:
        document = FundingDocument(
            application=application,
            kind=kind,
            content_type=item.content_type,
            sha256=item.sha256,
            uploaded_by=user,
            uploaded_at=now,
        )
        document.file.save(
            f"{application.pk}-{kind.lower()}-{item.sha256[:16]}.{item.extension}",
            ContentFile(item.content),
            save=False,
        )
        document.save()
    return len(checked)


@transaction.atomic(durable=True)
def do_set_budget(
    *,
    acting_user: Any,
    funder: OrgUnit,
    district: OrgUnit,
    year: int,
    total_fen: int,
    now: datetime.datetime | None = None,
) -> Budget:
    """Set (or change) a funder's budget for a district and year. The city funds any district; a district
    federation funds its own."""
    now = now or timezone.now()
    _require_funder(acting_user, funder)
    if funder.kind not in (OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT):
        raise InvalidInput(_("A budget belongs to the city or a district federation."), field="funder")
    if district.kind != OrgUnit.Kind.DISTRICT or not district.path.startswith(funder.path):
        raise InvalidInput(_("Choose a district the funder covers."), field="district")
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("Enter a year between 2000 and 2100."), field="year")
    if isinstance(total_fen, bool) or not isinstance(total_fen, int) or not 0 <= total_fen <= MAX_FEN:
        raise AmountInvalid(field="total_fen")
    budget = Budget.objects.select_for_update().filter(funder=funder, district=district, year=year).first()
    if budget is None:
        try:
            with transaction.atomic():
                budget = Budget.objects.create(
                    funder=funder, district=district, year=year, total_fen=total_fen, updated_at=now
                )
        except IntegrityError:
            raise Conflict() from None
        previous = None
    else:
        if total_fen < budget.committed_fen:
            raise BudgetBelowCommitted(field="total_fen", committed=yuan(budget.committed_fen))
        previous = budget.total_fen
        budget.total_fen = total_fen
        budget.updated_at = now
        budget.save(update_fields=["total_fen", "updated_at"])
    record_event(
        acting_user=acting_user,
        event_type="homes_budget_set",
        obj=budget,
        unit=funder,
        changed_fields=["total_fen"],
        details={"year": year, "total_fen": total_fen, "previous_fen": previous},
        now=now,
    )
    return budget


@transaction.atomic(durable=True)
def do_apply_for_funding(
    *,
    acting_user: Any,
    home: WorkersHome,
    year: int,
    purpose: str,
    amount_asked_fen: int,
    facility: Facility | None = None,
    level: StandardLevel | None = None,
    quotes: list[Any] | None = None,
    now: datetime.datetime | None = None,
) -> FundingApplication:
    """The union chair asks for a subsidy for a facility or a level, with quotes (PDF or images)."""
    now = now or timezone.now()
    if not holds_role_over(acting_user, home.union, Role.UNION_CHAIR):
        raise Forbidden()
    if facility is None and level is None:
        raise InvalidInput(_("Name the facility or the level the money is for."), field="facility_id")
    if facility is not None and facility.home_id != home.pk:
        raise InvalidInput(field="facility_id")
    purpose = clean_text(purpose, TextKind.FREE_TEXT, field="purpose").strip()
    if not purpose:
        raise InvalidInput(_("Describe what the money is for."), field="purpose")
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("Enter a year between 2000 and 2100."), field="year")
    application = FundingApplication.objects.create(
        home=home,
        facility=facility,
        level=level,
        year=year,
        purpose=purpose[:2000],
        amount_asked_fen=_amount(amount_asked_fen, "amount_asked_fen"),
        applied_by=acting_user,
        applied_at=now,
    )
    count = _documents(application, quotes or [], FundingDocument.Kind.QUOTE, acting_user, now)
    record_event(
        acting_user=acting_user,
        event_type="homes_funding_applied",
        obj=application,
        unit=home.union,
        details={"amount_asked_fen": application.amount_asked_fen, "quotes": count},
        now=now,
    )
    return application


def _locked_application(application: FundingApplication) -> FundingApplication:
    # Only the application's own row is locked: the budget is an outer join (none before approval), which
    # PostgreSQL cannot lock, and it is locked on its own where it changes.
    return (
        FundingApplication.objects.select_for_update(of=("self",))
        .select_related("home__union", "budget__funder")
        .get(pk=application.pk)
    )


@transaction.atomic(durable=True)
def do_approve_funding(
    *,
    acting_user: Any,
    application: FundingApplication,
    budget: Budget,
    amount_fen: int,
    pays_after_acceptance: bool = False,
    now: datetime.datetime | None = None,
) -> FundingApplication:
    """Grant `amount_fen` out of `budget` (the funder's officer). The budget row is locked and its
    commitment raised in the database; the CHECK constraint is the last word on over-commitment."""
    now = now or timezone.now()
    application = _locked_application(application)
    _require_funder(acting_user, budget.funder)
    if application.applied_by_id == getattr(acting_user, "pk", None):
        raise Forbidden(_("Nobody decides on an application they made themselves."))
    if application.status != FundingApplication.Status.SUBMITTED:
        raise FundingNotOpen()
    amount_fen = _amount(amount_fen, "amount_fen")
    if budget.year != application.year or not application.home.union.path.startswith(budget.district.path):
        raise BudgetMismatch(field="budget_id")
    locked = Budget.objects.select_for_update().get(pk=budget.pk)
    if locked.committed_fen + amount_fen > locked.total_fen:
        raise BudgetExceeded(field="amount_fen", available=yuan(locked.available_fen), asked=yuan(amount_fen))
    try:
        with transaction.atomic():
            Budget.objects.filter(pk=locked.pk).update(
                committed_fen=F("committed_fen") + amount_fen, updated_at=now
            )
    except IntegrityError:
        # Only reachable if the lock was bypassed (a write outside this action): the database held.
        raise BudgetExceeded(
            field="amount_fen", available=yuan(locked.available_fen), asked=yuan(amount_fen)
        ) from None
    application.status = FundingApplication.Status.APPROVED
    application.budget = locked
    application.amount_granted_fen = amount_fen
    application.pays_after_acceptance = pays_after_acceptance
    application.decided_by = acting_user
    application.decided_at = now
    application.save()
    record_event(
        acting_user=acting_user,
        event_type="homes_funding_approved",
        obj=application,
        unit=application.home.union,
        changed_fields=["status", "budget", "amount_granted_fen"],
        details={"budget_id": locked.pk, "amount_fen": amount_fen, "after_acceptance": pays_after_acceptance},
        now=now,
    )
    return application


@transaction.atomic(durable=True)
def do_refuse_funding(
    *, acting_user: Any, application: FundingApplication, funder: OrgUnit, reason: str, now: Any = None
) -> FundingApplication:
    now = now or timezone.now()
    application = _locked_application(application)
    _require_funder(acting_user, funder)
    if not application.home.union.path.startswith(funder.path):
        raise Forbidden()
    if application.applied_by_id == getattr(acting_user, "pk", None):
        raise Forbidden(_("Nobody decides on an application they made themselves."))
    if application.status != FundingApplication.Status.SUBMITTED:
        raise FundingNotOpen()
    reason = clean_text(reason or "", TextKind.FREE_TEXT, field="reason").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the refusal."), field="reason")
    application.status = FundingApplication.Status.REFUSED
    application.refusal_reason = reason[:2000]
    application.decided_by = acting_user
    application.decided_at = now
    application.save()
    record_event(
        acting_user=acting_user,
        event_type="homes_funding_refused",
        obj=application,
        unit=application.home.union,
        changed_fields=["status", "refusal_reason"],
        now=now,
    )
    return application


@transaction.atomic(durable=True)
def do_accept_funded_work(
    *, acting_user: Any, application: FundingApplication, now: datetime.datetime | None = None
) -> FundingApplication:
    """The district's acceptance (验收) of the funded facility: a grant paid after acceptance can now be paid."""
    now = now or timezone.now()
    application = _locked_application(application)
    if not holds_role_over(acting_user, application.home.union, Role.DISTRICT_OFFICER):
        raise Forbidden()
    if application.status != FundingApplication.Status.APPROVED:
        raise FundingNotApproved()
    if application.accepted_at is not None:
        raise Conflict(_("The work has already been accepted."))
    application.accepted_by = acting_user
    application.accepted_at = now
    application.save(update_fields=["accepted_by", "accepted_at"])
    record_event(
        acting_user=acting_user,
        event_type="homes_funded_work_accepted",
        obj=application,
        unit=application.home.union,
        changed_fields=["accepted_at"],
        now=now,
    )
    return application


@transaction.atomic(durable=True)
def do_record_disbursement(
    *,
    acting_user: Any,
    application: FundingApplication,
    amount_fen: int,
    paid_date: datetime.date,
    now: datetime.datetime | None = None,
) -> Disbursement:
    """One instalment paid (the funder's officer), never past the grant, and only after acceptance when
    the grant says so."""
    now = now or timezone.now()
    application = _locked_application(application)
    if application.status != FundingApplication.Status.APPROVED or application.budget is None:
        raise FundingNotApproved()
    _require_funder(acting_user, application.budget.funder)
    if application.pays_after_acceptance and application.accepted_at is None:
        raise AcceptanceRequired()
    amount_fen = _amount(amount_fen, "amount_fen")
    if paid_date > timezone.localdate(now):
        raise InvalidInput(_("The payment date cannot be in the future."), field="paid_date")
    granted = application.amount_granted_fen or 0
    if application.disbursed_fen + amount_fen > granted:
        raise OverGrant(field="amount_fen", granted=yuan(granted))
    number = application.disbursements.count() + 1
    disbursement = Disbursement.objects.create(
        application=application,
        number=number,
        amount_fen=amount_fen,
        paid_date=paid_date,
        recorded_by=acting_user,
        recorded_at=now,
    )
    FundingApplication.objects.filter(pk=application.pk).update(disbursed_fen=F("disbursed_fen") + amount_fen)
    Budget.objects.filter(pk=application.budget.pk).update(disbursed_fen=F("disbursed_fen") + amount_fen)
    record_event(
        acting_user=acting_user,
        event_type="homes_funding_disbursed",
        obj=application,
        unit=application.home.union,
        details={"instalment": number, "amount_fen": amount_fen, "paid_date": paid_date.isoformat()},
        now=now,
    )
    return disbursement


@transaction.atomic(durable=True)
def do_report_spending(
    *,
    acting_user: Any,
    application: FundingApplication,
    spent_fen: int,
    note: str = "",
    receipts: list[Any] | None = None,
    now: datetime.datetime | None = None,
) -> SpendingReport:
    """The union's account of what it spent of the grant, with receipts (PDF or images)."""
    now = now or timezone.now()
    application = _locked_application(application)
    if not holds_role_over(acting_user, application.home.union, Role.UNION_CHAIR):
        raise Forbidden()
    if application.status != FundingApplication.Status.APPROVED:
        raise FundingNotApproved()
    if isinstance(spent_fen, bool) or not isinstance(spent_fen, int) or not 0 <= spent_fen <= MAX_FEN:
        raise AmountInvalid(field="spent_fen")
    if not receipts:
        raise InvalidInput(_("Attach the receipts."), field="files")
    note = clean_text(note, TextKind.FREE_TEXT, field="note")[:2000] if note else ""
    report = SpendingReport.objects.create(
        application=application, spent_fen=spent_fen, note=note, submitted_by=acting_user, submitted_at=now
    )
    count = _documents(application, receipts, FundingDocument.Kind.RECEIPT, acting_user, now)
    record_event(
        acting_user=acting_user,
        event_type="homes_spending_reported",
        obj=application,
        unit=application.home.union,
        details={"spent_fen": spent_fen, "receipts": count},
        now=now,
    )
    return report
