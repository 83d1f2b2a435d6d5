"""Enrolment by signed device uploads under load, on PostgreSQL, through a real WSGI server.

    .venv/bin/python bench/enrol_load.py            # gunicorn -w 2, 5,000 uploads at 4, 8 and 16 clients
    .venv/bin/python bench/enrol_load.py --servers gunicorn,granian:2:1 --py-spy    # as in performance.md

granian and py-spy are bench-only: `.venv/bin/pip install granian py-spy` (not project dependencies).

1. Setup: drops and creates the database named by --database-url (loopback only, and its name must
   contain "bench"), migrates, loads regions and the demo story without members, and registers and pairs
   --devices collector phones through do_register_device / do_pair_device. The phones' ECDSA keys stay
   here, on the load generator's side. A fresh RSA server key is made for the run and handed to the
   server and to this script through GONGHUI_COLLECT_PRIVATE_KEY, so both use the same key.
2. Servers (--servers): gunicorn[:WORKERS] (`gonghui.wsgi -w 2`, sync workers) and granian[:WORKERS
   [:BLOCKING_THREADS]] (WSGI interface), with DEBUG off, 2FA on, CONN_MAX_AGE=60 and the settings
   bench.bare_settings (gonghui's settings plus POST /bench/bare, see bench/bare_urls.py).
3. Load: for each concurrency, --count signed, encrypted uploads of new workers (valid resident IDs of
   通州 110112 born 1998-2006, unique phones), all built and signed before the clock starts, sent by
   bench/loadgen.py in its own process (one thread and connection per client). Afterwards the database
   must hold exactly one membership, one upload log and two audit events per upload. The CPU used by the
   server, by PostgreSQL's backends, by the generator and by everything else on the (shared) machine is
   measured from /proc alongside.
4. Ceiling: the same generator against POST /bench/bare (one plain ORM insert of an AuditEvent).
5. Profile, in this process: SQL statements of one upload (CaptureQueriesContext), the cost of each
   cryptographic and parsing step on its own, CPU per request here and in PostgreSQL, and cProfile over
   uploads through the full Django stack. --py-spy also samples the first server's workers (CPU) during
   an extra upload run.

Every loop has a fixed count and a time limit; servers are stopped at the end; only 127.0.0.1 is used.
"""

import argparse
import base64
import contextlib
import cProfile
import datetime
import hashlib
import json
import os
import pstats
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from stdnum.cn import ric

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
LOADGEN = ROOT / "bench" / "loadgen.py"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gonghui_enrol_bench"
UPLOADS = "/api/v1/collect/uploads"
BATCH = "/api/v1/collect/uploads/batch"
BATCH_SIZE = 20  # records per request (--batch); collect.js sends its queue 20 at a time
BARE = "/bench/bare"
DEVICE_UNIT = "BJ-TZ-YS"  # 永顺镇: the devices' unit
UNION = "BJ-TZ-YS-YR"  # 云锐 union under it: where the workers enrol
ALGORITHM = "RSA-OAEP-256+A256GCM"
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
LEVEL_TIMEOUT_S = 270  # below the 5 minutes a signature's time stamp stays valid
SERVER_START_TIMEOUT_S = 60
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


# -- environment -------------------------------------------------------------------------------------


def make_server_key() -> str:
    """A fresh RSA-2048 key for this run, as base64 of its PEM (what GONGHUI_COLLECT_PRIVATE_KEY takes)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return base64.b64encode(pem).decode()


def common_env(database_url: str, server_key_b64: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "GONGHUI_ENV": "development",
        "DEBUG": "0",
        "GONGHUI_2FA_REQUIRED": "1",
        "LOG_LEVEL": "ERROR",
        "DATABASE_CONN_MAX_AGE": "60",
        "GONGHUI_COLLECT_PRIVATE_KEY": server_key_b64,
        "DJANGO_SETTINGS_MODULE": "bench.bare_settings",
    }


def recreate_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = unquote(parts.path.lstrip("/"))
    if parts.scheme not in ("postgres", "postgresql") or (parts.hostname or "") not in LOOPBACK:
        raise SystemExit(f"--database-url must be a PostgreSQL database on 127.0.0.1: {database_url}")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop database {name!r}: its name does not contain 'bench'")
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or "") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# -- the phones (load generator side) ----------------------------------------------------------------


@dataclass
class Phone:
    public_id: str
    key: ec.EllipticCurvePrivateKey = field(repr=False)


@dataclass
class Fixture:
    union_id: int
    phones: list[Phone]
    server_public: rsa.RSAPublicKey
    kid: str


def setup_database(devices: int) -> Fixture:
    from django.core.management import call_command

    from gonghui.accounts.models import User
    from gonghui.collect.actions import do_pair_device, do_register_device
    from gonghui.collect.keys import server_key
    from gonghui.demo.story import load_demo_story

    call_command("migrate", verbosity=0)
    call_command("load_regions", stdout=open(os.devnull, "w"))  # noqa: SIM115
    story = load_demo_story(with_members=False)
    officer = User.objects.get(username="tongzhou")
    collector = User.objects.get(username="collector")
    phones = []
    for number in range(devices):
        code = do_register_device(
            acting_user=officer,
            collector=collector,
            unit=story.units[DEVICE_UNIT],
            name=f"压测{number + 1}号机",
        )
        key = ec.generate_private_key(ec.SECP256R1())
        spki = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        device = do_pair_device(token=code.token, public_key=base64.b64encode(spki).decode())
        phones.append(Phone(str(device.public_id), key))
    server = server_key()
    return Fixture(story.units[UNION].pk, phones, server.private_key.public_key(), server.key_id)


def worker_identity(n: int) -> tuple[str, str]:
    """The n-th worker: a valid resident ID of 通州 (110112) born 1998-2006, and a mobile number."""
    year, rest = divmod(n, 365 * 1000)
    day, serial = divmod(rest, 1000)
    born = datetime.date(1998 + year, 1, 1) + datetime.timedelta(days=day)
    if born.year > 2006:
        raise ValueError("more workers than birth dates 1998-2006 can number")
    body17 = f"110112{born:%Y%m%d}{serial:03d}"
    return body17 + ric.calc_check_digit(body17 + "0"), f"13{n:09d}"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def seal_record(fx: Fixture, n: int) -> tuple[dict[str, Any], str]:
    """One record as collect.js queues it: sealed with a fresh AES key wrapped to the server key.
    Returns the upload item (record_uuid, created_at, envelope) and its UUID."""
    resident_id, mobile = worker_identity(n)
    record_uuid = str(uuid.uuid4())
    collected_at = datetime.datetime.now(datetime.UTC).isoformat()
    record = {
        "record_uuid": record_uuid,
        "union_id": fx.union_id,
        "name": f"压测工人{n}号",
        "resident_id": resident_id,
        "phone": mobile,
        "ethnicity": "汉族",
        "education": "SENIOR_HIGH",
        "political_status": "MASSES",
        "hukou_type": "AGRICULTURAL",
        "is_migrant_worker": True,
        "employer_name": "北京云锐国际文化传媒有限公司",
        "employment_status": "EMPLOYED",
        "consent": True,
        "collected_at": collected_at,
    }
    aes_key = AESGCM.generate_key(bit_length=256)
    iv = os.urandom(12)
    plaintext = json.dumps(record, ensure_ascii=False).encode()
    envelope = {
        "alg": ALGORITHM,
        "kid": fx.kid,
        "key": b64(fx.server_public.encrypt(aes_key, OAEP)),
        "iv": b64(iv),
        "ciphertext": b64(AESGCM(aes_key).encrypt(iv, plaintext, record_uuid.encode())),
    }
    return {"record_uuid": record_uuid, "created_at": collected_at, "envelope": envelope}, record_uuid


def signed_request(phone: Any, items: list[dict[str, Any]], stamp: str) -> list[Any]:
    """[method, path, body, headers] as collect.js sends it: a batch of queued records to /uploads/batch
    (or, with --batch 1, one record to /uploads), signed with the phone's key."""
    nonce = b64(os.urandom(16))
    if BATCH_SIZE == 1:
        path, payload = UPLOADS, {"device_id": phone.public_id, "nonce": nonce, **items[0]}
    else:
        path, payload = BATCH, {"device_id": phone.public_id, "nonce": nonce, "uploads": items}
    body = json.dumps(payload, ensure_ascii=False)
    canonical = f"POST\n{path}\n{stamp}\n{hashlib.sha256(body.encode()).hexdigest()}".encode()
    r, s = decode_dss_signature(phone.key.sign(canonical, ec.ECDSA(hashes.SHA256())))
    headers = {
        "Content-Type": "application/json",
        "X-Gonghui-Device": phone.public_id,
        "X-Gonghui-Timestamp": stamp,
        "X-Gonghui-Signature": b64(r.to_bytes(32, "big") + s.to_bytes(32, "big")),
    }
    return ["POST", path, body, headers]


class Numbering:
    """Hands out worker numbers, so every upload of the run is a new person."""

    def __init__(self) -> None:
        self.next = 0

    def take(self, count: int) -> range:
        taken = range(self.next, self.next + count)
        self.next += count
        return taken


@dataclass
class Batch:
    requests: list[list[Any]]
    record_uuids: list[str]
    phones: dict[str, str]  # record UUID -> the worker's mobile number, to check the round trip


def build_uploads(fx: Fixture, numbers: range) -> Batch:
    """Signed now: the batch must be sent within the 5 minutes a time stamp is valid. Consecutive
    workers go out together, BATCH_SIZE per request, each request from the next phone in turn."""
    stamp = str(int(time.time()))
    batch = Batch([], [], {})
    for start in range(0, len(numbers), BATCH_SIZE):
        chunk = numbers[start : start + BATCH_SIZE]
        sealed = [seal_record(fx, n) for n in chunk]
        phone = fx.phones[(start // BATCH_SIZE) % len(fx.phones)]
        batch.requests.append(signed_request(phone, [item for item, _ in sealed], stamp))
        for n, (_, record_uuid) in zip(chunk, sealed, strict=True):
            batch.record_uuids.append(record_uuid)
            batch.phones[record_uuid] = worker_identity(n)[1]
    return batch


def build_bare(count: int, sample_body: str) -> list[list[Any]]:
    # The same body size as an upload, so the middleware's JSON scan costs the same.
    return [["POST", BARE, sample_body, {"Content-Type": "application/json"}] for _ in range(count)]


# -- servers -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    label: str
    port: int
    process: subprocess.Popen[bytes]
    meter: "CpuMeter"


def server_command(spec: str, port: int) -> tuple[str, list[str]]:
    """spec: gunicorn[:WORKERS] or granian[:WORKERS[:BLOCKING_THREADS]] (default 2 workers, 1 thread)."""
    kind, *numbers = spec.split(":")
    workers = int(numbers[0]) if numbers else 2
    granian_threads = int(numbers[1]) if len(numbers) > 1 else 1
    if kind == "gunicorn":
        label = f"gunicorn -w {workers} (sync)"
        return label, [
            str(VENV_BIN / "gunicorn"),
            "gonghui.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
        ]
    if kind == "granian":
        label = f"granian wsgi --workers {workers} --blocking-threads {granian_threads}"
        return label, [
            str(VENV_BIN / "granian"),
            "--interface",
            "wsgi",
            "--workers",
            str(workers),
            "--blocking-threads",
            str(granian_threads),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-ws",
            "--log-level",
            "error",
            "gonghui.wsgi:application",
        ]
    raise SystemExit(f"unknown server {spec!r} (gunicorn[:WORKERS] or granian[:WORKERS[:THREADS]])")


@contextlib.contextmanager
def serve(spec: str, env: dict[str, str], database_url: str, log_dir: Path) -> Iterator[Server]:
    port = free_port()
    label, command = server_command(spec, port)
    log_path = log_dir / f"{spec.replace(':', '-')}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own venv's server binary, fixed arguments
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{label} exited at start:\n{log_path.read_text(errors='replace')[-3000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{BARE}", timeout=2)
            except urllib.error.HTTPError:
                break  # 405 for GET: the application answers
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{label} did not answer within {SERVER_START_TIMEOUT_S} s") from None
                time.sleep(0.2)
        print(f"\n== {label} on 127.0.0.1:{port} (pid {process.pid})", flush=True)
        meter = CpuMeter(process.pid, database_url)
        try:
            yield Server(label, port, process, meter)
        finally:
            meter.close()
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group start_new_session made for this server
            process.wait(5)


# -- CPU accounting: the machine is shared, so say how much of it this run had -------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine_ticks() -> int:
    """Busy ticks of all cores (everything but idle and iowait) from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(values) - values[3] - values[4]


def process_ticks(pid: int) -> int:
    try:
        after_name = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(after_name[11]) + int(after_name[12])  # utime + stime


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(child) for child in children.read_text().split())
    return pids


class CpuMeter:
    """CPU seconds used during a load by the server, by PostgreSQL's backends for the bench database, by
    the generator, and by everything else on the machine (other people's work: the box is shared)."""

    def __init__(self, server_pid: int, database_url: str) -> None:
        import psycopg

        self.server_pid = server_pid
        self.monitor = psycopg.connect(
            database_url.replace("postgres://", "postgresql://", 1), autocommit=True
        )

    def backends(self) -> set[int]:
        rows = self.monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return {pid for (pid,) in rows}

    def _ticks(self) -> dict[str, dict[int, int]]:
        return {
            "server": {pid: process_ticks(pid) for pid in process_tree(self.server_pid)},
            "postgres": {pid: process_ticks(pid) for pid in self.backends()},
        }

    def start(self) -> None:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.started_at, self.machine_at_start = time.perf_counter(), machine_ticks()
        self.generator_at_start = children.ru_utime + children.ru_stime
        self.first = self._ticks()
        self.last = {part: dict(ticks) for part, ticks in self.first.items()}

    def poll(self) -> None:
        """Called every half second during a load: a backend that closes (CONN_MAX_AGE) or starts
        mid-load is still counted up to its last sample."""
        for part, ticks in self._ticks().items():
            for pid, value in ticks.items():
                self.first[part].setdefault(pid, 0)  # born during the load
                self.last[part][pid] = value

    def finish(self) -> dict[str, float]:
        self.poll()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = {
            "seconds": time.perf_counter() - self.started_at,
            "machine": (machine_ticks() - self.machine_at_start) / CLOCK_TICKS,
            "generator": children.ru_utime + children.ru_stime - self.generator_at_start,
        }
        for part in ("server", "postgres"):
            used[part] = sum(v - self.first[part][pid] for pid, v in self.last[part].items()) / CLOCK_TICKS
        # Per server process, busiest first: shows whether the workers share the load evenly.
        for rank, ticks in enumerate(
            sorted((v - self.first["server"][pid] for pid, v in self.last["server"].items()), reverse=True)
        ):
            used[f"server process {rank + 1}"] = ticks / CLOCK_TICKS
        used["others"] = max(0.0, used["machine"] - used["server"] - used["postgres"] - used["generator"])
        return used

    def close(self) -> None:
        self.monitor.close()


# -- running a load ----------------------------------------------------------------------------------


def percentile(samples: list[float], q: int) -> float:
    if not samples:
        return float("nan")
    return statistics.quantiles(samples, n=100)[q - 1] if len(samples) > 1 else samples[0]


def generate(
    port: int, requests: list[list[Any]], concurrency: int, work_dir: Path, meter: CpuMeter
) -> dict[str, Any]:
    requests_file, results_file = work_dir / "requests.json", work_dir / "results.json"
    requests_file.write_text(json.dumps(requests, ensure_ascii=False), encoding="utf-8")
    results_file.unlink(missing_ok=True)
    meter.start()
    generator = subprocess.Popen(  # noqa: S603 - this venv's python running bench/loadgen.py
        [
            sys.executable,
            str(LOADGEN),
            "--port",
            str(port),
            "--concurrency",
            str(concurrency),
            "--timeout",
            str(LEVEL_TIMEOUT_S),
            "--requests",
            str(requests_file),
            "--results",
            str(results_file),
        ]
    )
    deadline = time.monotonic() + LEVEL_TIMEOUT_S + 90
    while generator.poll() is None:
        if time.monotonic() > deadline:
            generator.kill()
            generator.wait(5)
            raise SystemExit("the load generator did not finish in time")
        meter.poll()
        time.sleep(0.5)
    if generator.returncode:
        raise SystemExit(f"the load generator failed ({generator.returncode})")
    outcome = json.loads(results_file.read_text(encoding="utf-8"))
    outcome["cpu"] = meter.finish()
    return outcome


@dataclass
class Row:
    server: str
    endpoint: str
    concurrency: int
    count: int
    ok: int = 0
    not_ok: Counter[str] = field(default_factory=Counter)
    unsent: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    elapsed_s: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    worst: float = 0.0
    check: str = ""
    requests: int = 0  # HTTP requests; count, ok, rate and CPU are per record (BATCH_SIZE per upload request)

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s else 0.0

    def cpu_per_request_ms(self, part: str) -> float:
        return 1000 * self.cpu.get(part, 0.0) / self.ok if self.ok else float("nan")

    def cores(self, part: str) -> float:
        return self.cpu.get(part, 0.0) / self.cpu["seconds"] if self.cpu.get("seconds") else float("nan")

    def cpu_line(self) -> str:
        return (
            f"           cpu: machine {self.cores('machine'):.2f} of {os.cpu_count()} cores busy — server "
            f"{self.cores('server'):.2f}, postgres {self.cores('postgres'):.2f}, generator "
            f"{self.cores('generator'):.2f}, others {self.cores('others'):.2f}; per request: server "
            f"{self.cpu_per_request_ms('server'):.2f} ms, postgres {self.cpu_per_request_ms('postgres'):.2f} ms, "
            f"generator {self.cpu_per_request_ms('generator'):.2f} ms; server processes "
            + "/".join(f"{self.cores(k):.2f}" for k in self.cpu if k.startswith("server process"))
            + " cores"
        )

    def line(self) -> str:
        bad = sum(self.not_ok.values())
        return (
            f"  {self.endpoint:<8} c={self.concurrency:<3} {self.requests:>5} requests {self.ok:>6}/{self.count} ok  "
            f"{self.rate:7.1f}/s  p50 {self.p50:6.1f} ms  p99 {self.p99:6.1f} ms  max {self.worst:7.1f} ms  "
            f"non-200 {bad}{' ' + dict(self.not_ok).__repr__() if bad else ''}"
            f"{f'  unsent {self.unsent}' if self.unsent else ''}  {self.check}"
        )


def measure(
    server: Server, endpoint: str, requests: list[list[Any]], concurrency: int, work_dir: Path
) -> tuple[Row, list[Any]]:
    outcome = generate(server.port, requests, concurrency, work_dir, server.meter)
    results = outcome["results"]
    per_request = BATCH_SIZE if endpoint == "upload" else 1
    row = Row(
        server.label,
        endpoint,
        concurrency,
        len(requests) * per_request,
        cpu=outcome["cpu"],
        elapsed_s=outcome["elapsed_s"],
        requests=len(requests),
    )
    latencies = []
    for result in results:
        if result is None:
            row.unsent += per_request
            continue
        status, ms, body = result
        latencies.append(ms)
        if status != 200:
            row.not_ok[str(status)] += per_request
            continue
        if endpoint == "upload":
            answer = json.loads(body)
            answers = answer.get("results", [answer])
            for one in answers:
                if (one["status"], one["code"]) != ("accepted", "created"):
                    row.not_ok[f"200 {one['status']}/{one['code']}"] += 1
                else:
                    row.ok += 1
            continue
        row.ok += 1
    row.p50, row.p99, row.worst = percentile(latencies, 50), percentile(latencies, 99), max(latencies)
    return row, results


def verify_uploads(record_uuids: list[str], phones: dict[str, str], since: datetime.datetime) -> str:
    """Exactly one membership, upload log and enrolment audit event per record, and batch audit events
    accounting for every record; no person twice."""
    from django.db.models import Count

    from gonghui.collect.models import DeviceUpload
    from gonghui.core.models import AuditEvent
    from gonghui.members.models import Membership, Person

    memberships = Membership.objects.filter(client_uuid__in=record_uuids)
    found = memberships.count()
    logged = DeviceUpload.objects.filter(client_uuid__in=record_uuids, outcome="ACCEPTED").count()
    membership_ids = [str(pk) for pk in memberships.values_list("pk", flat=True)]
    audited = AuditEvent.objects.filter(
        event_type="member_enrolled", object_type="members.membership", object_id__in=membership_ids
    ).count()
    # One "collect_uploads_stored" event per request, which counts what it accepted.
    device_ids = {
        str(pk)
        for pk in DeviceUpload.objects.filter(client_uuid__in=record_uuids).values_list(
            "device_id", flat=True
        )
    }
    stored_events = AuditEvent.objects.filter(
        event_type="collect_uploads_stored",
        object_type="collect.collectordevice",
        object_id__in=device_ids,
        created_at__gte=since,
    ).values_list("details", flat=True)
    upload_audits = sum(details["accepted"] for details in stored_events)
    persons = Person.objects.count()
    total = Membership.objects.count()
    doubled = Membership.objects.values("person_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    # Round trip of the sealed data: the first record's person decrypts to what the phone sent.
    sample = memberships.select_related("person").filter(client_uuid=record_uuids[0]).first()
    roundtrip = sample is not None and sample.person.phone == phones[record_uuids[0]]
    problems = []
    if found != len(record_uuids):
        problems.append(f"{len(record_uuids) - found} memberships missing")
    if logged != found or audited != found or upload_audits != found:
        problems.append(f"logs {logged}, enrol audits {audited}, upload audits {upload_audits} for {found}")
    if persons != total or doubled:
        problems.append(f"{persons} persons for {total} memberships, {doubled} persons twice")
    if not roundtrip:
        problems.append("sample record did not decrypt to what was sent")
    return "verified: " + ("; ".join(problems) if problems else f"{found} memberships, no duplicate, no loss")


def verify_bare(before: int, ok: int) -> str:
    from bench.bare_urls import EVENT_TYPE
    from gonghui.core.models import AuditEvent

    after = AuditEvent.objects.filter(event_type=EVENT_TYPE).count()
    return f"verified: {after - before} rows for {ok} answers" + (
        "" if after - before == ok else "  MISMATCH"
    )


def bare_rows() -> int:
    from bench.bare_urls import EVENT_TYPE
    from gonghui.core.models import AuditEvent

    return AuditEvent.objects.filter(event_type=EVENT_TYPE).count()


def run_uploads(
    server: Server, fx: Fixture, numbering: Numbering, count: int, concurrency: int, work_dir: Path
) -> Row:
    started = time.perf_counter()
    batch = build_uploads(fx, numbering.take(count))
    built_s = time.perf_counter() - started
    since = datetime.datetime.now(datetime.UTC)
    row, _ = measure(server, "upload", batch.requests, concurrency, work_dir)
    row.check = verify_uploads(batch.record_uuids, batch.phones, since)
    print(row.line() + f"  (built in {built_s:.1f} s)\n{row.cpu_line()}", flush=True)
    return row


def run_bare(server: Server, sample_body: str, count: int, concurrency: int, work_dir: Path) -> Row:
    before = bare_rows()
    row, _ = measure(server, "bare", build_bare(count, sample_body), concurrency, work_dir)
    row.check = verify_bare(before, row.ok)
    print(f"{row.line()}\n{row.cpu_line()}", flush=True)
    return row


# -- py-spy over the server's workers ------------------------------------------------------------------

# Functions whose inclusive share of a request's wall time is worth naming (py-spy frame names).
SPY_FUNCTIONS = [
    ("(django/core/handlers/wsgi.py", "whole request (Django's WSGI handler)"),
    ("check (gonghui/core/middleware.py", "RejectBadInputMiddleware.check (JSON scan of the body)"),
    ("_get_values", "ninja: parse + validate UploadIn"),
    ("do_accept_upload", "do_accept_upload"),
    ("verify_signed_request", "  verify_signed_request"),
    ("_find_device", "    device + user + unit query"),
    ("_check_signature", "    ECDSA P-256 verify (incl. PEM load)"),
    ("open_envelope", "  open_envelope"),
    ("_record_union", "  collectable union query"),
    ("do_enrol_member", "  do_enrol_member (durable transaction)"),
    ("held_roles", "    held_roles query"),
    ("check_resident_id", "    check_resident_id"),
    ("record_event", "  record_event (both audit events)"),
    ("acting_unit_for", "    acting_unit_for query"),
    ("do_log_device_upload", "  do_log_device_upload (durable transaction)"),
    ("commit (django/db/backends/base/base.py", "  COMMIT (both durable transactions)"),
    ("_execute (django/db/backends/utils.py", "all SQL statements (execute)"),
    ("create_response", "ninja: render the answer"),
]


def py_spy_profile(server: Server, fx: Fixture, numbering: Numbering, count: int, work_dir: Path) -> None:
    spy = VENV_BIN / "py-spy"
    if not spy.exists():
        print("  py-spy is not installed in the venv (pip install py-spy); skipped")
        return
    batch = build_uploads(fx, numbering.take(count))
    since = datetime.datetime.now(datetime.UTC)
    output = work_dir / "py-spy.txt"
    recorder = subprocess.Popen(  # noqa: S603
        [
            str(spy),
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            "--rate",
            "100",
            "--format",
            "raw",
            "--duration",
            str(LEVEL_TIMEOUT_S),
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2)
    row, _ = measure(server, "upload", batch.requests, 8, work_dir)
    recorder.send_signal(signal.SIGINT)
    try:
        recorder.wait(30)
    except subprocess.TimeoutExpired:
        recorder.kill()
        recorder.wait(5)
    print(row.line() + "  (under py-spy, not a figure)")
    if not output.exists():
        print("  py-spy wrote nothing (ptrace not permitted?)")
        return
    in_request: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in output.read_text(errors="replace").splitlines():
        stack, _, samples = line.rpartition(" ")
        if "(django/core/handlers/wsgi.py" not in stack or not samples.isdigit():
            continue
        n = int(samples)
        total += n
        for needle, _label in SPY_FUNCTIONS:
            if needle in stack:
                in_request[needle] += n
        leaves[stack.rsplit(";", 1)[-1]] += n
    if not total:
        print("  no request samples")
        return
    print(f"  py-spy, CPU samples inside requests ({total} samples over the workers):")
    for needle, label in SPY_FUNCTIONS:
        print(f"    {100 * in_request[needle] / total:5.1f}%  {label}")
    print("  top leaf frames (where the request's CPU time is spent):")
    for leaf, n in leaves.most_common(12):
        print(f"    {100 * n / total:5.1f}%  {leaf[:120]}")
    print(f"  {verify_uploads(batch.record_uuids, batch.phones, since)}")


# -- in-process profile ------------------------------------------------------------------------------


def per_call_us(function: Any, number: int) -> float:
    return timeit.timeit(function, number=number) / number * 1e6


def profile_in_process(fx: Fixture, numbering: Numbering, uploads: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gonghui.collect.envelope import Envelope, open_envelope
    from gonghui.collect.keys import server_key
    from gonghui.collect.models import CollectorDevice
    from gonghui.collect.schemas import RecordIn, UploadBatchIn, UploadIn
    from gonghui.collect.signing import SignedRequest, _check_signature, load_device_public_key
    from gonghui.core import pii
    from gonghui.members.validators import check_resident_id

    print("\n== profile, in-process (this process, same database, full Django stack without a WSGI server)")
    client = Client(HTTP_HOST="127.0.0.1")

    def send(request: list[Any]) -> Any:
        _, path, body, headers = request
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        return client.post(path, body.encode(), content_type="application/json", headers=extra)

    for request in build_uploads(fx, numbering.take(20)).requests:
        assert send(request).status_code == 200

    # 1. SQL statements of one upload request (BATCH_SIZE records).
    (one,) = build_uploads(fx, numbering.take(BATCH_SIZE)).requests
    with CaptureQueriesContext(connection) as queries:
        response = send(one)
    answer = response.json()
    codes = {r["code"] for r in answer.get("results", [answer])}
    assert codes == {"created"}, response.content
    statements = [q["sql"] for q in queries.captured_queries]
    savepoints = sum(1 for s in statements if s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")))
    print(
        f"SQL statements for one request of {BATCH_SIZE} record(s): {len(statements)} "
        f"({len(statements) - savepoints} queries + {savepoints} SAVEPOINT/RELEASE; "
        "plus BEGIN/COMMIT of the durable transaction, which the driver sends outside the cursor)"
    )
    for number, sql in enumerate(statements, 1):
        print(f"  {number:2}. {' '.join(sql.split())[:150]}")

    # 2. Each step on its own.
    _, _, body, headers = one
    schema = UploadIn if BATCH_SIZE == 1 else UploadBatchIn
    parsed = schema.model_validate_json(body)
    upload = parsed if isinstance(parsed, UploadIn) else parsed.uploads[0]
    envelope = Envelope(**upload.envelope.dict())
    plaintext = open_envelope(envelope, record_uuid=upload.record_uuid)
    record = RecordIn.model_validate_json(plaintext)
    device = CollectorDevice.objects.select_related("user", "unit").get(public_id=headers["X-Gonghui-Device"])
    signed = SignedRequest(
        "POST", one[1], headers["X-Gonghui-Device"], headers["X-Gonghui-Timestamp"],
        headers["X-Gonghui-Signature"], body.encode(),
    )  # fmt: skip
    private = server_key().private_key
    wrapped = base64.b64decode(upload.envelope.key)
    steps = [
        ("RSA-OAEP-2048 decrypt of the record key", lambda: private.decrypt(wrapped, OAEP), 300),
        (
            "ECDSA P-256 verify incl. PEM load (_check_signature)",
            lambda: _check_signature(device, signed),
            1000,
        ),
        ("  of which PEM load of the device key", lambda: load_device_public_key(device.public_key), 1000),
        (
            "open_envelope (RSA + AES-GCM)",
            lambda: open_envelope(envelope, record_uuid=upload.record_uuid),
            300,
        ),
        ("json.loads of the body (middleware)", lambda: json.loads(body), 5000),
        (
            f"{schema.__name__}.model_validate_json (per request)",
            lambda: schema.model_validate_json(body),
            2000,
        ),
        ("RecordIn.model_validate_json", lambda: RecordIn.model_validate_json(plaintext), 5000),
        ("check_resident_id", lambda: check_resident_id(record.resident_id), 5000),
        ("pii.encrypt (x2 per upload: ID, phone)", lambda: pii.encrypt(record.resident_id, aad="x"), 5000),
        ("pii.blind_index (x4 per upload)", lambda: pii.blind_index(record.resident_id, purpose="x"), 5000),
    ]
    print("cost of each step alone (µs per call):")
    for label, function, number in steps:
        print(f"  {per_call_us(function, number):8.1f}  {label}")

    # 3. Whole requests through the Django stack, one client: wall time, this process's CPU and the CPU of
    # its PostgreSQL backend, per request; uploads, then the bare insert for comparison.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    sample_body = build_uploads(fx, numbering.take(1)).requests[0][2]
    for label, requests in (
        ("signed upload", build_uploads(fx, numbering.take(uploads)).requests),
        ("bare insert  ", build_bare(uploads, sample_body)),
    ):
        wall, times, pg = time.perf_counter(), os.times(), process_ticks(backend)
        for request in requests:
            assert send(request).status_code == 200
        wall, after = time.perf_counter() - wall, os.times()
        user, system = after.user - times.user, after.system - times.system
        pg_s = (process_ticks(backend) - pg) / CLOCK_TICKS
        print(
            f"one client, in-process, no profiler, {label}: {uploads / wall:5.0f}/s; per record "
            f"{1000 * wall / uploads:5.2f} ms wall, {1000 * (user + system) / uploads:5.2f} ms CPU here "
            f"({1000 * system / uploads:.2f} of it in the kernel), "
            f"{1000 * pg_s / uploads:5.2f} ms CPU in PostgreSQL"
        )
    requests = build_uploads(fx, numbering.take(uploads)).requests
    profiler = cProfile.Profile()
    profiler.enable()
    for request in requests:
        send(request)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    wanted = [
        ("gonghui/core/middleware.py", "check", "RejectBadInputMiddleware.check (JSON scan)"),
        ("gonghui/collect/actions.py", "do_accept_uploads", "do_accept_uploads"),
        ("gonghui/collect/signing.py", "verify_signed_request", "  verify_signed_request"),
        ("gonghui/collect/signing.py", "_find_device", "    device + user + unit query"),
        ("gonghui/collect/signing.py", "_check_signature", "    ECDSA P-256 verify"),
        ("gonghui/collect/actions.py", "do_store_uploads", "  do_store_uploads"),
        ("gonghui/collect/envelope.py", "open_envelope", "    open_envelope (RSA-OAEP + AES-GCM)"),
        ("gonghui/members/actions.py", "enrol_many", "    enrol_many"),
        ("gonghui/accounts/scope.py", "held_roles", "      held_roles query"),
        ("gonghui/members/validators.py", "check_resident_id", "      check_resident_id"),
        ("gonghui/members/actions.py", "_load_people", "      persons, memberships, phones (3 queries)"),
        ("gonghui/members/actions.py", "_write", "      bulk inserts + audit events"),
        ("django/db/backends/utils.py", "_execute", "all SQL statements (CursorWrapper._execute)"),
        ("django/db/backends/base/base.py", "commit", "COMMIT"),
    ]
    by_function = {
        (filename, name): ct for (filename, _l, name), (_cc, _nc, _tt, ct, _c) in stats.stats.items()
    }  # type: ignore[attr-defined]
    print(f"cProfile over {uploads} records ({1000 * total / uploads:.2f} ms per record under the profiler):")
    for suffix, name, label in wanted:
        ct = max((t for (f, n), t in by_function.items() if n == name and f.endswith(suffix)), default=0.0)
        print(f"  {1000 * ct / uploads:6.2f} ms  {100 * ct / total:5.1f}%  {label}")
    packages = [
        ("django/db/", "Django ORM (query building, compiling, model instances)"),
        ("psycopg", "psycopg (adapting, sending, waiting for PostgreSQL)"),
        ("django/", "Django, other (request, middleware, signals, settings)"),
        ("ninja/", "django-ninja + pydantic"),
        ("pydantic", "django-ninja + pydantic"),
        ("gonghui/", "gonghui's own code"),
        ("cryptography", "cryptography (RSA, ECDSA, AES-GCM)"),
    ]
    own: Counter[str] = Counter()
    for (filename, _line, name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename if filename != "~" else name
        label = next((lab for needle, lab in packages if needle in where), "Python builtins and stdlib")
        own[label] += tt
    print("own time by package (cProfile inflates Python-heavy code more than C calls):")
    for label, tt in own.most_common():
        print(f"  {1000 * tt / uploads:6.2f} ms  {100 * tt / total:5.1f}%  {label}")
    print("top functions by own time:")
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:15]  # type: ignore[attr-defined]
    for (filename, line, name), (_cc, nc, tt, _ct, _callers) in rows:
        short = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        print(f"  {1000 * tt / uploads:6.3f} ms  {nc / uploads:5.1f} calls  {name} ({short}:{line})")


# -- main ----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--count", type=int, default=10000, help="records per concurrency level")
    parser.add_argument(
        "--batch",
        type=int,
        default=20,
        help="records per signed request (1: the one-record endpoint)",
    )
    parser.add_argument("--bare-count", type=int, default=5000, help="bare requests per concurrency level")
    parser.add_argument("--concurrency", default="4,8,16")
    parser.add_argument("--devices", type=int, default=16)
    parser.add_argument(
        "--servers",
        default="gunicorn",
        help="comma list of gunicorn[:WORKERS] and granian[:WORKERS[:BLOCKING_THREADS]]; 2 workers by default",
    )
    parser.add_argument(
        "--profile-uploads", type=int, default=300, help="in-process uploads to profile (0: none)"
    )
    parser.add_argument("--py-spy", action="store_true", help="also sample gunicorn's workers with py-spy")
    args = parser.parse_args()
    global BATCH_SIZE  # one knob, read by the request builders
    BATCH_SIZE = max(1, min(args.batch, 50))
    levels = [int(c) for c in args.concurrency.split(",")]

    env = common_env(args.database_url, make_server_key())
    os.environ.update(env)
    server_env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1", "PYTHONPATH": str(ROOT)}
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"

    started = time.perf_counter()
    recreate_database(args.database_url)
    import django

    django.setup()
    from django.db import connection

    fx = setup_database(args.devices)
    connection.close()  # the servers get the database to themselves while they are measured
    print(
        f"setup: database {args.database_url.rsplit('/', 1)[-1]} created, migrated, demo story loaded, "
        f"{len(fx.phones)} devices paired in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    numbering = Numbering()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="enrol-load-") as tmp:
        work_dir = Path(tmp)
        for spec in filter(None, args.servers.split(",")):
            with serve(spec, server_env, args.database_url, work_dir) as server:
                # Warm-up: each worker opens its database connection and loads the server key.
                warm = build_uploads(fx, numbering.take(200)).requests
                measure(server, "upload", warm, max(levels), work_dir)
                sample_body = warm[0][2]
                measure(server, "bare", build_bare(200, sample_body), max(levels), work_dir)
                for concurrency in levels:
                    rows.append(run_uploads(server, fx, numbering, args.count, concurrency, work_dir))
                for concurrency in levels:
                    rows.append(run_bare(server, sample_body, args.bare_count, concurrency, work_dir))
                if args.py_spy and spec == args.servers.split(",")[0]:
                    py_spy_profile(server, fx, numbering, min(args.count, 3000), work_dir)
                connection.close()
    if args.profile_uploads:
        profile_in_process(fx, numbering, args.profile_uploads)

    print("\n== summary (2 cores shared by server, PostgreSQL and generator)")
    print(
        "| server | endpoint | clients | requests | ok | non-200 | per second | p50 ms | p99 ms | max ms "
        "| CPU ms per request: server + PostgreSQL | other people's work, cores |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row.server} | {'signed upload' if row.endpoint == 'upload' else 'bare insert'} | "
            f"{row.concurrency} | {row.count:,} | {row.ok:,} | {sum(row.not_ok.values()) + row.unsent} | "
            f"{row.rate:,.0f} | {row.p50:.1f} | {row.p99:.1f} | {row.worst:.0f} | "
            f"{row.cpu_per_request_ms('server'):.1f} + {row.cpu_per_request_ms('postgres'):.1f} | "
            f"{row.cores('others'):.2f} |"
        )
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
