"""Opening the envelopes phones seal queued records in.

The phone encrypts each record with a fresh AES-256-GCM key (the record's UUID as associated data, so an
envelope cannot be replayed under another record's id), wraps that key with the server's RSA-OAEP
(SHA-256) public key and forgets it. Only the server's private key opens the envelope: a lost phone's
queue is unreadable to whoever finds it.
"""

import base64
import binascii
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.translation import gettext_lazy as _

from gonghui.collect.keys import server_key
from gonghui.core.errors import InvalidInput

ALGORITHM = "RSA-OAEP-256+A256GCM"
AES_KEY_BYTES = 32
IV_BYTES = 12


class EnvelopeUnreadable(InvalidInput):
    code = "envelope_unreadable"
    default_message = _(
        "The record could not be decrypted: it was damaged on the phone or on the way. Enter it again."
    )


class EnvelopeKeyUnknown(InvalidInput):
    code = "envelope_key_unknown"
    default_message = _(
        "The record was encrypted for a server key that is no longer in use and cannot be read. "
        "Enter it again."
    )


@dataclass(frozen=True)
class Envelope:
    alg: str
    kid: str
    key: str  # base64 of the RSA-OAEP-wrapped AES key
    iv: str  # base64 of the 12-byte GCM nonce
    ciphertext: str  # base64 of ciphertext || 16-byte tag, as WebCrypto returns it


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeUnreadable() from None


def open_envelope(envelope: Envelope, *, record_uuid: uuid.UUID) -> bytes:
    key = server_key()
    if envelope.alg != ALGORITHM:
        raise EnvelopeUnreadable()
    if envelope.kid != key.key_id:
        raise EnvelopeKeyUnknown()
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    try:
        aes_key = key.private_key.decrypt(_b64(envelope.key), oaep)
    except ValueError:
        raise EnvelopeUnreadable() from None
    iv = _b64(envelope.iv)
    if len(aes_key) != AES_KEY_BYTES or len(iv) != IV_BYTES:
        raise EnvelopeUnreadable()
    try:
        return AESGCM(aes_key).decrypt(iv, _b64(envelope.ciphertext), str(record_uuid).encode())
    except InvalidTag:
        raise EnvelopeUnreadable() from None
