import os
from typing import Any

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


def _gone(pid: int) -> bool:
    """The process has ended and been reaped (its pid no longer names a process)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_it_stops_the_child_when_the_consumer_leaves_early():
    def produce():  # type: ignore[no-untyped-def]
        n = 0
        while True:
            n += 1
            yield (n, os.getpid())

    items: Any = iterate_in_child(produce, pack=same, unpack=same)  # a generator: it has close()
    child = 0
    for n, pid in items:
        child = pid
        if n == 3:
            break
    assert child != os.getpid() and not _gone(child)  # the child is still there, blocked on the pipe
    items.close()  # what leaving the loop does once the generator is dropped
    assert _gone(child)


def test_it_stops_a_child_blocked_on_a_full_pipe_even_under_a_polite_sigterm_handler():
    # db_worker's SIGTERM handler only asks its loop to stop; the child inherits it. Big items fill the
    # pipe, so the child is blocked sending when the consumer leaves.
    import signal

    def produce():  # type: ignore[no-untyped-def]
        while True:
            yield "x" * (1 << 20)

    children: list[int] = []

    def produce_and_tell():  # type: ignore[no-untyped-def]
        yield str(os.getpid())
        yield from produce()

    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        items: Any = iterate_in_child(produce_and_tell, pack=same, unpack=same)
        for n, item in enumerate(items):
            if n == 0:
                children.append(int(item))
            if n == 2:
                break
        items.close()
    finally:
        signal.signal(signal.SIGTERM, previous)
    # Stopped (by SIGTERM, or SIGKILL after it) and reaped, not left blocked on the full pipe.
    assert children and children[0] != os.getpid() and _gone(children[0])
