"""Production is a first-class path: headers on every page (a Content-Security-Policy, no-store), the
API docs behind a login, a deployed process that fails closed, `check --deploy` clean, no demo story."""

import base64
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from gonghui.core.logs import ScrubbingFormatter

ROOT = Path(__file__).resolve().parents[3]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("GONGHUI_", "DEBUG", "SECRET_KEY", "PYTEST", "DATABASE_URL", "ALLOWED_HOSTS", "DJANGO_")
        )
    }
    return {
        **clean,
        "GONGHUI_ENV": "production",
        "SECRET_KEY": base64.b64encode(os.urandom(40)).decode(),
        "GONGHUI_PII_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "GONGHUI_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "GONGHUI_COLLECT_PRIVATE_KEY": key.decode(),
        "GONGHUI_SMS_BACKEND": "gonghui.core.sms.OutboxGateway",
        "ALLOWED_HOSTS": "union.example",
        "GONGHUI_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (this interpreter, this project's own commands)
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )


def test_it_sends_a_content_security_policy_whose_nonce_the_inline_styles_carry(personas):
    response = personas.client(personas.city_admin).get("/meetings/calendar/")
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    )
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in response.content.decode()
    assert " onclick=" not in response.content.decode() and " onchange=" not in response.content.decode()


def test_pages_with_personal_data_are_not_stored_but_static_files_are_cached(personas):
    client = personas.client(personas.city_admin)
    for url in ("/members/", "/api/v1/members", "/accounts/login/", "/cards/self/"):
        assert client.get(url)["Cache-Control"] == "no-store", url
    static = client.get("/static/gonghui/console.css")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")


def test_the_api_docs_are_behind_a_login_in_production(personas, settings):
    settings.GONGHUI_API_DOCS_PUBLIC = False
    anonymous = Client()
    assert anonymous.get("/api/v1/docs").status_code == 302
    assert anonymous.get("/api/v1/openapi.json").status_code == 302
    staff = personas.client(personas.chair)
    assert staff.get("/api/v1/docs").status_code == 200
    assert staff.get("/api/v1/openapi.json").json()["info"]["title"] == "gonghui API"
    settings.GONGHUI_API_DOCS_PUBLIC = True
    assert anonymous.get("/api/v1/openapi.json").status_code == 200


def test_an_unconfigured_development_server_answers_this_machine_only(db, settings):
    settings.DEBUG = True
    settings.GONGHUI_ENV_EXPLICIT = False
    assert Client(REMOTE_ADDR="127.0.0.1").get("/accounts/login/").status_code == 200
    assert Client(REMOTE_ADDR="192.168.1.20").get("/accounts/login/").status_code == 403
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert proxied.get("/accounts/login/").status_code == 403
    settings.GONGHUI_ENV_EXPLICIT = True
    assert Client(REMOTE_ADDR="192.168.1.20").get("/accounts/login/").status_code == 200


def test_a_wsgi_server_with_gonghui_env_unset_fails_closed(tmp_path):
    env = production_env(tmp_path)
    for name in ("GONGHUI_ENV", "SECRET_KEY", "GONGHUI_PII_KEYS", "GONGHUI_BLIND_INDEX_KEY"):
        env.pop(name)
    result = run(["-c", "import gonghui.wsgi"], env)
    assert result.returncode != 0
    assert "Refusing to start in production mode" in result.stderr and "SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_in_production_and_the_demo_refuses(tmp_path):
    env = production_env(tmp_path)
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    result = run(["manage.py", "demo"], env)
    assert result.returncode != 0 and "not loaded in production" in result.stderr
    result = run(["-m", "gonghui", "up", "--no-serve"], env)
    assert result.returncode != 0 and "not loaded in production" in result.stderr


def test_the_demo_commands_refuse_in_production_mode(db, settings):
    settings.PRODUCTION = True
    for command in ("demo", "up"):
        with pytest.raises(CommandError, match="production"):
            call_command(command)


def test_log_lines_carry_no_resident_id_or_phone():
    formatter = ScrubbingFormatter("%(message)s")
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"GET /members/?q=%s HTTP/1.1" 400',
        ("110101199003071234",),
        None,
    )
    line = formatter.format(record)
    assert "110101199003071234" not in line and "110" in line
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "phone 13812345678 refused", None, None)
    assert "13812345678" not in formatter.format(record)
    # The configured handlers use it, the development server's request lines included.
    handlers = logging.getLogger("django.server").handlers + logging.getLogger().handlers
    assert any(isinstance(h.formatter, ScrubbingFormatter) for h in handlers)
