"""The card box: loading batches, voiding, low stock, and a card number issued at most once."""

import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

from gonghui.cards import actions
from gonghui.cards.models import Card, CardBlank, CardStock
from gonghui.cards.numbers import sequential_card_numbers
from gonghui.cards.queries import get_branch_day
from gonghui.cards.tests.helpers import apply, branch, enrol, walk_to_authorised
from gonghui.core.errors import InvalidInput, NotFound

BIN = "621468"


@pytest.fixture
def box(personas) -> CardStock:
    return actions.do_create_card_stock(
        acting_user=personas.bank_operator, branch=branch("BOB-TZ"), label="测试卡箱"
    )


def test_it_loads_a_batch_of_luhn_valid_numbers_under_the_bin(personas, box):
    numbers = sequential_card_numbers(bin_prefix=BIN, start=500_000, count=30)
    pasted = [" ".join([n[:4], n[4:8], n[8:12], n[12:]]) for n in numbers]  # as printed on the batch sheet
    assert actions.do_load_card_batch(acting_user=personas.bank_operator, stock=box, numbers=pasted) == 30
    assert CardBlank.objects.filter(stock=box, status="FREE").count() == 30


@pytest.mark.parametrize(
    "mutate",
    [
        lambda n: n[:-1] + str((int(n[-1]) + 1) % 10),  # wrong Luhn check digit
        lambda n: "622222" + n[6:],  # another bank's BIN
        lambda n: n[:10],  # too short
        lambda n: n[:-2] + "ab",  # not digits
    ],
)
def test_it_refuses_a_batch_with_a_bad_number_and_loads_none_of_it(personas, box, mutate):
    numbers = sequential_card_numbers(bin_prefix=BIN, start=600_000, count=3)
    numbers[1] = mutate(numbers[1])
    with pytest.raises(actions.CardNumberInvalid) as refused:
        actions.do_load_card_batch(acting_user=personas.bank_operator, stock=box, numbers=numbers)
    assert refused.value.code == "card_number_invalid"
    assert not CardBlank.objects.filter(stock=box).exists()


def test_it_refuses_a_number_already_in_a_box(personas, box):
    numbers = sequential_card_numbers(bin_prefix=BIN, start=100_000, count=1)  # in the demo box already
    with pytest.raises(actions.CardNumberTaken):
        actions.do_load_card_batch(acting_user=personas.bank_operator, stock=box, numbers=numbers)
    with pytest.raises(actions.BatchEmpty):
        actions.do_load_card_batch(acting_user=personas.bank_operator, stock=box, numbers=["", " "])


def test_it_lets_only_the_branchs_operator_load_its_box(personas, box):
    numbers = sequential_card_numbers(bin_prefix=BIN, start=700_000, count=1)
    from gonghui.accounts.models import User

    with pytest.raises(NotFound):
        actions.do_load_card_batch(
            acting_user=User.objects.get(username="luchengbank"), stock=box, numbers=numbers
        )
    with pytest.raises(NotFound):
        actions.do_load_card_batch(acting_user=personas.tongzhou_officer, stock=box, numbers=numbers)


def test_it_voids_a_damaged_card_which_is_then_never_issued(personas, box):
    numbers = sequential_card_numbers(bin_prefix=BIN, start=800_000, count=1)
    actions.do_load_card_batch(acting_user=personas.bank_operator, stock=box, numbers=numbers)
    CardBlank.objects.exclude(stock=box).update(status="VOID")
    blank = CardBlank.objects.get(stock=box)
    with pytest.raises(InvalidInput):
        actions.do_void_card_blank(acting_user=personas.bank_operator, blank=blank, reason=" ")
    actions.do_void_card_blank(acting_user=personas.bank_operator, blank=blank, reason="芯片损坏")
    with pytest.raises(actions.BlankNotFree):
        actions.do_void_card_blank(acting_user=personas.bank_operator, blank=blank, reason="again")
    application = walk_to_authorised(apply(personas, enrol(personas, 1)), personas.bank_operator)
    with pytest.raises(actions.CardBoxEmpty):
        actions.do_issue_card(acting_user=personas.bank_operator, application=application)


def test_it_warns_when_the_box_runs_low(personas):
    day = get_branch_day(acting_user=personas.bank_operator)
    assert day.free_cards == 60 and not day.low_stock
    ids = list(CardBlank.objects.filter(stock__branch__code="BOB-TZ").values_list("pk", flat=True)[:41])
    CardBlank.objects.filter(pk__in=ids).update(status="VOID")
    day = get_branch_day(acting_user=personas.bank_operator)
    assert day.free_cards == 19 and day.low_stock


def test_it_has_the_database_refuse_a_card_number_twice(personas):
    application = walk_to_authorised(apply(personas, enrol(personas, 2)), personas.bank_operator)
    card = actions.do_issue_card(acting_user=personas.bank_operator, application=application)
    other = apply(personas, enrol(personas, 3))
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(
            application=other,
            person=other.person,
            branch=card.branch,
            number=card.number,
            status="ISSUED",
            issued_at=card.issued_at,
        )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SKIP LOCKED concurrency needs PostgreSQL; SQLite serialises writers",
)
@pytest.mark.django_db(transaction=True)
def test_it_gives_eight_pads_issuing_at_once_eight_different_cards(personas):
    """8 threads issue from one box at the same moment: no number twice, none lost."""
    operator = personas.bank_operator
    applications = [walk_to_authorised(apply(personas, enrol(personas, 10 + n)), operator) for n in range(8)]
    free_before = set(
        CardBlank.objects.filter(stock__branch__code="BOB-TZ", status="FREE").values_list("pk", flat=True)
    )
    barrier = threading.Barrier(8)
    issued: list[int] = []
    errors: list[BaseException] = []

    def pad(application):  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            card = actions.do_issue_card(acting_user=operator, application=application)
            assert card.blank_id is not None
            issued.append(card.blank_id)
        except BaseException as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=pad, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(issued) == 8 and len(set(issued)) == 8
    free_after = set(
        CardBlank.objects.filter(stock__branch__code="BOB-TZ", status="FREE").values_list("pk", flat=True)
    )
    # None lost: exactly the eight issued left the box, each now on one card.
    assert free_before - free_after == set(issued)
    assert CardBlank.objects.filter(pk__in=issued, status="ISSUED").count() == 8
    assert Card.objects.filter(blank_id__in=issued).count() == 8
    assert len(set(Card.objects.values_list("number_index", flat=True))) == 8
