"""The bank simulator pays the 二次报销 payouts over real HTTP with the partner signing, each result posted
twice (as after a lost response), every third failed: paid once each, the failed back in the queue."""

import pytest
from django.core.management import call_command

from gonghui.benefits.actions.payouts import do_create_payout_batches
from gonghui.benefits.models import Payout, ReimbursementClaim
from gonghui.benefits.queries import reconciliation
from gonghui.benefits.tests.helpers import import_rows, make_plan, member_with_card, settlement
from gonghui.cards import actions as card_actions
from gonghui.cards.models import BankBranch


@pytest.mark.django_db(transaction=True)
def test_it_pays_the_batch_over_http(live_server, personas, capsys):
    make_plan(personas)
    members = [member_with_card(personas, 100 + n) for n in range(6)]
    import_rows(personas, [settlement(m) for m in members])
    do_create_payout_batches(acting_user=personas.tongzhou_officer)
    key, secret = card_actions.do_issue_partner_key(
        acting_user=None, branch=BankBranch.objects.get(code="BOB-TZ")
    )
    call_command(
        "bank_sim",
        url=live_server.url,
        key_id=key.key_id,
        secret=secret,
        limit=1,
        payouts=True,
        fail_payout_every=3,
        repeat_posts=True,
    )
    assert "payouts paid 4, failed 2, repeats unchanged 6" in capsys.readouterr().out
    assert Payout.objects.filter(status="PAID").count() == 4
    assert ReimbursementClaim.objects.filter(status="REVIEW").count() == 2
    assert reconciliation(acting_user=personas.tongzhou_officer).balanced
