"""The card flow under load on PostgreSQL through a real server: N pads and the bank simulator at once.

    .venv/bin/python bench/card_flow.py                     # 20 pads, 400 cards, gunicorn -w 2 on :8201
    .venv/bin/python bench/card_flow.py --pads 8 --cards 200

1. Setup (in this process): drops and creates the database (loopback only; its name must contain
   "bench"), migrates, loads regions and the demo story without members, enrols --cards + --bank-cards
   members in 云锐's union through do_enrol_member, creates one operator login per pad tied to 北京银行
   通州支行, loads the branch's box with enough cards, applies in bulk (all routed to 通州支行) and then
   routes --bank-cards of them to 潞城支行, whose back office is played by bank_sim's client.
2. Server: gunicorn gonghui.wsgi -w 2 on 127.0.0.1:--port (DEBUG off, CONN_MAX_AGE 60).
3. Load: each pad is a thread with its own session (a real login through the form) that polls the
   queue, calls up a member, posts the reader bridge's JSON, posts the fingerprint device's signed
   confirmation, takes a card from the box and marks it handed over — the requests a pad's page sends,
   with the devices simulated here on the client side as a bridge would be. Two pads may reach for the
   same member: the loser is refused and picks another (counted). At the same time the bank simulator
   pulls 潞城支行's routed applications and posts ISSUED and ACTIVATED, signed.
4. Figures: applications completed per second, and per step the time from sending the request to the
   full answer on loopback (an upper bound of the server time: it includes the client's send/receive),
   p50/p99. Afterwards the database must hold exactly one card per completed application, each number
   once.
"""

import argparse
import http.cookiejar
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
PASSWORD = "gonghui-demo-2026"  # noqa: S105 - the demo password, in a throwaway bench database
sys.path.insert(0, str(ROOT))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Timings:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_step: dict[str, list[float]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, step: str, ms: float) -> None:
        with self.lock:
            self.by_step[step].append(ms)

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Pad:
    def __init__(self, base: str, username: str, timings: Timings):
        self.base, self.username, self.timings = base, username, timings
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def send(
        self,
        step: str | None,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        json_body: bytes | None = None,
    ) -> tuple[int, bytes, str]:
        headers = {"Referer": self.base + "/bank/"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if json_body is not None:
            data = json_body
            headers["Content-Type"] = "application/json"
        if method == "POST":
            headers["X-CSRFToken"] = self.csrf()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)  # noqa: S310
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                body, status, location = (
                    response.read(),
                    response.status,
                    response.headers.get("Location", ""),
                )
        except urllib.error.HTTPError as error:
            body, status, location = error.read(), error.code, error.headers.get("Location", "")
        if step:
            self.timings.add(step, (time.perf_counter() - start) * 1000)
        return status, body, location

    def log_in(self) -> None:
        self.send(None, "GET", "/accounts/login/")
        status, _, _ = self.send(
            None,
            "POST",
            "/accounts/login/",
            form={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.csrf(),
                "next": "/bank/",
            },
        )
        if status != 302:
            raise SystemExit(f"login of {self.username} failed: {status}")


def pad_loop(pad: Pad, devices: dict[str, Any], stop_at: float, done: list[int]) -> None:
    import random

    from gonghui.cards.signing import sign_fingerprint

    rng = random.Random(pad.username)
    pad.log_in()
    while time.time() < stop_at:
        status, body, _ = pad.send("queue poll", "GET", "/bank/queue/")
        waiting = [int(x) for x in re.findall(rb'action="/bank/a/(\d+)/call/"', body)]
        if not waiting:
            return
        application_id = rng.choice(waiting[:20])
        status, _, location = pad.send("call up", "POST", f"/bank/a/{application_id}/call/", form={})
        if "/bank/a/" not in location:
            pad.timings.count("call lost to another pad")
            continue
        pad.send("application page", "GET", f"/bank/a/{application_id}/")
        name, resident_id = devices["people"][application_id]
        reading = json.dumps(
            {
                "name": name,
                "resident_id": resident_id,
                "valid_from": "2020-01-01",
                "valid_until": "2040-01-01",
                "issuing_authority": "北京市公安局通州分局",
                "reader_id": "bench",
            }
        ).encode()
        status, body, _ = pad.send(
            "ID card read", "POST", f"/bank/a/{application_id}/id-read/", json_body=reading
        )
        assert status == 200, body
        confirmation = sign_fingerprint(
            secret=devices["secret"],
            device_id=devices["device_id"],
            application_id=application_id,
            operator=pad.username,
            confirmed_at=int(time.time()),
        )
        status, body, _ = pad.send(
            "authorise",
            "POST",
            f"/bank/a/{application_id}/authorise/",
            json_body=json.dumps(confirmation.__dict__).encode(),
        )
        assert status == 200, body
        status, _, _ = pad.send("issue card", "POST", f"/bank/a/{application_id}/issue/", form={})
        assert status == 302
        status, _, location = pad.send("hand over", "POST", f"/bank/a/{application_id}/complete/", form={})
        assert status == 302 and location.endswith("/bank/"), location
        done.append(application_id)


STEPS = [
    ("GET", r"/bank/queue/$", "queue poll"),
    ("POST", r"/bank/a/\d+/call/$", "call up"),
    ("GET", r"/bank/a/\d+/$", "application page"),
    ("POST", r"/bank/a/\d+/id-read/$", "ID card read"),
    ("POST", r"/bank/a/\d+/authorise/$", "authorise"),
    ("POST", r"/bank/a/\d+/issue/$", "issue card"),
    ("POST", r"/bank/a/\d+/complete/$", "hand over"),
    ("GET", r"/api/v1/partner/applications$", "bank: pull routed"),
    ("POST", r"/api/v1/partner/applications/\d+/status$", "bank: post status"),
]


def step_of(method: str, path: str) -> str:
    for step_method, pattern, name in STEPS:
        if method == step_method and re.search(pattern, path):
            return name
    return f"other {method} {path[:30]}"


def setup(args: argparse.Namespace) -> dict[str, Any]:
    import psycopg

    url = urllib.parse.urlsplit(args.database_url)
    name = url.path.lstrip("/")
    if url.hostname not in ("127.0.0.1", "localhost") or "bench" not in name:
        raise SystemExit("--database-url must be on loopback and its name must contain 'bench'")
    admin_url = args.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from stdnum.cn import ric

    from gonghui.accounts.actions import do_create_staff
    from gonghui.accounts.models import User
    from gonghui.cards import actions
    from gonghui.cards.models import BankBranch, CardStock
    from gonghui.cards.numbers import sequential_card_numbers
    from gonghui.demo.story import load_demo_story
    from gonghui.members.actions import EnrolmentData, do_enrol_member
    from gonghui.members.models import Channel
    from gonghui.orgs.actions import do_load_regions
    from gonghui.orgs.management.commands.load_regions import read_region_data
    from gonghui.orgs.models import Role

    do_load_regions(acting_user=None, data=read_region_data())
    story = load_demo_story(with_members=False)
    admin, chair = User.objects.get(username="admin"), User.objects.get(username="yunrui")
    union = story.units["BJ-TZ-YS-YR"]
    tz, lc = BankBranch.objects.get(code="BOB-TZ"), BankBranch.objects.get(code="BOB-LC")
    total = args.cards + args.bank_cards
    for n in range(total):
        body = f"110112{1980 + n % 20}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        body = body[:17]
        rid = body + ric.calc_check_digit(body + "0")
        do_enrol_member(
            acting_user=chair,
            union=union,
            data=EnrolmentData(name=f"职工{n:04d}", resident_id=rid, phone=f"136{n:08d}"),
            channel=Channel.CONSOLE,
            consent_given=True,
            confirm_area_warning=True,
        )
    operators = []
    for p in range(args.pads):
        username = f"pad{p:02d}"
        user = do_create_staff(
            acting_user=admin,
            username=username,
            display_name=f"通州支行{p}号柜员",
            password=PASSWORD,
            unit=story.units["BJ-TZ"],
            role=Role.BANK_OPERATOR,
        )
        actions.do_assign_branch_operator(acting_user=admin, branch=tz, user=user)
        operators.append(username)
    gaoli = User.objects.get(username="gaoli")
    stock = CardStock.objects.filter(branch=tz).first()
    actions.do_load_card_batch(
        acting_user=gaoli,
        stock=stock,
        numbers=sequential_card_numbers(bin_prefix=tz.bin_prefix, start=300_000, count=args.cards + 10),
    )
    outcome = actions.do_create_card_applications_for_union(acting_user=chair, union=union)
    for application in outcome.created[: args.bank_cards]:
        actions.do_route_card_application(acting_user=chair, application=application, branch=lc)
    key, secret = actions.do_issue_partner_key(acting_user=None, branch=lc)
    people = {a.pk: (a.person.name, a.person.resident_id) for a in outcome.created}
    return {
        "operators": operators,
        "people": people,
        "secret": tz.authoriser_secret,
        "device_id": tz.authoriser_device_id,
        "bank_key": (key.key_id, secret, lc.bin_prefix),
    }


def bank_loop(base: str, bank_key: tuple[str, str, str], timings: Timings, result: dict[str, Any]) -> None:
    from gonghui.cards.management.commands import bank_sim

    key_id, secret, bin_prefix = bank_key

    class TimedClient(bank_sim.PartnerClient):
        def request(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
            start = time.perf_counter()
            try:
                return super().request(method, path, payload)
            finally:
                step = "bank: pull routed" if method == "GET" else f"bank: post {payload['status']}"
                timings.add(step, (time.perf_counter() - start) * 1000)

    result["bank"] = bank_sim.run_simulation(TimedClient(base, key_id, secret), bin_prefix=bin_prefix)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pads", type=int, default=20)
    parser.add_argument("--cards", type=int, default=400, help="applications worked on the pads")
    parser.add_argument(
        "--bank-cards", type=int, default=200, help="applications opened by the bank simulator"
    )
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/gonghui_cards_bench")
    parser.add_argument("--time-limit", type=float, default=600)
    args = parser.parse_args()
    if not 8201 <= args.port <= 8209:
        raise SystemExit("--port must be within 8201-8209")
    t0 = time.time()
    devices = setup(args)
    print(f"setup: {args.cards + args.bank_cards} members, {args.pads} pads, {time.time() - t0:.0f} s")
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_SETTINGS_MODULE": "gonghui.settings",
    }
    access_log = Path(tempfile.mkdtemp(prefix="card-flow-")) / "access.log"
    server = subprocess.Popen(  # noqa: S603 - our venv's gunicorn, fixed arguments
        [
            str(VENV_BIN / "gunicorn"),
            "gonghui.wsgi",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{args.port}",
            # %(D)s: microseconds from the request read to the response sent, inside the worker — the
            # server's own time, without the wait in the listen queue that the client-side figure has.
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(m)s %(U)s %(s)s %(D)s",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        timings, done, result = Timings(), [], {}
        stop_at = time.time() + args.time_limit
        threads = [
            threading.Thread(target=pad_loop, args=(Pad(base, u, timings), devices, stop_at, done))
            for u in devices["operators"]
        ]
        threads.append(threading.Thread(target=bank_loop, args=(base, devices["bank_key"], timings, result)))
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    from gonghui.cards.models import Card

    bank = result.get("bank")
    cards = Card.objects.count()
    distinct = Card.objects.values("number_index").distinct().count()
    completed = len(done) + (bank.activated if bank else 0)
    print(f"pads: {len(done)} cards handed over; bank simulator: {bank.activated if bank else 0} activated")
    print(f"{completed} applications completed in {elapsed:.1f} s = {completed / elapsed:.1f} per second")
    print(
        f"cards in the database: {cards}, distinct numbers: {distinct}; calls lost to another pad: "
        f"{timings.counts.get('call lost to another pad', 0)}"
    )
    assert cards == completed == distinct, "every completed application must hold exactly one distinct card"
    print("\nserver time per step (gunicorn worker, %(D)s):")
    server_ms: dict[str, list[float]] = defaultdict(list)
    for line in access_log.read_text().splitlines():
        method, path, _status, micros = line.split()
        server_ms[step_of(method, path)].append(int(micros) / 1000)
    print(f"{'step':<22}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for step, values in sorted(server_ms.items()):
        print(
            f"{step:<22}{len(values):>7}{statistics.median(values):>9.1f}{pct(values, 99):>9.1f}{max(values):>9.1f}"
        )
    print("\nclient-side time per step (send to full answer on loopback, includes queueing for a worker):")
    print(f"{'step':<22}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for step, values in sorted(timings.by_step.items()):
        print(
            f"{step:<22}{len(values):>7}{statistics.median(values):>9.1f}{pct(values, 99):>9.1f}{max(values):>9.1f}"
        )


if __name__ == "__main__":
    main()
