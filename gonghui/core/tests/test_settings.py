"""Production mode refuses development secrets and DEBUG, and says which setting is wrong."""

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GOOD_KEY = base64.b64encode(b"p" * 32).decode()


def load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GONGHUI_", "DEBUG", "SECRET_KEY"))}
    clean.pop("PYTEST_CURRENT_TEST", None)
    return subprocess.run(
        [sys.executable, "-c", "import gonghui.settings"],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_production_with_development_keys():
    result = load_settings(GONGHUI_ENV="production", ALLOWED_HOSTS="union.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "GONGHUI_PII_KEYS" in result.stderr
    assert "GONGHUI_BLIND_INDEX_KEY" in result.stderr
    assert "GONGHUI_SMS_BACKEND" in result.stderr


def test_it_refuses_production_with_debug_on():
    result = load_settings(
        GONGHUI_ENV="production",
        DEBUG="1",
        SECRET_KEY="s" * 50,
        GONGHUI_PII_KEYS=f"k1:{GOOD_KEY}",
        GONGHUI_BLIND_INDEX_KEY=GOOD_KEY,
        ALLOWED_HOSTS="union.example",
    )
    assert result.returncode != 0
    assert "DEBUG is on" in result.stderr


def test_it_starts_in_production_with_real_settings():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    server_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    result = load_settings(
        GONGHUI_ENV="production",
        GONGHUI_COLLECT_PRIVATE_KEY=server_key.decode(),
        GONGHUI_SMS_BACKEND="gonghui.core.sms.OutboxGateway",
        SECRET_KEY="s" * 50,
        GONGHUI_PII_KEYS=f"k1:{GOOD_KEY}",
        GONGHUI_BLIND_INDEX_KEY=GOOD_KEY,
        ALLOWED_HOSTS="union.example",
    )
    assert result.returncode == 0, result.stderr


def test_it_refuses_a_malformed_boolean():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_it_refuses_switching_off_2fa_without_debug():
    result = load_settings(DEBUG="0", GONGHUI_2FA_REQUIRED="0")
    assert result.returncode != 0
    assert "GONGHUI_2FA_REQUIRED" in result.stderr


def test_it_refuses_the_simulated_card_devices_in_production():
    result = load_settings(GONGHUI_ENV="production", GONGHUI_CARD_DEVICE_SIMULATOR="1")
    assert result.returncode != 0
    assert "GONGHUI_CARD_DEVICE_SIMULATOR" in result.stderr
