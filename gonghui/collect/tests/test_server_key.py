"""The server key phones encrypt to: from the environment in production, generated once in development."""

import base64
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ImproperlyConfigured

from gonghui.collect.keys import KEY_FILE_NAME, server_key


def _pem(key: object) -> str:
    return key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_it_generates_a_development_key_once_and_keeps_it_private(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.GONGHUI_COLLECT_PRIVATE_KEY = None
    first = server_key()
    path = tmp_path / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.private_key.key_size >= 2048
    settings.VAR_DIR = tmp_path / "elsewhere"
    settings.VAR_DIR = tmp_path
    again = server_key()
    assert again.spki_der == first.spki_der
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_it_never_replaces_an_existing_key_file(settings, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / KEY_FILE_NAME).write_text(_pem(key))
    settings.VAR_DIR = tmp_path
    settings.GONGHUI_COLLECT_PRIVATE_KEY = None
    assert server_key().private_key.private_numbers() == key.private_numbers()


@pytest.mark.parametrize("encode", [lambda pem: pem, lambda pem: base64.b64encode(pem.encode()).decode()])
def test_it_reads_the_key_from_the_setting_as_pem_or_base64(settings, tmp_path, encode):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.VAR_DIR = tmp_path
    settings.GONGHUI_COLLECT_PRIVATE_KEY = encode(_pem(key))
    assert server_key().private_key.private_numbers() == key.private_numbers()
    assert not (tmp_path / KEY_FILE_NAME).exists()


@pytest.mark.parametrize(
    "value",
    [
        "not a key",
        _pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),  # noqa: S505  (refusing it is the point)
        _pem(ec.generate_private_key(ec.SECP256R1())),
    ],
    ids=["garbage", "rsa-1024", "ec"],
)
def test_it_refuses_a_bad_configured_key_by_name(settings, value):
    settings.GONGHUI_COLLECT_PRIVATE_KEY = value
    with pytest.raises(ImproperlyConfigured, match="GONGHUI_COLLECT_PRIVATE_KEY"):
        server_key()


def test_it_refuses_to_make_up_a_key_in_production(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.GONGHUI_COLLECT_PRIVATE_KEY = None
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="GONGHUI_COLLECT_PRIVATE_KEY"):
        server_key()
    assert not (tmp_path / KEY_FILE_NAME).exists()
