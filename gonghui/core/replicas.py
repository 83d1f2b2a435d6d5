"""Heavy reads on a PostgreSQL hot standby, without anyone seeing their own change vanish.

With DATABASE_REPLICA_URL set, settings add a database alias "replica". Dashboards and other heavy reads ask
`read_source(acting_user)` which alias to use: the standby, unless

- this user wrote something in the last few seconds (every action writes one audit event, and
  core.audit notes the writer here), so their own reads see their own change — read-your-writes;
- the standby cannot be reached, or lags more than GONGHUI_REPLICA_MAX_LAG_SECONDS: then the primary.

The lag is returned with the alias, so a page says "数据可能滞后 N 秒" instead of breaking. Writes never go
to the standby: nothing routes them there (no database router), and PostgreSQL refuses them anyway.
Without a replica every read uses "default". The note of who wrote lives in the cache: with more than one
app process, the cache must be shared (REDIS_URL), which docs/operations.md requires with a replica.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
_WROTE_KEY = "gonghui:wrote:{user_id}"


@dataclass(frozen=True)
class ReadSource:
    alias: str
    # Seconds the standby is behind (0 when caught up); None when reading from the primary.
    lag_seconds: float | None = None
    # Why the primary serves a read that could have gone to the standby ("" when it did not).
    fallback_reason: str = ""

    @property
    def on_replica(self) -> bool:
        return self.alias == REPLICA


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def note_write(user: Any) -> None:
    """Remember that this user just wrote: their reads stay on the primary for a short while."""
    user_id = getattr(user, "pk", None)
    if user_id and replica_configured():
        cache.set(_WROTE_KEY.format(user_id=user_id), 1, timeout=settings.GONGHUI_READ_YOUR_WRITES_SECONDS)


def wrote_recently(user: Any) -> bool:
    user_id = getattr(user, "pk", None)
    return bool(user_id) and cache.get(_WROTE_KEY.format(user_id=user_id)) is not None


def replication_lag_seconds(alias: str = REPLICA) -> float:
    """How far the standby's replay is behind what it has received from the primary (0 when caught up)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
        )
        row = cursor.fetchone()
    return float(row[0]) if row else 0.0


def read_source(acting_user: Any) -> ReadSource:
    """Which database a heavy read for this user should use, and how fresh it is."""
    if not replica_configured():
        return ReadSource(DEFAULT_DB_ALIAS)
    if wrote_recently(acting_user):
        return ReadSource(DEFAULT_DB_ALIAS, fallback_reason="recent_write")
    try:
        lag = replication_lag_seconds()
    except DatabaseError:
        # A standby that is down or restarting must not take the dashboards with it.
        connections[REPLICA].close()
        return ReadSource(DEFAULT_DB_ALIAS, fallback_reason="replica_unavailable")
    if lag > settings.GONGHUI_REPLICA_MAX_LAG_SECONDS:
        return ReadSource(DEFAULT_DB_ALIAS, fallback_reason="replica_lagging")
    return ReadSource(REPLICA, lag_seconds=lag)


def lag_as_delta(source: ReadSource) -> datetime.timedelta | None:
    return None if source.lag_seconds is None else datetime.timedelta(seconds=source.lag_seconds)
