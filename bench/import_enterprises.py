"""Enterprise list import at district-list scale, on PostgreSQL.

Writes a list (.csv by default, or .xlsx with --xlsx) of N enterprises with valid credit codes spread over
Beijing's districts and streets (about 1% bad rows: a wrong check character, women above all employees),
then times gonghui's import job code as the worker runs it: the dry run, the import, and a re-import of
the same list with changed employee counts (updates and the history of counts).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gh_bench_enterprises .venv/bin/python bench/import_enterprises.py --rows 200000

The enterprises, establishment and audit tables of that database are emptied first. Never point it at a
database you care about.
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
os.environ["DEBUG"] = "0"  # Django keeps every query's SQL in memory with DEBUG on

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
HEADER = [
    "统一社会信用代码",
    "企业名称",
    "地址",
    "区",
    "街道",
    "行业",
    "单位类型",
    "职工人数",
    "女职工人数",
    "联系人",
    "联系电话",
]


def write_list(path: Path, rows: int, streets: list[tuple[str, str]], *, seed: int, bump: bool) -> None:
    from gonghui.enterprises.validators import with_check_character

    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            body = "9111" + f"{i:07d}" + "".join(ALPHABET[(i * 7 + k) % len(ALPHABET)] for k in range(6))
            code = with_check_character(body[:17])
            staff = 20 + (i * 37) % 900 + (5 if bump else 0)
            women = staff // 3
            if i % 100 == 17:
                code = code[:-1] + ("0" if code[-1] != "0" else "1")  # a mistyped check character
            if i % 100 == 53:
                women = staff + 1
            district, street = streets[i % len(streets)]
            writer.writerow(
                [
                    code,
                    f"北京测试企业{i}有限公司",
                    f"{street}测试路{i % 300}号",
                    district,
                    street,
                    "信息传输、软件和信息技术服务业",
                    "私营",
                    staff,
                    women,
                    "王经理",
                    f"139{i % 100000000:08d}",
                ]
            )
            _ = rng


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import connection

    from gonghui.accounts.models import User
    from gonghui.establishment.enterprise_import import run_enterprise_import
    from gonghui.establishment.models import EnterpriseImport
    from gonghui.orgs.models import OrgUnit, Region

    call_command("migrate", verbosity=0)
    if not Region.objects.exists():
        from gonghui.orgs.actions import do_load_regions
        from gonghui.orgs.management.commands.load_regions import read_region_data

        do_load_regions(acting_user=None, data=read_region_data())
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE establishment_employeecount, establishment_enterpriseimport, enterprises_enterprise,"
            " core_auditevent CASCADE"
        )
    admin = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", password="x" * 20
    )
    city = OrgUnit.objects.filter(parent__isnull=True).first()
    if city is None:
        from gonghui.orgs.actions import do_create_org_unit

        city = do_create_org_unit(
            acting_user=admin,
            parent=None,
            code="BJ",
            name="北京市总工会",
            kind="CITY",
            region=Region.objects.get(code="110000"),
        )
    from django.utils import timezone as tz

    from gonghui.orgs.models import RoleAssignment

    # The importer holds a city role, as a city officer importing the whole city's list would.
    RoleAssignment.objects.get_or_create(
        user=admin, unit=city, role="CITY_ADMIN", defaults={"granted_at": tz.now()}
    )
    streets = [
        (s.parent.name, s.name) for s in Region.objects.filter(level="STREET").select_related("parent")
    ]
    print(f"rows {args.rows}; database {connection.vendor}; load {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        for label, bump in (("first import", False), ("re-import, counts changed", True)):
            path = Path(folder) / "list.csv"
            write_list(path, args.rows, streets, seed=1, bump=bump)
            job = EnterpriseImport(
                managing_unit=city,
                owner=admin,
                source="TAX",
                original_name="list.csv",
                created_at=__import__("django.utils.timezone").utils.timezone.now(),
            )
            job.file.save("bench-list.csv", ContentFile(path.read_bytes()), save=False)
            job.save()
            for step, commit in (("dry run", False), ("import", True)):
                started = time.perf_counter()
                job = run_enterprise_import(job, commit=commit)
                seconds = time.perf_counter() - started
                print(
                    f"{label:28} {step:8} {seconds:7.1f} s  {args.rows / seconds:9.0f} rows/s  "
                    f"created {job.created_count} updated {job.updated_count} unchanged {job.unchanged_count} "
                    f"rejected {job.rejected_count}"
                )
    print(f"load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
