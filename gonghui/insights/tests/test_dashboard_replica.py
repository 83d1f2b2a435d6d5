"""The dashboards read the hot standby: a leader's figures come from it (and stay as they were while its
replay is paused), while the officer who just wrote sees their own change from the primary.

Runs on the streaming pair `.ci/run` starts (scripts/pg-replica-pair.sh; GONGHUI_REPLICA_PAIR=1), on the
pair's own database like gonghui/core/tests/test_replicas.py; skipped without it."""

import os
import time
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from gonghui.core.replicas import REPLICA, replication_lag_seconds

ON_PAIR = os.environ.get("GONGHUI_REPLICA_PAIR") == "1"
pytestmark = [
    pytest.mark.replica,
    pytest.mark.skipif(not ON_PAIR, reason="needs a primary + standby pair: .ci/run starts one"),
]


@pytest.fixture(scope="module")
def pair(django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        call_command("migrate", verbosity=0)
        call_command("load_regions", verbosity=0)
        yield
        connections.close_all()


def wait_for_replay(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while replication_lag_seconds() > 0 and time.monotonic() < deadline:
        time.sleep(0.05)


def enterprises_seen(user, unit):  # type: ignore[no-untyped-def]
    from gonghui.insights import queries

    today = timezone.localdate()
    dashboard = queries.get_dashboard(acting_user=user, unit=unit, start=today, end=today, now=timezone.now())
    panel = next(p for p in dashboard.panels if p.key == "establishment")
    return dashboard, panel.stat("enterprises")


def test_the_dashboards_read_the_standby_and_a_writer_reads_the_primary(pair, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    from gonghui.accounts.models import User
    from gonghui.demo.story import load_people_and_places
    from gonghui.enterprises.actions import EnterpriseData, do_register_enterprise
    from gonghui.enterprises.validators import with_check_character
    from gonghui.orgs.models import OrgUnit, Region

    with django_db_blocker.unblock():
        load_people_and_places()  # the story's tree and logins; loading it again changes nothing
        wait_for_replay()
        cache.clear()
        leader, officer = User.objects.get(username="admin"), User.objects.get(username="ganjiakou")
        street = OrgUnit.objects.get(code="BJ-HD-GJK")
        dashboard, before = enterprises_seen(leader, street)
        assert dashboard.source.on_replica and dashboard.view.db == REPLICA
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            assert cursor.fetchone()[0] is True

        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_pause()")
        try:
            time.sleep(1.1)
            do_register_enterprise(
                acting_user=officer,
                uscc=with_check_character(f"91110108{uuid.uuid4().hex[:9].upper()}"),
                data=EnterpriseData(
                    name=f"回放暂停测试企业{uuid.uuid4().hex[:6]}",
                    district=Region.objects.get(code="110108"),
                    street=Region.objects.get(code="110108004"),
                    industry="C",
                    unit_type="PRIVATE",
                    managing_unit=street,
                    employee_count=150,
                ),
            )
            # The writer reads their own change from the primary at once.
            mine, after_for_writer = enterprises_seen(officer, street)
            assert mine.view.db == DEFAULT_DB_ALIAS and after_for_writer == before + 1
            # The leader still reads the paused standby: the old figure, with its lag, not an error.
            theirs, still = enterprises_seen(leader, street)
            assert theirs.view.db == REPLICA and still == before
        finally:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_wal_replay_resume()")
        wait_for_replay()
        _dashboard, caught_up = enterprises_seen(leader, street)
        assert caught_up == before + 1
