"""Signatures the card flow checks: the bank back office's partner requests and the branch's
fingerprint device's confirmations. Both are HMAC-SHA256 with a secret the branch holds; the formats
are in docs/cards.md so a bank and a device vendor can implement them.

Partner request: X-Partner-Key (key id), X-Partner-Timestamp (Unix seconds), X-Partner-Nonce (16–64
characters [A-Za-z0-9_-]), X-Partner-Signature = hex HMAC-SHA256(secret, canonical) with

    canonical = METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n sha256-hex(BODY)
"""

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

HEADER_KEY = "X-Partner-Key"
HEADER_TIMESTAMP = "X-Partner-Timestamp"
HEADER_NONCE = "X-Partner-Nonce"
HEADER_SIGNATURE = "X-Partner-Signature"
MAX_AGE_SECONDS = 300
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def canonical_request(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()]).encode()


def sign(secret: str, canonical: bytes) -> str:
    return hmac.new(secret.encode(), canonical, hashlib.sha256).hexdigest()


def signed_headers(
    *, key_id: str, secret: str, method: str, url_or_path: str, body: bytes = b"", now: float | None = None
) -> dict[str, str]:
    """The headers a bank client sends (used by bank_sim, the bench and the tests — the same code a real
    bank would write from docs/cards.md)."""
    parts = urlsplit(url_or_path)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_urlsafe(18)
    signature = sign(secret, canonical_request(method, path, timestamp, nonce, body))
    return {HEADER_KEY: key_id, HEADER_TIMESTAMP: timestamp, HEADER_NONCE: nonce, HEADER_SIGNATURE: signature}


@dataclass(frozen=True)
class FingerprintConfirmation:
    """What the branch's fingerprint device returns once the authorising operator's finger matched: it
    names the device, the application, the operator's login and the moment, signed with the device key."""

    device_id: str
    application_id: int
    operator: str
    confirmed_at: int
    signature: str

    def message(self) -> bytes:
        return f"{self.device_id}\n{self.application_id}\n{self.operator}\n{self.confirmed_at}".encode()


def sign_fingerprint(
    *, secret: str, device_id: str, application_id: int, operator: str, confirmed_at: int
) -> FingerprintConfirmation:
    unsigned = FingerprintConfirmation(device_id, application_id, operator, confirmed_at, "")
    signature = hmac.new(secret.encode(), unsigned.message(), hashlib.sha256).hexdigest()
    return FingerprintConfirmation(device_id, application_id, operator, confirmed_at, signature)


def fingerprint_valid(confirmation: FingerprintConfirmation, *, secret: str) -> bool:
    expected = hmac.new(secret.encode(), confirmation.message(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, confirmation.signature.lower())
