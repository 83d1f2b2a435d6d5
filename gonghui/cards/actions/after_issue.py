"""Cards after issue: reported lost, cancelled when a membership ends."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.cards.actions.applications import _open_application
from gonghui.cards.actions.errors import CardNotLive, NotActive
from gonghui.cards.actions.rules import OPEN_STATUSES, Status, _require_officer
from gonghui.cards.models import Card, CardApplication
from gonghui.core.audit import record_event
from gonghui.core.errors import InvalidInput
from gonghui.members.models import Membership


@transaction.atomic(durable=True)
def do_report_card_lost(
    *, acting_user: Any, card: Card, replace: bool = True, now: datetime.datetime | None = None
) -> CardApplication | None:
    """The card is lost: it stops being live, and (by default) a replacement application is routed."""
    now = now or timezone.now()
    card = Card.objects.select_for_update().select_related("application__membership__union").get(pk=card.pk)
    membership = card.application.membership
    _require_officer(acting_user, membership.union)
    if card.status not in (Card.Status.ISSUED, Card.Status.ACTIVE):
        raise CardNotLive()
    card.status = Card.Status.LOST
    card.ended_at = now
    card.end_reason = "lost"
    card.save(update_fields=["status", "ended_at", "end_reason"])
    replacement = None
    if replace:
        current = (
            Membership.objects.select_related("union", "person")
            .filter(person_id=card.person_id, status=Membership.Status.ACTIVE)
            .first()
        )
        if current is None:
            raise NotActive()
        replacement = _open_application(
            current,
            source=CardApplication.Source.REPLACEMENT,
            acting_user=acting_user,
            now=now,
            replaces=card,
        )
    record_event(
        acting_user=acting_user,
        event_type="card_reported_lost",
        obj=card,
        unit=membership.union,
        changed_fields=["status"],
        details={"replacement_id": replacement.pk if replacement else None},
        now=now,
    )
    return replacement


def cancel_cards_of_membership(*, membership: Membership, now: datetime.datetime) -> tuple[int, int]:
    """Inside the caller's transaction: cancel the live card and any open application of a membership
    that ended. Returns (cards, applications) cancelled."""
    cards = Card.objects.filter(
        application__membership=membership, status__in=[Card.Status.ISSUED, Card.Status.ACTIVE]
    ).update(status=Card.Status.CANCELLED, ended_at=now, end_reason="membership_ended")
    applications = CardApplication.objects.filter(membership=membership, status__in=OPEN_STATUSES).update(
        status=Status.CANCELLED, cancelled_at=now
    )
    return cards, applications


@transaction.atomic(durable=True)
def do_cancel_cards_for_membership_end(
    *, acting_user: Any, membership: Membership, now: datetime.datetime | None = None
) -> tuple[int, int]:
    """What the members side calls when a membership ends: the card goes with it."""
    now = now or timezone.now()
    _require_officer(acting_user, membership.union)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status == Membership.Status.ACTIVE:
        raise InvalidInput(_("The membership is still active; end it first."))
    cards, applications = cancel_cards_of_membership(membership=membership, now=now)
    record_event(
        acting_user=acting_user,
        event_type="cards_cancelled_membership_ended",
        obj=membership,
        unit=membership.union,
        details={"cards": cards, "applications": applications},
        now=now,
    )
    return cards, applications
