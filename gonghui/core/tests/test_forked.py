import os

import pytest

from gonghui.core.errors import Conflict
from gonghui.core.forked import ChildProcessFailed, iterate_in_child

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def same(item):  # type: ignore[no-untyped-def]
    return item


def test_it_hands_over_the_items_in_order_and_packed():
    def produce():  # type: ignore[no-untyped-def]
        for n in range(5):
            yield {"n": n, "pid": os.getpid()}

    items = list(iterate_in_child(produce, pack=lambda d: (d["n"], d["pid"]), unpack=lambda t: t))
    assert [n for n, _pid in items] == [0, 1, 2, 3, 4]
    # Made in another process.
    assert {pid for _n, pid in items} != {os.getpid()}


def test_it_raises_the_child_s_error_after_the_items_before_it():
    def produce():  # type: ignore[no-untyped-def]
        yield 1
        yield 2
        raise Conflict("二号之后坏了")

    seen = []
    with pytest.raises(Conflict) as raised:
        for item in iterate_in_child(produce, pack=same, unpack=same):
            seen.append(item)
    assert seen == [1, 2]
    assert raised.value.code == "conflict" and raised.value.message == "二号之后坏了"


def test_it_fails_clearly_when_the_child_dies():
    def produce():  # type: ignore[no-untyped-def]
        yield 1
        os._exit(3)

    with pytest.raises(ChildProcessFailed):
        list(iterate_in_child(produce, pack=same, unpack=same))


def test_it_stops_the_child_when_the_consumer_leaves_early():
    def produce():  # type: ignore[no-untyped-def]
        n = 0
        while True:
            n += 1
            yield n

    for item in iterate_in_child(produce, pack=same, unpack=same):
        if item == 3:
            break


def test_it_stops_a_child_blocked_on_a_full_pipe_even_under_a_polite_sigterm_handler():
    # db_worker's SIGTERM handler only asks its loop to stop; the child inherits it. Big items fill the
    # pipe, so the child is blocked sending when the consumer leaves.
    import signal

    def produce():  # type: ignore[no-untyped-def]
        while True:
            yield "x" * (1 << 20)

    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        for n, _item in enumerate(iterate_in_child(produce, pack=same, unpack=same)):
            if n == 2:
                break
    finally:
        signal.signal(signal.SIGTERM, previous)
