"""Reading ID cards from photos: accuracy and latency on the synthetic set, easy and hard.

Draws `--count` card photos per set (gonghui/idcards/synthetic.py: easy = held flat and sharp; hard = small
on a cluttered desk, perspective, glare, motion blur, a thumb, turned 90/180 degrees, JPEG 35-60), reads each
through the same code as /api/v1/idcard/read (decode, find and flatten the card, recognise, parse), and
prints per set:

  exact ID        the number read equals the card's
  wrong ID silent a number that differs from the card's and is marked confirmed (the goal is 0: a misread
                  must fail the check digit or be shown for correction)
  name, birth, address, validity   exact-match rates (validity on backs)
  latency         p50 / p99 of one read (decode to parsed fields), one process, 2 threads for onnxruntime

    .venv/bin/python bench/id_photo.py --count 100
    .venv/bin/python bench/id_photo.py --count 20 --sets hard      (quicker)

Prints the machine's load average too: on a shared 2-core machine the latency is only meaningful alone.
"""

import argparse
import datetime
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")

import django

django.setup()

from PIL import Image  # noqa: E402

from gonghui.idcards import ocr  # noqa: E402
from gonghui.idcards.parse import looks_like_back, parse_back, parse_front  # noqa: E402
from gonghui.idcards.synthetic import make_photo  # noqa: E402

TODAY = datetime.date(2026, 12, 2)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_set(name: str, count: int, *, hard: bool, seed: int) -> None:
    latencies: list[float] = []
    counts = dict.fromkeys(
        ("id", "wrong_silent", "name", "birth", "address", "validity", "backs", "fronts"), 0
    )
    failures: list[str] = []
    for i in range(count):
        side = "back" if i % 5 == 4 else "front"  # one back in five, as a collector photographs both
        photo = make_photo(seed + i, side=side, hard=hard)
        started = time.perf_counter()
        lines, _ = ocr.recognise(Image.open(io.BytesIO(photo.jpeg)))
        reading = (parse_back if looks_like_back(lines) else parse_front)(lines, today=TODAY)
        latencies.append(time.perf_counter() - started)
        person = photo.person
        if side == "back":
            counts["backs"] += 1
            until = person.valid_until.isoformat() if person.valid_until else "长期"
            if (
                reading.value("valid_from") == person.valid_from.isoformat()
                and reading.value("valid_until") == until
            ):
                counts["validity"] += 1
            continue
        counts["fronts"] += 1
        read_id = reading.value("resident_id")
        if read_id == person.resident_id:
            counts["id"] += 1
        else:
            failures.append(f"{seed + i} {photo.notes}: id {read_id!r}")
            if reading.fields.get("resident_id") and reading.fields["resident_id"].confirmed:
                counts["wrong_silent"] += 1
        counts["name"] += reading.value("name") == person.name
        counts["birth"] += reading.value("birth_date") == person.birth_date.isoformat()
        if reading.value("address") == person.address:
            counts["address"] += 1
        else:
            failures.append(f"{seed + i} {photo.notes}: address {reading.value('address')!r}")
    fronts, backs = max(counts["fronts"], 1), max(counts["backs"], 1)
    print(
        f"{name:5} n={count} (fronts {counts['fronts']}, backs {counts['backs']})  "
        f"exact ID {counts['id'] / fronts:.1%}  wrong ID accepted silently {counts['wrong_silent']}  "
        f"name {counts['name'] / fronts:.1%}  birth date {counts['birth'] / fronts:.1%}  "
        f"address {counts['address'] / fronts:.1%}  validity {counts['validity'] / backs:.1%}  "
        f"latency p50 {statistics.median(latencies) * 1000:.0f} ms  p99 {percentile(latencies, 0.99) * 1000:.0f} ms"
    )
    for line in failures[:8]:
        print("   miss:", line)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--sets", default="easy,hard")
    args = parser.parse_args()
    started = time.perf_counter()
    ocr.engine()
    print(
        f"model load {time.perf_counter() - started:.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for name in args.sets.split(","):
        run_set(name, args.count, hard=name == "hard", seed=7_000_000 if name == "hard" else 5_000_000)


if __name__ == "__main__":
    main()
