"""`manage.py bootstrap` at federation size: Beijing's template (city, 16 districts, every street and town)
plus N grassroots unions per street, into an empty database named by DATABASE_URL. Prints the units
created and the seconds the tree load took (the command prints the same line).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gonghui_bench_tree \\
        .venv/bin/python bench/bootstrap_tree.py --per-street 10

The database must be empty of unions (drop and create it first); regions and migrations are applied.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from gonghui.orgs.management.commands.load_regions import read_region_data  # noqa: E402
from gonghui.orgs.models import OrgUnit  # noqa: E402
from gonghui.orgs.tree_file import TEMPLATE_FILE  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-street", type=int, default=10)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if OrgUnit.objects.exists():
        sys.exit("the database already has unions: use an empty one")
    lines = [TEMPLATE_FILE.read_text(encoding="utf-8").rstrip("\n")]
    for street in read_region_data()["streets"]:
        for n in range(args.per_street):
            lines.append(
                f"G{street['code']}{n:03d},{street['name']}第{n + 1}基层工会,GRASSROOTS,BJ-{street['code']},"
            )
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    started = time.perf_counter()
    call_command("bootstrap", "--tree", handle.name, stdout=sys.stdout)
    seconds = time.perf_counter() - started
    print(f"bootstrap: {OrgUnit.objects.count()} unions in {seconds:.2f} s (regions, tree, first admin)")
    os.unlink(handle.name)


if __name__ == "__main__":
    main()
