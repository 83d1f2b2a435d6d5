"""Prove the production path of docs/operations.md end to end, as CI does (`.ci/run`):

1. fresh keys, `GONGHUI_ENV=production`, a new PostgreSQL database; `check --deploy` must be clean;
2. migrate, createcachetable, collectstatic, `bootstrap` from the Beijing template;
3. gunicorn with deploy/gunicorn.conf.py and the job worker, behind a pretend nginx (X-Forwarded-Proto,
   X-Forwarded-For, GONGHUI_TRUSTED_PROXIES=1);
4. the first administrator signs in: password, TOTP enrolment (the code computed as an authenticator app
   would), the forced new password, the home page; headers checked (CSP, HSTS, no-store); the API docs
   refused to the anonymous; a member export runs on the worker;
5. a backup (pg_dump) restored into a second database, read back with the keys.

    CI_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python scripts/production_check.py

Prints each step and its time; exits non-zero at the first failure. Leaves nothing behind.
"""

import base64
import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
HOST = "gonghui.example.cn"
NEW_PASSWORD = "production-check-" + base64.b32encode(os.urandom(10)).decode().lower()


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def fail(message: str) -> None:
    print(f"FAILED: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def keys() -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "GONGHUI_PII_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "GONGHUI_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "GONGHUI_COLLECT_PRIVATE_KEY": base64.b64encode(pem).decode(),
    }


def database_url(base: str, name: str) -> str:
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def psql(base: str, sql: str) -> None:
    subprocess.run(["psql", database_url(base, "postgres"), "-q", "-c", sql], check=True)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        fail(f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Browser:
    """Just enough of a browser behind nginx: its own cookies (they are set for https://HOST, which the
    test server is not), CSRF, the proxy's headers, no redirects followed."""

    def __init__(self, base: str, *, https: bool = True) -> None:
        self.base = base
        self.https = https
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, method: str, path: str, data: dict[str, str] | None = None, body: bytes | None = None):  # type: ignore[no-untyped-def]
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https" if self.https else "http",
            "X-Forwarded-For": "198.51.100.23",
            "Referer": f"https://{HOST}{path}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            headers["Content-Type"] = "application/json"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        content = response.read().decode("utf-8", "replace")
        return response.status, response.headers, content

    def page(self, path: str, expect: int = 200) -> tuple[object, str]:
        status, headers, content = self.request("GET", path)
        if status != expect:
            fail(f"GET {path}: {status}, expected {expect}\n{content[:500]}")
        return headers, content


def wait_until_up(browser: Browser, process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    for _ in range(100):
        if process.poll() is not None:
            fail("gunicorn stopped while starting")
        try:
            status, _headers, _content = browser.request("GET", "/accounts/login/")
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        fail(f"/accounts/login/ answered {status}")
    fail("gunicorn did not answer within 20 s")


def sign_in(browser: Browser, username: str, password: str) -> None:
    from django_otp.oath import totp

    browser.page("/accounts/login/")
    status, headers, _ = browser.request(
        "POST", "/accounts/login/", {"username": username, "password": password}
    )
    if status != 302 or "/accounts/otp/" not in headers["Location"]:
        fail(f"the password did not lead to the second factor: {status} {headers.get('Location')}")
    if browser.request("GET", "/")[0] != 302:
        fail("the console opened without the second factor")
    _headers, otp_page = browser.page("/accounts/otp/")
    match = re.search(r'<code class="secret">([A-Z2-7=]+)</code>', otp_page)
    if not match:
        fail("the enrolment page shows no authenticator key")
    code = totp(base64.b32decode(html.unescape(match.group(1))), 30, 0, 6, 0)
    status, headers, _ = browser.request("POST", "/accounts/otp/", {"token": f"{code:06d}", "next": "/"})
    if status != 302:
        fail(f"the authenticator code was refused: {status}")
    status, headers, _ = browser.request("GET", "/")
    if status != 302 or headers["Location"] != "/accounts/password/":
        fail(f"the handed-over password was not sent to be changed: {status} {headers.get('Location')}")
    browser.page("/accounts/password/")
    status, headers, content = browser.request(
        "POST", "/accounts/password/", {"current": password, "new": NEW_PASSWORD, "again": NEW_PASSWORD}
    )
    if status != 302:
        fail(f"the new password was refused: {status}\n{content[:500]}")


def main() -> None:
    base = os.environ.get("CI_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"gonghui_prodcheck_{os.getpid()}"
    restored = f"{name}_restored"
    var = Path(tempfile.mkdtemp(prefix="gonghui-prodcheck-"))
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GONGHUI_", "DJANGO_", "PYTEST"))},
        **keys(),
        "GONGHUI_ENV": "production",
        "DATABASE_URL": database_url(base, name),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "GONGHUI_TRUSTED_PROXIES": "1",
        "GONGHUI_SMS_BACKEND": "gonghui.core.sms.OutboxGateway",
        "GONGHUI_VAR_DIR": str(var),
        "GONGHUI_BIND": f"127.0.0.1:{port}",
        "GONGHUI_WORKERS": "2",
    }
    processes: list[subprocess.Popen] = []  # type: ignore[type-arg]
    started = time.perf_counter()
    try:
        step(f"PostgreSQL database {name}; check --deploy")
        psql(base, f'DROP DATABASE IF EXISTS "{name}"')
        psql(base, f'CREATE DATABASE "{name}"')
        manage(env, "check", "--deploy", "--fail-level", "WARNING")
        step("migrate, createcachetable, collectstatic")
        manage(env, "migrate", "--no-input")
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--no-input")
        step("bootstrap from the Beijing template")
        output = manage(env, "bootstrap", "--tree", "gonghui/orgs/data/union_tree_template.csv")
        password_match = re.search(r"password: (\S+)", output)
        if not password_match:
            fail(f"bootstrap printed no password:\n{output}")
        print("  " + next(line for line in output.splitlines() if line.startswith("union tree")))
        step("gunicorn (deploy/gunicorn.conf.py) and the job worker")
        processes.append(
            subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "gonghui.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        processes.append(
            subprocess.Popen(
                [str(VENV_BIN / "python"), "manage.py", "db_worker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_until_up(browser, processes[0])
        step("plain http is sent to https")
        status, headers, _ = Browser(f"http://127.0.0.1:{port}", https=False).request(
            "GET", "/accounts/login/"
        )
        if status != 301 or not headers["Location"].startswith(f"https://{HOST}/"):
            fail(f"plain http answered {status} {headers.get('Location')}")
        step("the first administrator signs in: password, TOTP, a new password")
        sign_in(browser, "admin", password_match.group(1))
        headers, home = browser.page("/")
        for header, needle in (
            ("Content-Security-Policy", "script-src 'self'"),
            ("Strict-Transport-Security", "max-age="),
            ("Cache-Control", "no-store"),
        ):
            if needle not in (headers.get(header) or ""):  # type: ignore[attr-defined]
                fail(f"the home page's {header} is {headers.get(header)!r}")  # type: ignore[attr-defined]
        if "市总工会管理员" not in home:
            fail("the home page does not greet the administrator")
        if Browser(f"http://127.0.0.1:{port}").request("GET", "/api/v1/docs")[0] != 302:
            fail("the API docs open without a login in production")
        if browser.request("GET", "/static/gonghui/console.css")[0] != 200:
            fail("static files are not served")
        step("a member export runs on the job worker")
        status, _headers, content = browser.request(
            "POST", "/api/v1/members/exports", body=b'{"format": "CSV"}'
        )
        if status != 202:
            fail(f"the export was not queued: {status} {content[:300]}")
        job = json.loads(content)
        for _ in range(150):
            job = json.loads(browser.page(f"/api/v1/members/exports/{job['id']}")[1])
            if job["status"] in ("DONE", "FAILED"):
                break
            time.sleep(0.2)
        if job["status"] != "DONE":
            fail(f"the worker did not finish the export: {job}")
        step("backup (pg_dump) and restore into a second database")
        dump = var / "gonghui.dump"
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", env["DATABASE_URL"]], check=True
        )
        psql(base, f'DROP DATABASE IF EXISTS "{restored}"')
        psql(base, f'CREATE DATABASE "{restored}"')
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={database_url(base, restored)}", str(dump)], check=True
        )
        check = (
            "from gonghui.accounts.models import User; from gonghui.orgs.models import OrgUnit; "
            f"u = User.objects.get(username='admin'); assert u.check_password({NEW_PASSWORD!r}); "
            "print('restored:', OrgUnit.objects.count(), 'unions, admin signs in')"
        )
        print(
            "  "
            + manage(
                {**env, "DATABASE_URL": database_url(base, restored)}, "shell", "--no-imports", "-c", check
            ).strip()
        )
        step(f"production check passed in {time.perf_counter() - started:.1f} s")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for database in (name, restored):
            psql(base, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
