"""Lost card and replacement; cancellation when the membership ends."""

import pytest
from django.utils import timezone

from gonghui.cards import actions
from gonghui.cards.models import Card, CardApplication
from gonghui.cards.tests.helpers import apply, enrol, walk_to_authorised
from gonghui.core.errors import Forbidden, InvalidInput
from gonghui.members.models import Membership


@pytest.fixture
def card(personas) -> Card:
    application = walk_to_authorised(apply(personas, enrol(personas, 1)), personas.bank_operator)
    return actions.do_issue_card(acting_user=personas.bank_operator, application=application)


def test_it_replaces_a_lost_card_with_a_routed_replacement_application(personas, card):
    replacement = actions.do_report_card_lost(acting_user=personas.chair, card=card)
    card.refresh_from_db()
    assert card.status == "LOST" and card.end_reason == "lost"
    assert replacement is not None
    assert (
        replacement.source == "REPLACEMENT"
        and replacement.replaces == card
        and replacement.status == "ROUTED"
    )
    with pytest.raises(actions.CardNotLive):
        actions.do_report_card_lost(acting_user=personas.chair, card=card)


def test_it_refuses_to_report_another_districts_card(personas, card):
    with pytest.raises(Forbidden):
        actions.do_report_card_lost(acting_user=personas.haidian_officer, card=card)


def test_it_cancels_the_card_and_open_applications_when_the_membership_ends(personas, card):
    membership = card.application.membership
    # The members app has no "end membership" action yet; the end is recorded as it would be.
    Membership.objects.filter(pk=membership.pk).update(status="ENDED", ended_at=timezone.now())
    membership.refresh_from_db()
    assert actions.do_cancel_cards_for_membership_end(acting_user=personas.chair, membership=membership) == (
        1,
        0,
    )
    card.refresh_from_db()
    assert card.status == "CANCELLED" and card.end_reason == "membership_ended"


def test_it_refuses_to_cancel_cards_of_an_active_membership(personas, card):
    with pytest.raises(InvalidInput):
        actions.do_cancel_cards_for_membership_end(
            acting_user=personas.chair, membership=card.application.membership
        )


def test_it_lets_an_officer_cancel_an_open_application(personas):
    application = apply(personas, enrol(personas, 2))
    application = actions.do_cancel_card_application(acting_user=personas.chair, application=application)
    assert application.status == CardApplication.Status.CANCELLED and application.cancelled_at is not None
    # Cancelled closes it: the member may apply again.
    assert apply(personas, application.membership).status == "ROUTED"
