"""Transfers between unions: the receiving union decides."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict
from gonghui.members.actions.review import ReasonRequired, _activate, _require_reviewer
from gonghui.members.models import Membership, Transfer


class TransferNotOpen(Conflict):
    code = "transfer_not_open"
    default_message = _("This transfer has already been decided.")


@transaction.atomic(durable=True)
def do_decide_transfer(
    *,
    acting_user: Any,
    transfer: Transfer,
    approve: bool,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Transfer:
    """The receiving union decides. Approving ends the old membership and activates the new one."""
    now = now or timezone.now()
    transfer = (
        Transfer.objects.select_for_update()
        .select_related("from_membership", "to_membership")
        .get(pk=transfer.pk)
    )
    incoming = transfer.to_membership
    _require_reviewer(acting_user, incoming.union)
    if transfer.status != Transfer.Status.PROPOSED:
        raise TransferNotOpen()
    if not approve and not reason.strip():
        raise ReasonRequired(field="reason")
    outgoing = transfer.from_membership
    if approve:
        if outgoing.status == Membership.Status.ACTIVE:
            outgoing.status = Membership.Status.TRANSFERRED_OUT
            outgoing.ended_at = now
            outgoing.save(update_fields=["status", "ended_at"])
        _activate(incoming, acting_user, now)
    else:
        incoming.status = Membership.Status.REJECTED
        incoming.rejection_reason = reason.strip()[:200]
        incoming.reviewed_by, incoming.reviewed_at = acting_user, now
        incoming.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    transfer.status = Transfer.Status.APPROVED if approve else Transfer.Status.REJECTED
    transfer.decided_by, transfer.decided_at, transfer.reason = acting_user, now, reason.strip()[:200]
    transfer.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    record_event(
        acting_user=acting_user,
        event_type="transfer_approved" if approve else "transfer_rejected",
        obj=transfer,
        unit=incoming.union,
        changed_fields=["status"],
        details={"from_union_id": outgoing.union_id, "to_union_id": incoming.union_id},
        now=now,
    )
    return transfer
