import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from gonghui.orgs.actions import do_load_regions

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "beijing_regions.json"


def read_region_data(path: Path = DATA_FILE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


class Command(BaseCommand):
    help = "Load or update Beijing's districts, streets and towns (GB/T 2260 codes); safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--file", type=Path, default=DATA_FILE, help="region data file (JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        data = read_region_data(options["file"])
        counts = do_load_regions(acting_user=None, data=data)
        self.stdout.write(
            f"regions: {counts['total']} total, {counts['created']} created, {counts['updated']} updated "
            f"({data.get('version', 'unknown version')})"
        )
