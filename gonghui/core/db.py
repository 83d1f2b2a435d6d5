"""Database helpers for bulk paths (roster imports) that plain ORM calls do not cover."""

from django.db import connection


def commit_without_waiting_for_disk() -> None:
    """Inside a transaction: let its COMMIT return before its WAL reaches disk (PostgreSQL's
    synchronous_commit=off, for this transaction only).

    For a job that writes in many chunks, each a transaction: here a flush costs about 40 ms, more than
    writing the chunk. A crash may lose the last few chunks committed this way — whole chunks, never half
    of one, so the job's counters (written in the same transactions) still tell what is in — but never
    corrupts anything. The job's own final commit is an ordinary one and flushes every chunk before it,
    so a job shown as finished is on disk.
    """
    if _outermost_transaction():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def look_up_by_index() -> None:
    """Inside a transaction: make its queries use an index wherever one applies (PostgreSQL's
    enable_seqscan=off, for this transaction only).

    For a bulk job's lookups of a chunk's keys (2,000 resident-ID hashes) in tables the job itself is
    filling: until the table is analyzed the planner guesses that half of it matches and scans all of it
    — 30 ms a chunk at 100,000 rows, ten times that at a million — where the unique index answers in a
    few milliseconds whatever the size.
    """
    if _outermost_transaction():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan TO OFF")


def _outermost_transaction() -> bool:
    # Inside a savepoint (an atomic block within the caller's transaction, as in tests) SET LOCAL would
    # outlive the block and hold for the rest of the caller's transaction: then nothing is changed.
    return connection.vendor == "postgresql" and connection.in_atomic_block and not connection.savepoint_ids
