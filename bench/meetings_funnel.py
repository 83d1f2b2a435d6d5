"""The meeting funnel and check-ins at district scale.

Seeds M meetings (a year of weekly street meetings and more) under 通州区总工会, each with check-ins,
questionnaire responses and attributed memberships, into the database named by DATABASE_URL. Then times:
the area funnel of the whole district for a year (what the funnel page and GET /meetings/funnel run),
one meeting's funnel (the meeting page), and do_check_in from a phone (the action the public page calls).
Prints p50/p99 in ms and check-ins/s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gonghui_bench \\
        .venv/bin/python bench/meetings_funnel.py --meetings 2000 --runs 50

Seeding uses bulk_create (fixture data, not the thing measured); a second run on the same database only
measures.
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

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from gonghui.accounts.models import User  # noqa: E402
from gonghui.demo.story import load_demo_story  # noqa: E402
from gonghui.meetings import actions, queries  # noqa: E402
from gonghui.meetings.catalogue import TEMPLATES  # noqa: E402
from gonghui.meetings.models import (  # noqa: E402
    CheckIn,
    Meeting,
    MeetingKind,
    PlaceKind,
    Questionnaire,
    Response,
)
from gonghui.members.models import Membership, Person  # noqa: E402

TITLE = "bench meeting"


def seed(count: int, rng: random.Random) -> None:
    call_command("migrate", verbosity=0)
    call_command("load_regions", stdout=open(os.devnull, "w"))  # noqa: SIM115
    story = load_demo_story(with_members=False)
    officer = User.objects.get(username="tongzhou")
    questionnaire = Questionnaire.objects.filter(title="bench survey").first()
    if questionnaire is None:
        _t, _d, _k, specs = TEMPLATES["worker_needs"]
        questionnaire = actions.do_create_questionnaire(
            acting_user=officer, owner=story.units["BJ-TZ"], title="bench survey", questions=list(specs)
        )
    version = queries.current_version(questionnaire)
    have = Meeting.objects.filter(title=TITLE).count()
    organisers = [story.units[c] for c in ("BJ-TZ-YS", "BJ-TZ-LY", "BJ-TZ-LC")]
    union = story.units["BJ-TZ-YS-YR"]
    start = datetime.datetime(2026, 1, 1, 1, tzinfo=datetime.UTC)
    now = timezone.now()
    meetings = [
        Meeting(
            kind=MeetingKind.WORKER,
            title=TITLE,
            organiser=rng.choice(organisers),
            starts_at=start + datetime.timedelta(hours=4 * i),
            ends_at=start + datetime.timedelta(hours=4 * i + 2),
            place_kind=PlaceKind.ADDRESS,
            address="bench",
            public_token=f"bench-{i}",
            questionnaire=questionnaire,
            created_at=now,
            updated_at=now,
        )
        for i in range(have, count)
    ]
    Meeting.objects.bulk_create(meetings, batch_size=2000)
    meetings = list(Meeting.objects.filter(title=TITLE, check_ins__isnull=True))
    check_ins, responses = [], []
    for meeting in meetings:
        check_ins.append(
            CheckIn(meeting=meeting, head_count=rng.randint(20, 120), source="HOST", created_at=now)
        )
        responses += [
            Response(version=version, meeting=meeting, channel="SELF_SERVICE", created_at=now)
            for _ in range(rng.randint(5, 30))
        ]
    CheckIn.objects.bulk_create(check_ins, batch_size=5000)
    Response.objects.bulk_create(responses, batch_size=5000)
    # Memberships need people: a pool of fixture people, each applying at one meeting.
    if not Membership.objects.filter(meeting__title=TITLE).exists():
        people = [
            Person(
                name=f"bench{i}",
                gender="M",
                birth_date=datetime.date(1990, 1, 1),
                resident_id=f"bench-{i}",
                created_at=now,
                updated_at=now,
            )
            for i in range(len(meetings) * 10)
        ]
        Person.objects.bulk_create(people, batch_size=5000)
        people = list(Person.objects.filter(name__startswith="bench"))
        Membership.objects.bulk_create(
            [
                Membership(
                    person=person,
                    union=union,
                    status=rng.choice(["ACTIVE", "ACTIVE", "PENDING"]),
                    channel="SELF_SERVICE",
                    applied_at=now,
                    meeting=meetings[i % len(meetings)],
                )
                for i, person in enumerate(people)
            ],
            batch_size=5000,
        )


def timed(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(6)
    seed(args.meetings, rng)
    officer = User.objects.get(username="tongzhou")
    district = load_demo_story(with_members=False).units["BJ-TZ"]
    year = (
        datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
    )
    print(
        f"meetings {Meeting.objects.count()}, check-ins {CheckIn.objects.count()}, "
        f"responses {Response.objects.count()}, memberships {Membership.objects.count()}"
    )
    funnel = queries.area_funnel(acting_user=officer, unit=district, start=year[0], end=year[1])
    print("district funnel:", {s.key: s.count for s in funnel.people}, "meetings", funnel.meetings)
    p50, p99 = timed(
        lambda: queries.area_funnel(acting_user=officer, unit=district, start=year[0], end=year[1]), args.runs
    )
    print(f"area funnel (district, one year): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    one = Meeting.objects.filter(title=TITLE).order_by("pk").first()
    assert one is not None
    p50, p99 = timed(lambda: queries.meeting_funnel(one), args.runs * 4)
    print(f"meeting funnel (one meeting): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    target = Meeting.objects.filter(title=TITLE, status="PLANNED").order_by("-pk").first()
    assert target is not None
    base = 13900000000 + CheckIn.objects.filter(meeting=target).count()
    n = args.runs * 10
    t = time.perf_counter()
    for i in range(n):
        actions.do_check_in(meeting=target, source="SELF", name="bench", phone=str(base + i))
    elapsed = time.perf_counter() - t
    print(f"do_check_in (named, own phone): {n / elapsed:.0f}/s, {elapsed / n * 1000:.2f} ms each")


if __name__ == "__main__":
    main()
