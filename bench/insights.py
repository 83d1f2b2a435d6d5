"""The leaders' dashboards at city scale: build a synthetic Beijing with COPY, time every panel.

Builds, in the PostgreSQL database named by DATABASE_URL (use a database of its own: it is filled, not
cleaned), N members with proportional unions, enterprises, meetings and cards, then times each panel
(gonghui/insights/panels) at city, district and street level, cold (the first run on a fresh connection;
PostgreSQL's and the OS's caches are NOT dropped, other engineers share the machine) and warm (repeats),
and prints p50/p99 per panel and level, the base tables' size and bytes per member.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gh_insights_bench \\
        .venv/bin/python bench/insights.py --members 1000000 --repeats 20

Proportions (from the issue's national figures, 300M members in 2.8M grassroots unions: ~107 members a
union): 16 districts × 20 streets; one grassroots union per 107 members, spread evenly over the streets;
1.3 enterprises per union (the first one has the union; sizes 20–520 employees); members 96% active, 1%
pending, 3% ended, joined over the last three years, channels mixed; a weekly meeting per street and a
monthly one per district over the last year; card applications for 30% of members, 90% of them issued.
Encrypted columns hold real AES-GCM ciphertext and real blind indexes (core/pii.py), so bytes per member
are what production stores. Rows are written with COPY (psycopg's copy.write_row); ids are assigned here.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.utils import timezone  # noqa: E402

from gonghui.accounts.models import User  # noqa: E402
from gonghui.cards.models import BankBranch, Card, CardApplication  # noqa: E402
from gonghui.core import pii  # noqa: E402
from gonghui.demo.story import load_demo_story  # noqa: E402
from gonghui.enterprises.models import Enterprise  # noqa: E402
from gonghui.insights.panels.base import View  # noqa: E402
from gonghui.insights.panels.registry import PANELS  # noqa: E402
from gonghui.meetings.models import Meeting  # noqa: E402
from gonghui.members.models import Membership, Person  # noqa: E402
from gonghui.orgs.models import OrgUnit, Region  # noqa: E402
from gonghui.orgs.queries import list_children  # noqa: E402

MEMBERS_PER_UNION = 107
DISTRICTS = 16
STREETS_PER_DISTRICT = 20
BATCH = 20_000
MARK = "BENCH"  # codes of the synthetic units start with it: a second run finds them and only measures


class Ids:
    """Ids handed out here (COPY does not return them); the sequences are moved past them at the end."""

    def __init__(self, model: type[models.Model]) -> None:
        with connection.cursor() as cursor:
            # Table names come from the models, never from input.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608
            self.next = cursor.fetchone()[0] + 1

    def take(self) -> int:
        self.next += 1
        return self.next - 1


def copy(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
    """COPY dicts of field attnames into the model's table; a field left out gets its default."""
    fields = [f for f in model._meta.concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    n = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as out,
    ):
        for row in rows:
            values = []
            for f in fields:
                if f.attname in row:
                    values.append(row[f.attname])
                elif f.null:
                    values.append(None)
                else:
                    default = f.get_default()
                    values.append(default if not isinstance(default, list | dict) else "[]")
            out.write_row(values)
            n += 1
    return n


def reset_sequences(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            )


def batched[T](items: Iterator[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def build(members: int, rng: random.Random) -> None:
    now = timezone.now()
    city = OrgUnit.objects.get(code="BJ")
    region = Region.objects.get(code="110112")
    street_region = Region.objects.get(code="110112120")
    units = Ids(OrgUnit)
    started = time.perf_counter()

    def unit_row(
        pk: int, code: str, name: str, kind: str, parent: OrgUnit | dict, path: str, depth: int
    ) -> dict:
        parent_id = parent.pk if isinstance(parent, OrgUnit) else parent["id"]
        return {
            "id": pk,
            "code": code,
            "name": name,
            "kind": kind,
            "status": "ACTIVE",
            "parent_id": parent_id,
            "path": path,
            "depth": depth,
            "region_id": region.pk,
            "created_at": now,
        }

    districts, streets, grassroots = [], [], []
    for d in range(DISTRICTS):
        pk = units.take()
        districts.append(
            unit_row(pk, f"{MARK}-D{d}", f"测试{d}区总工会", "DISTRICT", city, f"{city.path}{pk}/", 1)
        )
    for district in districts:
        for s in range(STREETS_PER_DISTRICT):
            pk = units.take()
            streets.append(
                unit_row(
                    pk,
                    f"{district['code']}-S{s}",
                    f"{district['name'][:-4]}{s}街道总工会",
                    "STREET",
                    district,
                    f"{district['path']}{pk}/",
                    2,
                )
            )
    n_unions = max(1, members // MEMBERS_PER_UNION)
    for u in range(n_unions):
        street = streets[u % len(streets)]
        pk = units.take()
        created = now - datetime.timedelta(days=rng.randint(0, 3 * 365))
        grassroots.append(
            {
                **unit_row(
                    pk,
                    f"{street['code']}-G{u}",
                    f"测试企业{u}工会",
                    "GRASSROOTS",
                    street,
                    f"{street['path']}{pk}/",
                    3,
                ),
                "created_at": created,
            }
        )
    copy(OrgUnit, districts + streets + grassroots)
    print(
        f"  units: {len(districts)} districts, {len(streets)} streets, {len(grassroots)} grassroots",
        flush=True,
    )

    enterprises = Ids(Enterprise)
    rows = []
    for e in range(int(n_unions * 1.3)):
        union = grassroots[e] if e < n_unions else None
        street = grassroots[e % n_unions]["parent_id"]
        staff = rng.randint(20, 520)
        rows.append(
            {
                "id": enterprises.take(),
                "uscc": f"9{e:017d}",
                "name": f"测试企业{e}",
                "district_id": region.pk,
                "street_id": street_region.pk,
                "industry": "C",
                "unit_type": "PRIVATE",
                "employee_count": staff,
                "female_employee_count": staff // 2,
                "managing_unit_id": street,
                "union_id": union["id"] if union else None,
                "created_at": now,
                "updated_at": now,
                "contact_phone_index": None,
            }
        )
    copy(Enterprise, rows)

    branch = BankBranch.objects.order_by("pk").first()
    assert branch is not None
    people, memberships, applications, cards = Ids(Person), Ids(Membership), Ids(CardApplication), Ids(Card)
    channels = ["STAFF_MOBILE", "SELF_SERVICE", "IMPORT", "CONSOLE"]
    done = 0
    for chunk in batched(iter(range(members)), BATCH):
        rids = [f"BENCH{people.next + i:013d}" for i in range(len(chunk))]
        sealed = pii.encrypt_many(rids, aad="resident_id")
        phones = pii.encrypt_many([f"139{i:08d}" for i in chunk], aad="phone")
        person_rows, member_rows, app_rows, card_rows = [], [], [], []
        for i, n in enumerate(chunk):
            person_id = people.take()
            joined_days = rng.randint(0, 3 * 365)
            applied_at = now - datetime.timedelta(days=joined_days, hours=1)
            person_rows.append(
                {
                    "id": person_id,
                    "name": f"测{n}",
                    "gender": "MF"[n % 2],
                    "ethnicity": "汉族",
                    "birth_date": datetime.date(1970 + n % 35, 1 + n % 12, 1 + n % 28),
                    "resident_id": sealed[i],
                    "resident_id_index": pii.blind_index(rids[i], purpose="resident_id"),
                    "phone": phones[i],
                    "phone_index": pii.blind_index(f"139{n:08d}", purpose="phone"),
                    "created_at": applied_at,
                    "updated_at": applied_at,
                }
            )
            roll = rng.random()
            status = "PENDING" if roll < 0.01 else "ENDED" if roll < 0.04 else "ACTIVE"
            union = grassroots[n % n_unions]
            membership_id = memberships.take()
            member_rows.append(
                {
                    "id": membership_id,
                    "person_id": person_id,
                    "union_id": union["id"],
                    "status": status,
                    "channel": channels[n % 4],
                    "employment_status": "EMPLOYED",
                    "applied_at": applied_at,
                    "joined_date": None if status == "PENDING" else timezone.localdate(applied_at),
                    "warnings": "[]",
                    "employer_name": "",
                }
            )
            if status == "ACTIVE" and rng.random() < 0.3:
                app_id = applications.take()
                issued = rng.random() < 0.9
                called = applied_at + datetime.timedelta(hours=2)
                done_at = called + datetime.timedelta(minutes=rng.uniform(2.5, 8))
                app_rows.append(
                    {
                        "id": app_id,
                        "membership_id": membership_id,
                        "person_id": person_id,
                        "union_id": union["id"],
                        "status": "ISSUED" if issued else "ROUTED",
                        "source": "OFFICER",
                        "branch_id": branch.pk,
                        "submitted_at": applied_at,
                        "routed_at": applied_at,
                        "called_at": called if issued else None,
                        "issued_at": done_at if issued else None,
                        "completed_at": done_at if issued else None,
                    }
                )
                if issued:
                    number = f"62{app_id:014d}"
                    card_rows.append(
                        {
                            "id": cards.take(),
                            "application_id": app_id,
                            "person_id": person_id,
                            "branch_id": branch.pk,
                            "number": pii.encrypt(number, aad="number"),
                            "number_index": pii.blind_index(number, purpose="card_number"),
                            "status": "ISSUED",
                            "issued_at": done_at,
                        }
                    )
        copy(Person, person_rows)
        copy(Membership, member_rows)
        copy(CardApplication, app_rows)
        copy(Card, card_rows)
        done += len(chunk)
        if done % 200_000 < BATCH:
            print(f"  members: {done:,} ({done / (time.perf_counter() - started):,.0f}/s)", flush=True)

    meetings = Ids(Meeting)
    meeting_rows = []
    organisers = [(s, 7) for s in streets] + [(d, 30) for d in districts]
    for organiser, every_days in organisers:
        for k in range(365 // every_days):
            starts = now - datetime.timedelta(days=every_days * k + 1)
            pk = meetings.take()
            meeting_rows.append(
                {
                    "id": pk,
                    "kind": "WORKER",
                    "title": f"沟通会{pk}",
                    "organiser_id": organiser["id"],
                    "starts_at": starts,
                    "ends_at": starts + datetime.timedelta(hours=2),
                    "cadence": "WEEKLY" if every_days == 7 else "MONTHLY",
                    "place_kind": "ADDRESS",
                    "address": "测试地址",
                    "status": "CLOSED",
                    "public_token": f"bench{pk}",
                    "attendance": rng.randint(10, 80),
                    "created_at": starts,
                    "updated_at": starts,
                    "held_at": starts,
                    "closed_at": starts + datetime.timedelta(hours=3),
                }
            )
    copy(Meeting, meeting_rows)
    reset_sequences(
        "orgs_orgunit",
        "enterprises_enterprise",
        "members_person",
        "members_membership",
        "cards_cardapplication",
        "cards_card",
        "meetings_meeting",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built in {time.perf_counter() - started:,.0f} s", flush=True)


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] if len(samples) > 1 else samples[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "the bench measures PostgreSQL (set DATABASE_URL)"
    print(f"database: {connection.settings_dict['NAME']}, load: {os.getloadavg()}")
    call_command("migrate", verbosity=0)
    call_command("load_regions", stdout=open(os.devnull, "w"))  # noqa: SIM115
    load_demo_story(with_members=False)
    if not OrgUnit.objects.filter(code__startswith=MARK).exists():
        build(args.members, random.Random(2026))
    n_members = Membership.objects.count()
    admin = User.objects.get(username="admin")
    city = OrgUnit.objects.get(code="BJ")
    district = OrgUnit.objects.get(code=f"{MARK}-D0")
    street = OrgUnit.objects.get(code=f"{MARK}-D0-S0")
    today = timezone.localdate()
    start = datetime.date(today.year - 1, today.month, 1)
    print(f"members: {n_members:,}; period {start} – {today}; {args.repeats} warm runs each")
    print(f"{'panel':<14}{'level':<10}{'cold ms':>10}{'warm p50':>10}{'warm p99':>10}")
    for level, unit in (("city", city), ("district", district), ("street", street)):
        children = list(list_children(acting_user=admin, unit=unit))
        view = View(
            acting_user=admin,
            unit=unit,
            children=children,
            start=start,
            end=today,
            now=timezone.now(),
            db="default",
        )
        for key, compute in PANELS.items():
            connection.close()  # cold: a fresh connection (no plan or catalogue cache of its own)
            t = time.perf_counter()
            compute(view)
            cold = (time.perf_counter() - t) * 1000
            warm = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                compute(view)
                warm.append((time.perf_counter() - t) * 1000)
            print(
                f"{key:<14}{level:<10}{cold:>10.1f}{percentile(warm, 50):>10.1f}{percentile(warm, 99):>10.1f}",
                flush=True,
            )
    with connection.cursor() as cursor:
        sizes = {}
        for table in (
            "members_person",
            "members_membership",
            "cards_cardapplication",
            "cards_card",
            "orgs_orgunit",
            "enterprises_enterprise",
            "meetings_meeting",
        ):
            cursor.execute("SELECT pg_total_relation_size(%s), pg_relation_size(%s)", [table, table])
            sizes[table] = cursor.fetchone()
    total = sum(s[0] for s in sizes.values())
    for table, (with_indexes, heap) in sizes.items():
        print(f"  {table:<24}{with_indexes / 2**20:>10.1f} MiB with indexes ({heap / 2**20:.1f} MiB heap)")
    member_bytes = sizes["members_person"][0] + sizes["members_membership"][0]
    print(
        f"person + membership: {member_bytes / n_members:.0f} B/member; all base tables above: "
        f"{total / n_members:.0f} B/member (including indexes)"
    )
    print(f"load at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
