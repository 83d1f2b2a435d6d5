"""Run a CPU-bound producer (reading and checking a big roster) in a forked child process while this
process consumes its items (planning and writing them to the database): the two then use both cores,
which one Python process cannot (the interpreter lock).

The child is forked, so it starts with everything this process has (settings, translations, the open
file, the parser) and needs no set-up; it never touches the database, and it ends with os._exit (through
multiprocessing), so nothing it inherited (database connections) is closed or flushed by it.
"""

import multiprocessing
import signal
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from django.utils.translation import gettext_lazy as _

from gonghui.core.errors import DomainError

# A child that sends nothing for this long is taken as stuck (a lock inherited mid-use): it is stopped
# and the job fails with a clear error instead of waiting for ever.
SILENCE_LIMIT_SECONDS = 300


class ChildProcessFailed(DomainError):
    code = "worker_process_failed"
    default_message = _("The file could not be read: the reading process stopped. Try again.")
    status = 503


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def iterate_in_child[T](
    produce: Callable[[], Iterator[T]],
    *,
    pack: Callable[[T], Any],
    unpack: Callable[[Any], T],
) -> Iterator[T]:
    """The items of produce(), made in a forked child and sent here one by one, in order.

    `pack` turns an item into plain tuples and strings before it crosses the pipe (pickling dataclasses
    costs more than making them); `unpack` makes the item again here. An exception in the child is raised
    here. The pipe's buffer holds the child back: it is never more than about one item ahead.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_produce, args=(produce, pack, sender, receiver), name="gonghui-reader", daemon=True
    )
    process.start()
    sender.close()
    try:
        while True:
            waited = 0.0
            while not receiver.poll(1.0):
                waited += 1.0
                if not process.is_alive() or waited >= SILENCE_LIMIT_SECONDS:
                    raise ChildProcessFailed()
            try:
                kind, payload = receiver.recv()
            except EOFError:
                raise ChildProcessFailed() from None
            if kind == "item":
                yield unpack(payload)
            elif kind == "error":
                raise payload
            else:
                return
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
        if process.is_alive():
            process.kill()
        process.join()


def _produce(
    produce: Callable[[], Iterator[Any]], pack: Callable[[Any], Any], sender: Connection, receiver: Connection
) -> None:
    # The child inherits the worker's signal handlers (db_worker's SIGTERM only asks the loop to stop
    # after the task): a child stopped early must die of SIGTERM, not wait blocked on a full pipe.
    for name in ("SIGTERM", "SIGINT", "SIGQUIT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    # Its copy of the reading end would keep the pipe open after the parent closed its own.
    receiver.close()
    try:
        for item in produce():
            sender.send(("item", pack(item)))
    except BaseException as error:  # handed to the parent, which raises it
        try:
            sender.send(("error", error))
        except Exception:  # an exception that cannot be pickled: say what it was
            sender.send(("error", ChildProcessFailed(f"{type(error).__name__}: {error}")))
        return
    sender.send(("done", None))
