"""bank_sim plays the bank over real HTTP against a live server, with the same signing a bank uses."""

import pytest
from django.core.management import call_command

from gonghui.cards import actions
from gonghui.cards.models import Card, CardApplication
from gonghui.cards.tests.helpers import branch, resident_id
from gonghui.members.actions import EnrolmentData, do_enrol_member
from gonghui.members.models import Channel

N = 200


@pytest.mark.django_db(transaction=True)
def test_it_completes_200_applications_end_to_end_over_http(live_server, personas, capsys):
    union = personas.unit("BJ-TZ-YS-YR")
    for n in range(N):
        do_enrol_member(
            acting_user=personas.chair,
            union=union,
            data=EnrolmentData(name=f"职工{n:03d}", resident_id=resident_id(1000 + n), phone=f"137{n:08d}"),
            channel=Channel.CONSOLE,
            consent_given=True,
            confirm_area_warning=True,
        )
    outcome = actions.do_create_card_applications_for_union(acting_user=personas.chair, union=union)
    assert len(outcome.created) == N
    key, secret = actions.do_issue_partner_key(acting_user=None, branch=branch("BOB-TZ"))

    # Every status posted twice, as after a lost response: the second must change nothing.
    call_command(
        "bank_sim", url=live_server.url, key_id=key.key_id, secret=secret, bin="621468", repeat_posts=True
    )

    out = capsys.readouterr().out
    assert f"issued {N}, activated {N}, rejected 0, repeats unchanged {2 * N}" in out
    assert CardApplication.objects.filter(status="ACTIVATED").count() == N
    cards = list(Card.objects.filter(status="ACTIVE"))
    assert len(cards) == N and len({c.number for c in cards}) == N


@pytest.mark.django_db(transaction=True)
def test_it_rejects_every_nth_and_stops_at_the_limit(live_server, personas, capsys):
    union = personas.unit("BJ-TZ-YS-YR")
    for n in range(6):
        do_enrol_member(
            acting_user=personas.chair,
            union=union,
            data=EnrolmentData(name=f"职工{n}", resident_id=resident_id(2000 + n)),
            channel=Channel.CONSOLE,
            consent_given=True,
            confirm_area_warning=True,
        )
    actions.do_create_card_applications_for_union(acting_user=personas.chair, union=union)
    call_command("bank_sim", url=live_server.url, branch="BOB-TZ", reject_every=2, limit=4, no_activate=True)
    assert "issued 2, activated 0, rejected 2" in capsys.readouterr().out
    assert CardApplication.objects.filter(status="REJECTED", reject_reason="bank_declined").count() == 2
    assert CardApplication.objects.filter(status="ROUTED").count() == 2
