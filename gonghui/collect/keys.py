"""The server's RSA-OAEP key pair that phones encrypt queued records to.

Production supplies the private key in GONGHUI_COLLECT_PRIVATE_KEY (PEM, or base64 of the PEM). In
development and tests, when it is unset, one is generated once and kept in VAR_DIR/collect-server-key.pem
(mode 0600) — never regenerated over an existing file, because records already queued on phones are
encrypted to it and would become unreadable.
"""

import base64
import binascii
import contextlib
import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_FILE_NAME = "collect-server-key.pem"
MIN_KEY_BITS = 2048


@dataclass(frozen=True)
class ServerKey:
    private_key: rsa.RSAPrivateKey
    spki_der: bytes

    @property
    def key_id(self) -> str:
        """A short fingerprint the phone puts in each envelope, so a key change is named, not guessed."""
        return hashlib.sha256(self.spki_der).hexdigest()[:16]

    @property
    def spki_b64(self) -> str:
        return base64.b64encode(self.spki_der).decode()


def _parse_private_key(pem_or_b64: str, source: str) -> rsa.RSAPrivateKey:
    text = pem_or_b64.strip()
    if "-----BEGIN" not in text:
        try:
            text = base64.b64decode(text, validate=True).decode()
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise ImproperlyConfigured(f"{source}: neither a PEM private key nor base64 of one") from None
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(f"{source}: not a readable unencrypted PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_KEY_BITS:
        raise ImproperlyConfigured(f"{source}: must be an RSA key of at least {MIN_KEY_BITS} bits")
    return key


def _generate_key_file(path: Path) -> None:
    """Write a new key without ever replacing one: link() fails if another process got there first."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_KEY_BITS)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _development_key(var_dir: Path) -> rsa.RSAPrivateKey:
    path = var_dir / KEY_FILE_NAME
    if not path.exists():
        _generate_key_file(path)
    return _parse_private_key(path.read_text(), str(path))


@cache
def _load(configured: str | None, var_dir: str, production: bool) -> ServerKey:
    if configured:
        private_key = _parse_private_key(configured, "GONGHUI_COLLECT_PRIVATE_KEY")
    elif production:
        raise ImproperlyConfigured("GONGHUI_COLLECT_PRIVATE_KEY is required in production")
    else:
        private_key = _development_key(Path(var_dir))
    spki = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return ServerKey(private_key=private_key, spki_der=spki)


def server_key() -> ServerKey:
    # Cached per configuration, so tests that override the setting get the key they configured.
    return _load(
        getattr(settings, "GONGHUI_COLLECT_PRIVATE_KEY", None) or None,
        str(settings.VAR_DIR),
        bool(getattr(settings, "PRODUCTION", False)),
    )
