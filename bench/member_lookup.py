"""Member lookup by resident ID at city scale.

Seeds N people with active memberships (encrypted IDs and phones, blind indexes — the same model fields
the enrolment action writes) into the database named by DATABASE_URL, then times lookups through the
scoped query the console and API use, and through the HTTP API in-process. Prints p50/p99 in ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gonghui_bench \\
        .venv/bin/python bench/member_lookup.py --count 1000000 --lookups 2000

Seeding uses bulk_create for speed (it is fixture data, not the thing measured); rows already present
from an earlier run are kept, so a second run only measures.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from gonghui.accounts.models import User  # noqa: E402
from gonghui.demo.story import load_demo_story  # noqa: E402
from gonghui.members.models import Membership, Person  # noqa: E402
from gonghui.members.queries import search_members  # noqa: E402

BATCH = 5000


def resident_id(rng: random.Random) -> str:
    area = rng.choice(["110112", "110108", "110105", "412721", "410927"])
    body = f"{area}{rng.randint(1960, 2006)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def seed(count: int, rng: random.Random) -> list[str]:
    call_command("migrate", verbosity=0)
    call_command("load_regions", stdout=open(os.devnull, "w"))  # noqa: SIM115
    story = load_demo_story(with_members=False)
    union = story.units["BJ-TZ-YS-YR"]
    have = Person.objects.count()
    # A fresh stream per starting size, so a re-run that tops up does not regenerate existing IDs.
    rng = random.Random(f"{rng.random()}-{have}")
    ids: set[str] = set()
    now = timezone.now()
    started = time.perf_counter()
    while have < count:
        people = []
        while len(people) < min(BATCH, count - have):
            rid = resident_id(rng)
            if rid in ids:
                continue
            ids.add(rid)
            people.append(
                Person(
                    name="测试" + str(have + len(people)),
                    gender="M" if int(rid[16]) % 2 else "F",
                    birth_date=ric.get_birth_date(rid),
                    resident_id=rid,
                    phone=f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}",
                    created_at=now,
                    updated_at=now,
                )
            )
        created = Person.objects.bulk_create(people)
        Membership.objects.bulk_create(
            Membership(person=p, union=union, status="ACTIVE", channel="IMPORT", applied_at=now)
            for p in created
        )
        have += len(created)
        if have % 100_000 < BATCH:
            print(
                f"  seeded {have:,} people ({have / (time.perf_counter() - started):,.0f} rows/s)", flush=True
            )
    if connection.vendor == "postgresql":
        # What autovacuum would soon do after a big load; without fresh statistics the planner walks the
        # union's million memberships instead of looking the person up first.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE members_person, members_membership, orgs_orgunit")
    return sorted(ids)


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1] if len(samples) > 1 else samples[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(2026)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    known = seed(args.count, rng)
    total = Person.objects.count()
    print(f"people: {total:,}")
    admin = User.objects.get(username="admin")
    # IDs to look up: freshly seeded ones when we have them, else decrypt a sample (rows from a past run).
    sample = known or [p.resident_id for p in Person.objects.order_by("?")[: args.lookups]]
    targets = [rng.choice(sample) for _ in range(args.lookups)]

    query_ms = []
    for rid in targets:
        t = time.perf_counter()
        found = list(search_members(acting_user=admin, text=rid)[:5])
        query_ms.append((time.perf_counter() - t) * 1000)
        assert len(found) == 1, rid
    client = Client()
    client.force_login(admin)
    from django.conf import settings

    settings.GONGHUI_2FA_REQUIRED = False
    http_ms = []
    for rid in targets[: max(200, args.lookups // 4)]:
        t = time.perf_counter()
        response = client.get("/api/v1/members", {"q": rid})
        http_ms.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200 and response.json()["count"] == 1
    print(
        f"lookup by resident ID, scoped query: p50 {percentile(query_ms, 50):.2f} ms, "
        f"p99 {percentile(query_ms, 99):.2f} ms ({len(query_ms)} lookups)"
    )
    print(
        f"lookup by resident ID, GET /api/v1/members?q=: p50 {percentile(http_ms, 50):.2f} ms, "
        f"p99 {percentile(http_ms, 99):.2f} ms ({len(http_ms)} requests, in-process client)"
    )


if __name__ == "__main__":
    main()
