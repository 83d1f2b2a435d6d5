"""Device request signatures: the phone signs, with its non-extractable ECDSA P-256 key, the string

    METHOD \\n PATH \\n TIMESTAMP \\n sha256-hex(BODY)

and sends it in X-Gonghui-Signature as base64 of the raw 64-byte r||s that WebCrypto produces. The
timestamp is the moment of sending (Unix seconds), not of collection: a record queued offline for hours
is signed afresh when it finally goes. See docs/collect-protocol.md.
"""

import base64
import binascii
import datetime
import hashlib
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gonghui.collect.models import CollectorDevice
from gonghui.core.errors import DomainError, Forbidden

HEADER_DEVICE = "X-Gonghui-Device"
HEADER_TIMESTAMP = "X-Gonghui-Timestamp"
HEADER_SIGNATURE = "X-Gonghui-Signature"
# Sent back on every device response so a phone with a wrong clock can correct itself and retry.
HEADER_SERVER_TIME = "X-Gonghui-Server-Time"
MAX_CLOCK_SKEW = datetime.timedelta(minutes=5)
P256_COORDINATE_BYTES = 32


class DeviceUnknown(DomainError):
    code = "device_unknown"
    default_message = _(
        "This phone is not registered with the union. Ask an officer to show a registration QR code."
    )
    status = 401


class SignatureInvalid(DomainError):
    code = "signature_invalid"
    default_message = _(
        "The upload's signature does not match this phone's key: it was altered on the way or not sent "
        "by this phone."
    )
    status = 401


class RequestExpired(DomainError):
    code = "request_expired"
    default_message = _(
        "The upload's time stamp is more than 5 minutes away from the server's clock. Check the date and "
        "time on the phone, then send again."
    )
    status = 401


class DeviceRevoked(Forbidden):
    code = "device_revoked"
    default_message = _(
        "This phone has been revoked by the union and its records are no longer accepted. Ask an officer "
        "to register the phone again."
    )


class CollectorInactive(Forbidden):
    code = "collector_inactive"
    default_message = _("The collector this phone belongs to can no longer sign in; its records are refused.")


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str
    device_id: str
    timestamp: str
    signature: str
    body: bytes

    @classmethod
    def from_http(cls, request: HttpRequest) -> "SignedRequest":
        return cls(
            method=request.method or "",
            path=request.path,
            device_id=request.headers.get(HEADER_DEVICE, ""),
            timestamp=request.headers.get(HEADER_TIMESTAMP, ""),
            signature=request.headers.get(HEADER_SIGNATURE, ""),
            body=request.body,
        )


def canonical_string(method: str, path: str, timestamp: str, body: bytes) -> bytes:
    return f"{method.upper()}\n{path}\n{timestamp}\n{hashlib.sha256(body).hexdigest()}".encode()


def raw_to_der(raw: bytes) -> bytes:
    """WebCrypto's ECDSA signature is r||s (32 bytes each); `cryptography` verifies DER."""
    if len(raw) != 2 * P256_COORDINATE_BYTES:
        raise SignatureInvalid()
    r = int.from_bytes(raw[:P256_COORDINATE_BYTES], "big")
    s = int.from_bytes(raw[P256_COORDINATE_BYTES:], "big")
    return encode_dss_signature(r, s)


def load_device_public_key(pem: str) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("device keys are ECDSA P-256")
    return key


def _find_device(device_id: str) -> CollectorDevice:
    try:
        public_id = uuid.UUID(device_id)
    except ValueError:
        raise DeviceUnknown() from None
    device = CollectorDevice.objects.select_related("user", "unit").filter(public_id=public_id).first()
    # A device still waiting for its phone has no key, so nothing can be signed in its name yet.
    if device is None or not device.public_key:
        raise DeviceUnknown()
    return device


def _check_signature(device: CollectorDevice, signed: SignedRequest) -> None:
    try:
        raw = base64.b64decode(signed.signature, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid() from None
    message = canonical_string(signed.method, signed.path, signed.timestamp, signed.body)
    try:
        load_device_public_key(device.public_key).verify(raw_to_der(raw), message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise SignatureInvalid() from None


def _check_timestamp(timestamp: str, now: datetime.datetime) -> None:
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureInvalid()
    # Compared as seconds: a far-future value (year 33658) must be "expired", not an overflow.
    if abs(now.timestamp() - int(timestamp)) > MAX_CLOCK_SKEW.total_seconds():
        raise RequestExpired()


def verify_signed_request(signed: SignedRequest, *, now: datetime.datetime) -> CollectorDevice:
    """The device whose key signed this request, whatever its status (revocation is the caller's to
    refuse, so that a revoked phone's attempts can be logged for the officer). Raises DeviceUnknown,
    SignatureInvalid or RequestExpired. The signature is checked before the clock, so only the key's
    holder learns that its clock is off."""
    device = _find_device(signed.device_id)
    _check_signature(device, signed)
    _check_timestamp(signed.timestamp, now)
    return device
