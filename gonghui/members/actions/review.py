"""Review of waiting applications: approve, reject, approve many."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import build_event, record_event, record_events
from gonghui.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from gonghui.members.actions.enrolment import RANK_REVIEW
from gonghui.members.models import Membership
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import rank_at


class NotPending(Conflict):
    code = "membership_not_pending"
    default_message = _("This application has already been decided.")


class AlreadyActiveElsewhere(Conflict):
    code = "membership_active_elsewhere"
    default_message = _("This person is already an active member of %(union)s; use a transfer instead.")


class ReasonRequired(InvalidInput):
    code = "reason_required"
    default_message = _("Give a reason, so the applicant knows what to do.")


def _require_reviewer(acting_user: Any, union: OrgUnit) -> None:
    if rank_at(acting_user, union) < RANK_REVIEW:
        raise Forbidden()


def _activate(membership: Membership, acting_user: Any, now: datetime.datetime) -> None:
    active = Membership.objects.filter(person=membership.person, status=Membership.Status.ACTIVE).first()
    if active is not None:
        raise AlreadyActiveElsewhere(union=active.union.name)
    membership.status = Membership.Status.ACTIVE
    membership.joined_date = timezone.localdate(now)
    membership.reviewed_by = acting_user
    membership.reviewed_at = now
    membership.save(update_fields=["status", "joined_date", "reviewed_by", "reviewed_at"])


def _check_reviewable(membership: Membership) -> None:
    if membership.status != Membership.Status.PENDING:
        raise NotPending()
    if hasattr(membership, "transfer_in"):
        raise InvalidInput(_("This application is a transfer; decide it from the transfer page."))


@transaction.atomic(durable=True)
def do_approve_membership(
    *, acting_user: Any, membership: Membership, now: datetime.datetime | None = None
) -> Membership:
    now = now or timezone.now()
    _require_reviewer(acting_user, membership.union)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _check_reviewable(membership)
    _activate(membership, acting_user, now)
    record_event(
        acting_user=acting_user,
        event_type="membership_approved",
        obj=membership,
        unit=membership.union,
        changed_fields=["status", "joined_date"],
        now=now,
    )
    return membership


@transaction.atomic(durable=True)
def do_reject_membership(
    *, acting_user: Any, membership: Membership, reason: str, now: datetime.datetime | None = None
) -> Membership:
    now = now or timezone.now()
    _require_reviewer(acting_user, membership.union)
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(field="reason")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _check_reviewable(membership)
    membership.status = Membership.Status.REJECTED
    membership.rejection_reason = reason[:200]
    membership.reviewed_by = acting_user
    membership.reviewed_at = now
    membership.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    record_event(
        acting_user=acting_user,
        event_type="membership_rejected",
        obj=membership,
        unit=membership.union,
        changed_fields=["status", "rejection_reason"],
        now=now,
    )
    return membership


@dataclass
class BulkApproval:
    approved: list[Membership]
    skipped: dict[int, str]  # membership id -> error code


@transaction.atomic(durable=True)
def do_bulk_approve_memberships(
    *, acting_user: Any, memberships: list[Membership], unit: OrgUnit, now: datetime.datetime | None = None
) -> BulkApproval:
    """Approve many applications at once; ones that cannot be approved are listed with the reason. One
    audit event per approved application."""
    now = now or timezone.now()
    _require_reviewer(acting_user, unit)
    result = BulkApproval(approved=[], skipped={})
    locked = (
        Membership.objects.select_for_update()
        .filter(pk__in=[m.pk for m in memberships])
        .select_related("person", "union")
    )
    for membership in locked.order_by("pk"):
        try:
            if not membership.union.is_within(unit):
                raise Forbidden()
            _check_reviewable(membership)
            with transaction.atomic():
                _activate(membership, acting_user, now)
        except DomainError as error:
            result.skipped[membership.pk] = error.code
        else:
            result.approved.append(membership)
    # One event per approved membership, as do_approve_membership writes: each member's history shows its
    # approval. Skipped applications are unchanged, so they have no event.
    record_events(
        [
            build_event(
                acting_user=acting_user,
                event_type="membership_approved",
                obj=membership,
                unit=membership.union,
                changed_fields=["status", "joined_date"],
                details={"bulk": True},
                now=now,
            )
            for membership in result.approved
        ]
    )
    return result
