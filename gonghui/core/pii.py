"""PII vault: AES-256-GCM encryption with a rotatable key ring, HMAC-SHA256 blind indexes, masking.

Ciphertext format stored in the column: "<key id>$<base64(nonce || ciphertext+tag)>". The column name is
the associated data, so a value copied into another column fails to decrypt instead of leaking.
Keys come from GONGHUI_PII_KEYS ("kid:base64key,kid2:base64key2"; the first encrypts, all decrypt) and
GONGHUI_BLIND_INDEX_KEY; both are separate from SECRET_KEY so they can be rotated and held apart.
"""

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12


class DecryptionError(ValueError):
    """The stored value could not be decrypted: unknown key id, wrong column, or tampered bytes."""


@dataclass(frozen=True)
class KeyRing:
    primary_id: str
    keys: dict[str, bytes]

    def cipher(self, key_id: str) -> AESGCM:
        try:
            return _cipher_for(self.keys[key_id])
        except KeyError:
            raise DecryptionError(f"unknown PII key id {key_id!r}") from None


@cache
def _cipher_for(key: bytes) -> AESGCM:
    # The AES key schedule once per key, not once per value: a roster import seals two values per row.
    return AESGCM(key)


def _decode_key(name: str, raw: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name}: key is not valid base64") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name}: key must be 32 bytes (AES-256), got {len(key)}")
    return key


def parse_key_ring(spec: str) -> KeyRing:
    keys: dict[str, bytes] = {}
    primary = ""
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        key_id, sep, raw = part.partition(":")
        if not sep or not key_id or "$" in key_id:
            raise ImproperlyConfigured("GONGHUI_PII_KEYS entries must look like 'kid:base64key'")
        if key_id in keys:
            raise ImproperlyConfigured(f"GONGHUI_PII_KEYS has key id {key_id!r} twice")
        keys[key_id] = _decode_key("GONGHUI_PII_KEYS", raw)
        primary = primary or key_id
    if not keys:
        raise ImproperlyConfigured("GONGHUI_PII_KEYS is empty")
    return KeyRing(primary_id=primary, keys=keys)


@cache
def _key_ring_for(spec: str) -> KeyRing:
    return parse_key_ring(spec)


def key_ring() -> KeyRing:
    # Cached per spec so that tests overriding the setting get the new ring.
    return _key_ring_for(settings.GONGHUI_PII_KEYS)


@cache
def _blind_hmac_for(raw: str) -> "hmac.HMAC":
    # Keyed once; each value copies it (a third of the cost of keying HMAC again, per value).
    return hmac.new(_decode_key("GONGHUI_BLIND_INDEX_KEY", raw), digestmod=hashlib.sha256)


def encrypt(plaintext: str, *, aad: str) -> str:
    return encrypt_many([plaintext], aad=aad)[0]


def encrypt_many(plaintexts: list[str], *, aad: str) -> list[str]:
    """encrypt() for many values of one column: one read of the random source for all their nonces
    (each still 96 fresh random bits) and one cipher object — the bulk import's path."""
    ring = key_ring()
    seal = ring.cipher(ring.primary_id).encrypt
    associated = aad.encode()
    prefix = f"{ring.primary_id}$"
    nonces = os.urandom(NONCE_BYTES * len(plaintexts))
    b64 = base64.b64encode
    return [
        prefix
        + b64(
            (nonce := nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES])
            + seal(nonce, text.encode(), associated)
        ).decode()
        for i, text in enumerate(plaintexts)
    ]


def decrypt(token: str, *, aad: str) -> str:
    key_id, sep, body = token.partition("$")
    if not sep:
        raise DecryptionError("value is not in the vault format")
    try:
        raw = base64.b64decode(body, validate=True)
        return key_ring().cipher(key_id).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError(f"cannot decrypt value under key {key_id!r}") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """Deterministic keyed hash for exact lookups; `purpose` keeps indexes of different kinds apart."""
    h = _blind_hmac_for(settings.GONGHUI_BLIND_INDEX_KEY).copy()
    h.update(f"{purpose}\x00{value}".encode())
    return h.hexdigest()


def secret_digest(secret: str) -> str:
    """SHA-256 of a random secret (API token, pairing token, join ticket) for storage: such secrets are
    unguessable, so a plain hash suffices; only the digest is kept."""
    return hashlib.sha256(secret.encode()).hexdigest()


def mask_resident_id(value: str | None) -> str:
    """110112199001011236 -> 110112********1236 (area code and last four stay readable)."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
