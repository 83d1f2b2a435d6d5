"""Heavy reads go to a real hot standby; a writer reads their own change from the primary; lag is shown.

These tests need a streaming pair: `.ci/run` starts one with scripts/pg-replica-pair.sh and runs this file
with DATABASE_URL at the primary and DATABASE_REPLICA_URL at the standby (GONGHUI_REPLICA_PAIR=1). They
work on the pair's own database (migrated here), not on a test database: a standby cannot create one.
Without the pair only the first test runs: with no replica configured, everything reads the primary.
"""

import os
import time
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from gonghui.core.replicas import REPLICA, read_source, replica_configured, replication_lag_seconds

ON_PAIR = os.environ.get("GONGHUI_REPLICA_PAIR") == "1"
needs_pair = pytest.mark.skipif(
    not ON_PAIR, reason="needs a primary + standby pair: .ci/run starts one (scripts/pg-replica-pair.sh)"
)


@pytest.mark.skipif(ON_PAIR, reason="checks the setup without a replica")
def test_it_reads_everything_from_the_primary_without_a_replica() -> None:
    assert not replica_configured()
    source = read_source(None)
    assert source.alias == DEFAULT_DB_ALIAS and source.lag_seconds is None and not source.on_replica


@pytest.fixture(scope="module")
def pair(django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        call_command("migrate", verbosity=0)
        call_command("load_regions", verbosity=0)
        yield
        connections.close_all()


def in_recovery(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return bool(cursor.fetchone()[0])


def wait_for_replay(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while replication_lag_seconds() > 0 and time.monotonic() < deadline:
        time.sleep(0.05)


def make_writer(username: str):  # type: ignore[no-untyped-def]
    from gonghui.accounts.models import User

    return User.objects.create_user(username, password="x" * 12)


@pytest.mark.replica
@needs_pair
def test_it_sends_heavy_reads_to_the_standby_and_writes_to_the_primary(pair, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    from gonghui.orgs.models import Region

    with django_db_blocker.unblock():
        assert replica_configured()
        source = read_source(None)
        assert source.alias == REPLICA and source.on_replica and source.lag_seconds is not None
        # Checked through the routed connection itself: the reads land on a server in recovery.
        assert in_recovery(source.alias) is True
        assert in_recovery(DEFAULT_DB_ALIAS) is False
        wait_for_replay()
        assert Region.objects.using(source.alias).count() == Region.objects.count() > 0
        # The standby refuses writes; nothing in gonghui sends one there.
        with pytest.raises(DatabaseError), connections[REPLICA].cursor() as cursor:
            cursor.execute("CREATE TABLE never_here (id int)")
        connections[REPLICA].close()


@pytest.mark.replica
@needs_pair
def test_it_reads_a_writers_own_change_from_the_primary(pair, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    from gonghui.core.audit import record_event

    with django_db_blocker.unblock():
        cache.clear()
        writer = make_writer(f"writer-{uuid.uuid4().hex[:8]}")
        reader = make_writer(f"reader-{uuid.uuid4().hex[:8]}")
        record_event(acting_user=writer, event_type="replica_test_write")
        assert read_source(writer).alias == DEFAULT_DB_ALIAS
        assert read_source(writer).fallback_reason == "recent_write"
        assert read_source(reader).alias == REPLICA


@pytest.mark.replica
@needs_pair
def test_it_shows_the_lag_of_a_standby_behind_and_stops_reading_it_past_the_limit(  # type: ignore[no-untyped-def]
    pair, django_db_blocker, settings
) -> None:
    with django_db_blocker.unblock():
        cache.clear()
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_pause()")
        try:
            time.sleep(1.2)
            make_writer(f"late-{uuid.uuid4().hex[:8]}")  # a change the paused standby has not replayed
            deadline = time.monotonic() + 10
            while replication_lag_seconds() <= 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            source = read_source(None)
            assert source.on_replica and source.lag_seconds is not None and source.lag_seconds > 0
            settings.GONGHUI_REPLICA_MAX_LAG_SECONDS = 0
            lagging = read_source(None)
            assert lagging.alias == DEFAULT_DB_ALIAS and lagging.fallback_reason == "replica_lagging"
        finally:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_wal_replay_resume()")
        wait_for_replay()
        settings.GONGHUI_REPLICA_MAX_LAG_SECONDS = 300
        assert read_source(None).lag_seconds == 0


@pytest.mark.replica
@needs_pair
def test_it_falls_back_to_the_primary_when_the_standby_cannot_be_reached(pair, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        cache.clear()
        replica = connections[REPLICA]
        replica.close()
        port = replica.settings_dict["PORT"]
        replica.settings_dict["PORT"] = 1  # nothing listens there
        try:
            source = read_source(None)
            assert source.alias == DEFAULT_DB_ALIAS and source.fallback_reason == "replica_unavailable"
        finally:
            replica.close()
            replica.settings_dict["PORT"] = port
        assert read_source(None).on_replica
