"""Roster import and export at city scale, on PostgreSQL.

Generates a realistic roster (.xlsx written with xlsxwriter; about 2% bad rows of the kinds real rosters
have), then, each in a fresh subprocess so that peak memory (ru_maxrss) belongs to that step alone:

  read     the reader alone (core.sheets: checks, then every row's values from python-calamine, the
           sheet in windows): time and peak memory, the bound the import's reading process keeps
  import   gonghui's import: dry run, then commit (full validation, encryption, blind indexes, dedupe)
  copy     raw binary COPY of the same rows into members_person + members_membership (the physical limit;
           values prepared before the clock starts)
  die      django-import-export importing the same file into Person, with its defaults and with its
           fastest insert-only settings (use_bulk, skip_diff, force_init_instance), on a slice of the
           file (it is slow) — rows/s is what is compared
  export   150,000 members to .xlsx through the export job's code

    pip install -e .[bench]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gonghui_roster .venv/bin/python bench/import_roster.py
    ... --rows 1000000 --skip die,copy,export      (the million-row run)

The members tables of that database are emptied first. Never point it at a database you care about.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
# As in production: with DEBUG on, Django keeps the last 9,000 queries' SQL in memory (hundreds of MB of
# 2,000-key IN lists over a big import), which is not the import's memory.
os.environ["DEBUG"] = "0"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英春贵建国志强海燕红梅小二建华"
AREAS = ["110112", "110108", "110105", "110101", "110114", "130682", "510107", "110106"]
HEADER = [
    "序号",
    "姓名",
    "性别",
    "民族",
    "公民身份号码",
    "手机号码",
    "学历",
    "政治面貌",
    "户籍类型",
    "是否农民工",
    "工作单位",
    "就业状态",
    "入会日期",
]


def generate(path: Path, rows: int, seed: int = 2026) -> dict[str, int]:
    import xlsxwriter

    rng = random.Random(seed)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("花名册")
    sheet.write_row(0, 0, HEADER)
    bad = {"excel_number": 0, "checksum": 0, "phone": 0, "date": 0, "duplicate": 0, "name": 0}
    used: set[str] = set()
    serial = 0
    previous = ""
    for r in range(1, rows + 1):
        rid = ""
        while not rid or rid in used:
            serial += 1
            rid = unique_id(serial)
        used.add(rid)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        gender = "男" if int(rid[16]) % 2 else "女"
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
        joined: object = f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        row: list[object] = [
            r,
            name,
            gender,
            "汉族",
            rid,
            phone,
            rng.choice(["初中", "高中、中专、技校", "大专", "大学本科"]),
            rng.choice(["群众", "共青团员", "中共党员"]),
            rng.choice(["农业户口", "非农业户口"]),
            rng.choice(["是", "否"]),
            "北京城建集团三标段项目部",
            "在职",
            joined,
        ]
        # Quirks that are fine: full-width digits, stray spaces, serial and Chinese dates.
        quirk = rng.random()
        if quirk < 0.05:
            row[4] = " " + rid[:6] + " " + rid[6:] + " "
        elif quirk < 0.08:
            row[12] = 43000 + rng.randint(0, 2000)
        elif quirk < 0.10:
            row[12] = f"20{rng.randint(10, 24)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
        # About 2% bad rows.
        fault = rng.random()
        if fault < 0.004:
            row[4] = float(rid[:15] + "000")
            bad["excel_number"] += 1
        elif fault < 0.008:
            row[4] = rid[:17] + ("0" if rid[17] != "0" else "1")
            bad["checksum"] += 1
        elif fault < 0.012:
            row[5] = phone[:7]
            bad["phone"] += 1
        elif fault < 0.016:
            row[12] = "去年五月"
            bad["date"] += 1
        elif fault < 0.018 and previous:
            row[4] = previous
            bad["duplicate"] += 1
        elif fault < 0.020:
            row[1] = ""
            bad["name"] += 1
        previous = rid
        for c, value in enumerate(row):
            if isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    workbook.close()
    return bad


def unique_id(serial: int) -> str:
    """A valid resident ID for each serial (distinct for up to 8 areas x 8 years x 365 days x 1000)."""
    from stdnum.cn import ric

    area = AREAS[serial % len(AREAS)]
    rest = serial // len(AREAS)
    seq, rest = rest % 1000, rest // 1000
    day, rest = rest % 365, rest // 365
    year = 1999 + rest % 8
    import datetime

    birth = datetime.date(year, 1, 1) + datetime.timedelta(days=day)
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


# --- steps, each run in its own process ------------------------------------------------------------


def setup_django() -> None:
    import django

    django.setup()


def reset_db() -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE members_importproblem, members_importjob, members_exportjob, members_transfer, "
            "members_consent, members_enrolmentreceipt, members_membership, members_person CASCADE"
        )
    from gonghui.demo.story import load_demo_story

    if not __import__("gonghui.orgs.models", fromlist=["Region"]).Region.objects.exists():
        call_command("load_regions", stdout=open(os.devnull, "w"))  # noqa: SIM115
    load_demo_story(with_members=False)


def maxrss_mb() -> float:
    """Peak resident memory of this step's process, or of the reading process it forked for a big file
    (the larger of the two: each is a whole process's peak)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def step_import(path: Path) -> dict[str, object]:
    from django.conf import settings
    from django.core.files import File

    from gonghui.accounts.models import User
    from gonghui.members.actions import do_request_roster_commit, do_upload_roster
    from gonghui.members.roster_import import run_roster_import
    from gonghui.orgs.models import OrgUnit

    settings.GONGHUI_ROSTER_MAX_UPLOAD_BYTES = 1 << 30
    settings.GONGHUI_ROSTER_MAX_ROWS = 2_000_000
    user = User.objects.get(username="luyuan")
    union = OrgUnit.objects.get(code="BJ-TZ-LY-SB3")
    with open(path, "rb") as handle:
        job = do_upload_roster(acting_user=user, union=union, upload=File(handle), original_name=path.name)
    started = time.perf_counter()
    job = run_roster_import(job, commit=False)
    dry = time.perf_counter() - started
    assert job.status == "CHECKED", (job.error_code, job.error_message)
    job = do_request_roster_commit(acting_user=user, job=job)
    started = time.perf_counter()
    job = run_roster_import(job, commit=True)
    commit = time.perf_counter() - started
    assert job.status == "DONE", (job.error_code, job.error_message)
    return {
        "rows": job.rows_read,
        "dry_s": dry,
        "commit_s": commit,
        "accepted": job.accepted,
        "rejected": job.rejected,
        "duplicates": job.duplicates,
        "maxrss_mb": maxrss_mb(),
    }


def step_read(path: Path) -> dict[str, object]:
    from gonghui.core.sheets import SheetLimits, open_sheet

    started = time.perf_counter()
    sheet = open_sheet(path, path.name, limits=SheetLimits(max_bytes=1 << 30, max_rows=2_000_010))
    rows = sum(1 for _row in sheet.rows())
    return {"rows": rows, "read_s": time.perf_counter() - started, "maxrss_mb": maxrss_mb()}


def step_copy(path: Path) -> dict[str, object]:
    """Binary COPY of the accepted rows into the real tables: encryption and hashing done beforehand."""
    from django.db import connection
    from django.utils import timezone

    from gonghui.core.pii import blind_index, encrypt
    from gonghui.members.roster import open_roster
    from gonghui.members.validators import check_resident_id
    from gonghui.orgs.models import OrgUnit

    union = OrgUnit.objects.get(code="BJ-TZ-LY-SB3")
    roster = open_roster(path, path.name)
    cols = roster.header.columns
    index = {key: i for i, key in cols.items()}
    now = timezone.now()
    people = []
    seen = set()
    for _number, cells in roster.rows():
        try:
            checked = check_resident_id(cells[index["resident_id"]])
        except Exception:  # noqa: S112 - bad rows are skipped, as the import would
            continue
        if checked.number in seen or not cells[index["name"]].strip():
            continue
        seen.add(checked.number)
        phone = cells[index["phone"]] if len(cells[index["phone"]]) == 11 else None
        people.append(
            (
                cells[index["name"]],
                checked.gender,
                "汉族",
                checked.birth_date,
                encrypt(checked.number, aad="resident_id"),
                blind_index(checked.number, purpose="resident_id"),
                encrypt(phone, aad="phone") if phone else None,
                blind_index(phone, purpose="phone") if phone else None,
                "",
                "",
                "",
                False,
                now,
                now,
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE members_consent, members_transfer, members_membership, members_person CASCADE"
        )
    connection.commit() if not connection.get_autocommit() else None
    raw = connection.connection
    started = time.perf_counter()
    with raw.cursor() as cursor:
        with cursor.copy(
            "COPY members_person (name, gender, ethnicity, birth_date, resident_id, resident_id_index, phone, "
            "phone_index, education, political_status, hukou_type, is_migrant_worker, created_at, updated_at) "
            "FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(
                [
                    "text",
                    "text",
                    "text",
                    "date",
                    "text",
                    "text",
                    "text",
                    "text",
                    "text",
                    "text",
                    "text",
                    "bool",
                    "timestamptz",
                    "timestamptz",
                ]
            )
            for row in people:
                copy.write_row(row)
        cursor.execute("SELECT id FROM members_person ORDER BY id")
        ids = [r[0] for r in cursor.fetchall()]
        with cursor.copy(
            "COPY members_membership (person_id, union_id, status, channel, employer_name, employment_status, "
            "applied_at, warnings, rejection_reason) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "int8", "text", "text", "text", "text", "timestamptz", "jsonb", "text"])
            for pk in ids:
                copy.write_row((pk, union.pk, "ACTIVE", "IMPORT", "", "EMPLOYED", now, "[]", ""))
    raw.commit()
    elapsed = time.perf_counter() - started
    return {"rows": len(people), "copy_s": elapsed, "maxrss_mb": maxrss_mb()}


def step_die(path: Path, rows: int, fast: bool) -> dict[str, object]:
    """django-import-export importing the first `rows` data rows of the same file into Person."""
    import tablib
    from django.utils import timezone
    from import_export import fields, resources
    from stdnum.cn import ric

    from gonghui.members.models import Person

    now = timezone.now()

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        resident_id = fields.Field(attribute="resident_id", column_name="公民身份号码")
        phone = fields.Field(attribute="phone", column_name="手机号码")
        ethnicity = fields.Field(attribute="ethnicity", column_name="民族")

        class Meta:
            model = Person
            fields = ("name", "resident_id", "phone", "ethnicity")
            import_id_fields: tuple[str, ...] = ()
            if fast:
                use_bulk = True
                skip_diff = True
                force_init_instance = True
                batch_size = 1000

        def before_save_instance(self, instance, row, **kwargs):  # type: ignore[no-untyped-def]
            number = str(instance.resident_id).strip().replace(" ", "")
            instance.resident_id = number
            instance.birth_date = ric.get_birth_date(number)
            instance.gender = "M" if int(number[16]) % 2 else "F"
            instance.created_at = instance.updated_at = now

        def get_instance(self, instance_loader, row):  # type: ignore[no-untyped-def]
            return None  # no id column: every row is new (its fastest, insert-only path)

    # The first `rows` rows of the same roster (same generator and seed), read the way a
    # django-import-export user reads it (tablib + openpyxl) inside the timing. Bad and repeated rows are
    # dropped first: with use_bulk one bad row fails its whole batch, and gonghui's checks are not its.
    Person.objects.all().delete() if not Person.objects.filter(memberships__isnull=False).exists() else None
    started = time.perf_counter()
    with open(path, "rb") as handle:
        sheet = tablib.Dataset().load(handle, format="xlsx")
    data = tablib.Dataset(headers=sheet.headers)
    seen: set[str] = set()
    for row in sheet:
        rid = str(row[4] or "").replace(" ", "")
        if len(rid) == 18 and ric.is_valid(rid) and str(row[1] or "").strip() and rid not in seen:
            seen.add(rid)
            data.append([str(c) for c in row])
    result = PersonResource().import_data(data, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - started
    assert not result.has_errors()
    return {"rows": len(data), "die_s": elapsed, "fast": fast, "maxrss_mb": maxrss_mb()}


def step_export(rows: int) -> dict[str, object]:
    import tempfile

    from django.utils import timezone

    from gonghui.accounts.models import User
    from gonghui.members.actions import do_request_member_export
    from gonghui.members.exports import run_export
    from gonghui.members.models import Membership, Person
    from gonghui.orgs.models import OrgUnit

    union = OrgUnit.objects.get(code="BJ-TZ-LY-SB3")
    have = Membership.objects.filter(union=union).count()
    now = timezone.now()
    serial = 50_000_000
    while have < rows:
        batch = []
        for _ in range(min(5000, rows - have)):
            serial += 1
            rid = unique_id(serial)
            batch.append(
                Person(
                    name="测试会员",
                    gender="M" if int(rid[16]) % 2 else "F",
                    birth_date=__import__("stdnum.cn.ric", fromlist=["x"]).get_birth_date(rid),
                    resident_id=rid,
                    phone=f"139{serial % 100_000_000:08d}",
                    created_at=now,
                    updated_at=now,
                )
            )
        created = Person.objects.bulk_create(batch, ignore_conflicts=False)
        Membership.objects.bulk_create(
            Membership(person=p, union=union, status="ACTIVE", channel="IMPORT", applied_at=now)
            for p in created
        )
        have += len(created)
    user = User.objects.get(username="luyuan")
    job = do_request_member_export(
        acting_user=user, union=union, filters={"union_path": union.path}, file_format="XLSX", reveal=True
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        job = run_export(job, Path(folder))
    elapsed = time.perf_counter() - started
    size = job.file.size
    job.file.delete(save=False)
    return {"rows": job.rows_done, "export_s": elapsed, "bytes": size, "maxrss_mb": maxrss_mb()}


def run_step(*args: str) -> dict[str, object]:
    out = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--step", *args], check=False, capture_output=True, text=True, cwd=ROOT
    )
    if out.returncode:
        sys.exit(f"step {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--export-rows", type=int, default=150_000)
    parser.add_argument("--die-rows", type=int, default=5_000, help="rows django-import-export imports")
    parser.add_argument("--skip", default="", help="comma list of steps to skip: read,copy,die,export")
    parser.add_argument("--file", help="reuse this roster instead of generating one")
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        setup_django()
        name, *rest = args.step
        if name == "reset":
            reset_db()
            result: dict[str, object] = {"ok": True}
        elif name == "read":
            result = step_read(Path(rest[0]))
        elif name == "import":
            result = step_import(Path(rest[0]))
        elif name == "copy":
            result = step_copy(Path(rest[0]))
        elif name == "die":
            result = step_die(Path(rest[0]), int(rest[1]), rest[2] == "fast")
        else:
            result = step_export(int(rest[0]))
        print(json.dumps(result))
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://... (this bench measures PostgreSQL)")
    skip = set(filter(None, args.skip.split(",")))
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(args.file) if args.file else folder / f"roster-{args.rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        bad = generate(path, args.rows)
        print(
            f"generated {path.name}: {args.rows:,} rows, bad rows {bad} in {time.perf_counter() - started:.1f} s"
        )
    print(f"roster file: {path.stat().st_size / 1e6:.1f} MB")
    if "read" not in skip:
        d = run_step("read", str(path))
        print(
            f"reading alone (core.sheets, python-calamine in windows), {d['rows']:,} rows: {d['read_s']:.1f} s "
            f"({int(d['rows']) / d['read_s']:,.0f} rows/s); peak memory {d['maxrss_mb']:.0f} MB"  # type: ignore[call-overload, operator]
        )
    run_step("reset")
    r = run_step("import", str(path))
    rows = int(r["rows"])  # type: ignore[call-overload]
    print(
        f"gonghui import, {rows:,} rows: dry run {r['dry_s']:.1f} s ({rows / r['dry_s']:,.0f} rows/s), "  # type: ignore[operator]
        f"commit {r['commit_s']:.1f} s ({rows / r['commit_s']:,.0f} rows/s); accepted {r['accepted']:,}, "  # type: ignore[operator]
        f"rejected {r['rejected']:,}, duplicates {r['duplicates']:,}; peak memory {r['maxrss_mb']:.0f} MB"
    )
    commit_rate = rows / r["commit_s"]  # type: ignore[operator]
    if "copy" not in skip:
        c = run_step("copy", str(path))
        copy_rate = int(c["rows"]) / c["copy_s"]  # type: ignore[call-overload, operator]
        print(
            f"binary COPY (person + membership, values prepared beforehand): {c['rows']:,} rows in "
            f"{c['copy_s']:.1f} s ({copy_rate:,.0f} rows/s); gonghui commit is {copy_rate / commit_rate:.1f}x slower"
        )
    if "die" not in skip:
        die_path = folder / f"roster-{args.rows}-first-{args.die_rows}.xlsx"
        if not die_path.exists():
            generate(die_path, args.die_rows)  # the same seed: the first rows of the roster above
        for mode in ("default", "fast"):
            run_step("reset")
            d = run_step("die", str(die_path), str(args.die_rows), mode)
            rate = int(d["rows"]) / d["die_s"]  # type: ignore[call-overload, operator]
            print(
                f"django-import-export ({mode} settings), {d['rows']:,} rows: {d['die_s']:.1f} s "
                f"({rate:,.0f} rows/s, reading the file included; Person rows only); gonghui commit is "
                f"{commit_rate / rate:.1f}x faster"
            )
    if "export" not in skip:
        run_step("reset")
        e = run_step("export", str(args.export_rows))
        print(
            f"export {e['rows']:,} members to .xlsx (full values): {e['export_s']:.1f} s "
            f"({int(e['rows']) / e['export_s']:,.0f} rows/s), {int(e['bytes']) / 1e6:.1f} MB, "  # type: ignore[call-overload, operator]
            f"peak memory {e['maxrss_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
