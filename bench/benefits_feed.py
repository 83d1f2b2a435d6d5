"""The settlement feed at city scale: a feed of N settlements imported (dry run, then commit) through the
feed job's own code, claims computed — rows/s printed for each pass.

Setup (not timed): P members, each with a live service card and the medical-insurance link, bulk-inserted
(the personal fields encrypted and blind-indexed as the models do it), and the example plans of the year.
The feed is a CSV of N rows over those members (several settlements each, a few per cent of bad rows: an
unknown ID, a negative amount, a date in the future), written before the clock starts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gh_benefits_bench .venv/bin/python bench/benefits_feed.py
    ... --rows 500000 --persons 50000          (the issue's figure; default is a reduced scale)

The benefits, cards and members tables of that database are emptied first. Never point it at a database you
care about.
"""

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
os.environ["DEBUG"] = "0"


def resident_id(n: int) -> str:
    from stdnum.cn import ric

    # Distinct for every n below 15 million: a birth date per thousand, a sequence number within it.
    birth = datetime.date(1966, 1, 1) + datetime.timedelta(days=(n // 1000) % 15000)
    body = f"{110101 + n // 15_000_000:06d}{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def setup(persons: int) -> list[str]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from gonghui.accounts.models import User
    from gonghui.benefits.actions.plans import do_create_benefit_plan
    from gonghui.cards.models import BankBranch, Card, CardApplication
    from gonghui.cards.numbers import sequential_card_numbers
    from gonghui.demo.benefits import example_plans
    from gonghui.demo.story import load_demo_story
    from gonghui.members.models import Membership, Person

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        for table in (
            "benefits_claimadjustment",
            "benefits_claimreceipt",
            "benefits_reimbursementclaim",
            "benefits_settlement",
            "benefits_yearaccumulator",
            "benefits_feedproblem",
            "benefits_feedimportjob",
        ):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
    load_demo_story(with_members=False)
    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    from gonghui.benefits.models import BenefitPlan

    for data in example_plans(today.year):
        if not BenefitPlan.objects.filter(year=data.year, kind=data.kind, status="ACTIVE").exists():
            do_create_benefit_plan(acting_user=admin, data=data)
    ids = [resident_id(n) for n in range(persons)]
    have = Person.objects.filter(name__startswith="基准").count()
    if have >= persons:
        return ids
    from gonghui.orgs.models import OrgUnit

    union = OrgUnit.objects.get(code="BJ-TZ-YS-YR")
    branch = BankBranch.objects.get(code="BOB-TZ")
    now = timezone.now()
    joined = datetime.date(today.year, 1, 1) if today.month > 1 else today - datetime.timedelta(days=30)
    numbers = sequential_card_numbers(bin_prefix=branch.bin_prefix, start=800_000_000, count=persons)
    step = 5000
    for start in range(have, persons, step):
        chunk = range(start, min(start + step, persons))
        people = Person.objects.bulk_create(
            [
                Person(
                    name=f"基准{n}",
                    gender="F",
                    birth_date=datetime.date(1980, 1, 1),
                    resident_id=ids[n],
                    created_at=now,
                    updated_at=now,
                )
                for n in chunk
            ]
        )
        memberships = Membership.objects.bulk_create(
            [
                Membership(
                    person=p,
                    union=union,
                    status="ACTIVE",
                    channel="IMPORT",
                    applied_at=now,
                    joined_date=joined,
                )
                for p in people
            ]
        )
        applications = CardApplication.objects.bulk_create(
            [
                CardApplication(
                    membership=m,
                    person=m.person,
                    union=union,
                    status="ACTIVATED",
                    source="BULK",
                    branch=branch,
                    submitted_at=now,
                )
                for m in memberships
            ]
        )
        Card.objects.bulk_create(
            [
                Card(
                    application=a,
                    person=a.person,
                    branch=branch,
                    number=numbers[n],
                    status="ACTIVE",
                    issued_at=now,
                    medical_account=f"M{n:012d}",
                    medical_linked_at=now,
                )
                for n, a in zip(chunk, applications, strict=True)
            ]
        )
        print(f"  setup: {start + len(chunk)} members", flush=True)
    return ids


def write_feed(path: Path, ids: list[str], rows: int, seed: int = 17) -> dict[str, int]:
    rng = random.Random(seed)
    today = datetime.date.today()
    bad = {"unknown": 0, "negative": 0, "future": 0}
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            "公民身份号码,结算单号,就诊日期,就诊类别,医院名称,医院等级,医疗总费用,统筹支付,范围内自付\n"
        )
        for r in range(rows):
            rid = ids[r % len(ids)]
            day = today - datetime.timedelta(days=rng.randint(0, min(300, today.timetuple().tm_yday - 1)))
            kind = "住院" if rng.random() < 0.4 else "门诊"
            self_paid = rng.randint(500_00, 30_000_00) if kind == "住院" else rng.randint(50_00, 4_000_00)
            covered = self_paid * 2
            total = covered + self_paid + rng.randint(0, 2_000_00)
            roll = rng.random()
            if roll < 0.01:
                rid, bad["unknown"] = resident_id(10_000_000 + r), bad["unknown"] + 1
            elif roll < 0.02:
                self_paid, bad["negative"] = -self_paid, bad["negative"] + 1
            elif roll < 0.03:
                day, bad["future"] = today + datetime.timedelta(days=5), bad["future"] + 1
            out.write(
                f"{rid},JS{r:012d},{day.isoformat()},{kind},某某医院,三级,{total / 100:.2f},{covered / 100:.2f},{self_paid / 100:.2f}\n"
            )
    return bad


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=10_000)
    args = parser.parse_args()
    ids = setup(args.persons)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from gonghui.accounts.models import User
    from gonghui.benefits.actions.feed import do_request_feed_commit, do_upload_settlement_feed
    from gonghui.benefits.feed_import import run_feed_import
    from gonghui.benefits.models import FeedImportJob
    from gonghui.orgs.models import OrgUnit

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.csv"
        bad = write_feed(path, ids, args.rows)
        admin = User.objects.get(username="admin")
        job = do_upload_settlement_feed(
            acting_user=admin,
            unit=OrgUnit.objects.get(code="BJ"),
            upload=SimpleUploadedFile("feed.csv", path.read_bytes()),
            original_name="feed.csv",
        )
    print(
        f"database: {connection.vendor}; feed: {args.rows} rows over {args.persons} members; bad rows {bad}"
    )
    started = time.perf_counter()
    job = run_feed_import(job, commit=False)
    dry = time.perf_counter() - started
    print(
        f"dry run: {job.rows_read} rows in {dry:.1f} s = {job.rows_read / dry:,.0f} rows/s  (approved {job.approved}, refused {job.refused}, rejected {job.rejected})"
    )
    do_request_feed_commit(acting_user=admin, job=job)
    started = time.perf_counter()
    job = run_feed_import(FeedImportJob.objects.get(pk=job.pk), commit=True)
    wet = time.perf_counter() - started
    print(
        f"import:  {job.rows_read} rows in {wet:.1f} s = {job.rows_read / wet:,.0f} rows/s  (approved {job.approved}, refused {job.refused}, rejected {job.rejected}, payable {job.payable_fen / 100:,.2f} yuan)"
    )
    started = time.perf_counter()
    again = do_upload_settlement_feed(
        acting_user=admin,
        unit=job.unit,
        upload=SimpleUploadedFile("feed.csv", job.file.open("rb").read()),
        original_name="again.csv",
    )
    # The same feed again, committed straight away: it must change nothing.
    again = run_feed_import(again, commit=True)
    replay = time.perf_counter() - started
    print(
        f"replay:  {again.rows_read} rows in {replay:.1f} s = {again.rows_read / replay:,.0f} rows/s  (unchanged {again.unchanged}, approved {again.approved})"
    )


if __name__ == "__main__":
    main()
