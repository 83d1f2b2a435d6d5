"""The 朋友圈 board and rates at district scale.

Seeds a district (通州区总工会 of the demo story: its three streets each hold a committee) with N needs
(default 50,000) and U member units (default 200), claims on most needs, service events and head counts
on the delivered ones, into the database named by DATABASE_URL. Then, signed in as the district officer,
times full GET requests through the whole stack (middleware, session, scope, query, template):

- the board, first page of "not closed" (overdue first) and of the OVERDUE tab  (/needs/?tab=…)
- the rates page: in all, per street, per committee, per unit, overdue list  (/needs/rates/)
- GET /api/v1/needs/rates

Prints p50/p99 in ms. Seeding uses bulk_create (fixture data, not the thing measured); a second run on the
same database only measures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gonghui_bench \\
        .venv/bin/python bench/needs_board.py --needs 50000 --units 200 --runs 50
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
os.environ.setdefault("GONGHUI_2FA_REQUIRED", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from gonghui.accounts.models import User  # noqa: E402
from gonghui.demo.story import load_demo_story  # noqa: E402
from gonghui.needs.models import (  # noqa: E402
    Claim,
    Committee,
    DeadlineClass,
    Need,
    PartnerUnit,
    Served,
    ServiceEvent,
    WorkType,
)

PREFIX = "bench"


def seed(needs: int, units: int, rng: random.Random) -> None:
    call_command("migrate", verbosity=0)
    call_command("load_regions", stdout=open(os.devnull, "w"))  # noqa: SIM115
    story = load_demo_story(with_members=False)
    officer = User.objects.get(username="tongzhou")
    now = timezone.now()
    streets = [story.units[c] for c in ("BJ-TZ-YS", "BJ-TZ-LY", "BJ-TZ-LC")]
    committees = []
    for street in streets:
        committee, _ = Committee.objects.get_or_create(
            union=street,
            name=f"{PREFIX} {street.name}协调委员会",
            defaults={"sector": "CONSTRUCTION", "founded_date": datetime.date(2025, 1, 1), "created_at": now},
        )
        committees.append(committee)
    types = list(WorkType.objects.all())
    have_units = PartnerUnit.objects.filter(name__startswith=PREFIX).count()
    for i in range(have_units, units):
        committee = committees[i % len(committees)]
        unit = PartnerUnit.objects.create(
            name=f"{PREFIX} unit {i}", kind="PARTY_BRANCH", union=committee.union, created_at=now
        )
        unit.committees.add(committee)
        unit.work_types.set(rng.sample(types, 2))
    unit_ids = {c.pk: list(c.members.values_list("pk", flat=True)) for c in committees}
    classes = list(DeadlineClass.objects.all())
    have = Need.objects.filter(title__startswith=PREFIX).count()
    start = now - datetime.timedelta(days=730)
    batch: list[Need] = []
    for i in range(have, needs):
        committee = committees[i % len(committees)]
        posted = start + datetime.timedelta(minutes=rng.randint(0, 730 * 24 * 60))
        deadline = rng.choice(classes)
        due = posted + datetime.timedelta(hours=deadline.hours)
        status = rng.choices(["OPEN", "CLAIMED", "SCHEDULED", "DELIVERED", "CLOSED"], [5, 5, 5, 10, 75])[0]
        claimed = (
            posted + datetime.timedelta(hours=rng.uniform(0.5, deadline.hours * 1.3))
            if status != "OPEN"
            else None
        )
        delivered = (
            posted + datetime.timedelta(hours=rng.uniform(1, deadline.hours * 1.5))
            if status in ("DELIVERED", "CLOSED")
            else None
        )
        closure = (
            rng.choices(["RESOLVED", "UNRESOLVED", "NOT_OURS"], [85, 10, 5])[0] if status == "CLOSED" else ""
        )
        batch.append(
            Need(
                committee=committee,
                work_type=rng.choice(types),
                title=f"{PREFIX} need {i}",
                people_count=rng.randint(1, 200),
                deadline_class=deadline,
                due_at=due,
                status=status,
                source="OFFICER",
                raised_by=officer,
                posted_at=posted,
                first_claimed_at=claimed,
                delivered_at=delivered,
                closed_at=delivered if status == "CLOSED" else None,
                closure=closure,
                closure_reason="bench" if closure in ("UNRESOLVED", "NOT_OURS") else "",
                satisfaction=rng.randint(3, 5) if closure == "RESOLVED" and rng.random() < 0.6 else None,
                updated_at=now,
            )
        )
        if len(batch) == 5000:
            Need.objects.bulk_create(batch)
            batch = []
    Need.objects.bulk_create(batch)
    if not Claim.objects.filter(need__title__startswith=PREFIX).exists():
        claims, events = [], []
        rows = (
            Need.objects.filter(title__startswith=PREFIX)
            .exclude(status="OPEN")
            .values_list("pk", "committee_id", "first_claimed_at", "delivered_at")
        )
        for pk, committee_id, claimed, delivered in rows.iterator():
            unit = rng.choice(unit_ids[committee_id])
            sent_back = rng.random() < 0.05
            claims.append(
                Claim(
                    need_id=pk,
                    unit_id=unit,
                    status="SENT_BACK" if sent_back else "ACTIVE",
                    claimed_at=claimed or now,
                    reason="bench" if sent_back else "",
                )
            )
            if delivered is not None:
                events.append(
                    ServiceEvent(
                        need_id=pk,
                        starts_at=delivered,
                        place="bench",
                        public_token=f"{PREFIX}-{pk}",
                        created_at=delivered,
                        delivered_at=delivered,
                    )
                )
        Claim.objects.bulk_create(claims, batch_size=5000)
        ServiceEvent.objects.bulk_create(events, batch_size=5000)
        served = [
            Served(event_id=pk, head_count=rng.randint(5, 120), source="UNIT", created_at=now)
            for pk in ServiceEvent.objects.filter(place="bench").values_list("pk", flat=True).iterator()
        ]
        Served.objects.bulk_create(served, batch_size=5000)
        through = ServiceEvent.providers.through
        pairs = Claim.objects.filter(
            need__title__startswith=PREFIX, status="ACTIVE", need__events__isnull=False
        )
        through.objects.bulk_create(
            [
                through(serviceevent_id=event_id, partnerunit_id=unit_id)
                for event_id, unit_id in pairs.values_list("need__events__pk", "unit_id").iterator()
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
    call_command("migrate", verbosity=0)  # nothing to do: keeps the command list honest
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(client: Client, url: str, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--needs", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(14)
    t = time.perf_counter()
    seed(args.needs, args.units, rng)
    print(f"seeded in {time.perf_counter() - t:.0f} s")
    print(
        f"needs {Need.objects.count()}, units {PartnerUnit.objects.count()}, claims {Claim.objects.count()}, "
        f"service events {ServiceEvent.objects.count()}, served rows {Served.objects.count()}"
    )
    client = Client()
    client.force_login(User.objects.get(username="tongzhou"))
    for label, url in [
        ("board, not closed (first page)", "/needs/"),
        ("board, overdue tab", "/needs/?tab=OVERDUE"),
        ("board, closed tab", "/needs/?tab=CLOSED"),
        ("rates page", "/needs/rates/"),
        ("GET /api/v1/needs/rates", "/api/v1/needs/rates"),
        ("GET /api/v1/needs?tab=OVERDUE", "/api/v1/needs?tab=OVERDUE"),
    ]:
        timed(client, url, 2)  # warm caches and the plan cache
        p50, p99 = timed(client, url, args.runs)
        print(f"{label}: p50 {p50:.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
