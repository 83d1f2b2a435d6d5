"""verify_signed_request on its own: WebCrypto's raw r||s signature over method, path, time and body."""

import datetime
import hashlib
import uuid

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone

from gonghui.collect.access import access_signing_device
from gonghui.collect.actions import do_revoke_device
from gonghui.collect.signing import (
    DeviceRevoked,
    DeviceUnknown,
    RequestExpired,
    SignatureInvalid,
    SignedRequest,
    canonical_string,
    raw_to_der,
    verify_signed_request,
)
from gonghui.collect.tests.phone import UPLOADS, paired_phone

BODY = b'{"a": 1}'


def signed(phone, *, at: datetime.datetime | None = None, **changes) -> SignedRequest:  # type: ignore[no-untyped-def]
    """A request as the phone signed it, then with `changes` made on the way."""
    body = BODY
    stamp = int((at or timezone.now()).timestamp())
    headers = phone.sign("POST", UPLOADS, body, timestamp=stamp)
    request = SignedRequest(
        method="POST",
        path=UPLOADS,
        device_id=headers["HTTP_X_GONGHUI_DEVICE"],
        timestamp=headers["HTTP_X_GONGHUI_TIMESTAMP"],
        signature=headers["HTTP_X_GONGHUI_SIGNATURE"],
        body=body,
    )
    return SignedRequest(**{**request.__dict__, **changes})


def test_it_builds_the_canonical_string_the_phone_signs():
    body = b'{"x": "\xe5\xb7\xa5"}'
    expected = f"POST\n/api/v1/collect/uploads\n1700000000\n{hashlib.sha256(body).hexdigest()}".encode()
    assert canonical_string("post", "/api/v1/collect/uploads", "1700000000", body) == expected


def test_it_verifies_the_phones_signature(personas):
    phone, device = paired_phone(personas)
    assert verify_signed_request(signed(phone), now=timezone.now()) == device


@pytest.mark.parametrize(
    "change",
    [
        {"body": b'{"a": 2}'},
        {"path": "/api/v1/collect/device"},
        {"method": "PUT"},
        {"signature": "AAAA"},
        {"signature": "not base64!"},
        {"signature": ""},
        {"timestamp": "12x"},
    ],
    ids=["body", "path", "method", "short-signature", "bad-base64", "no-signature", "bad-timestamp"],
)
def test_it_refuses_anything_changed_after_signing(personas, change):
    phone, _ = paired_phone(personas)
    with pytest.raises(SignatureInvalid):
        verify_signed_request(signed(phone, **change), now=timezone.now())


def test_it_refuses_a_signature_in_der_form(personas):
    """Only WebCrypto's raw form is the protocol; a DER signature is 70-72 bytes and is refused."""
    phone, _ = paired_phone(personas)
    import base64

    request = signed(phone)
    der = phone.key.sign(
        canonical_string("POST", UPLOADS, request.timestamp, request.body), ec.ECDSA(hashes.SHA256())
    )
    with pytest.raises(SignatureInvalid):
        verify_signed_request(
            SignedRequest(**{**request.__dict__, "signature": base64.b64encode(der).decode()}),
            now=timezone.now(),
        )


def test_it_refuses_stale_and_future_requests(personas):
    phone, _ = paired_phone(personas)
    now = timezone.now()
    assert verify_signed_request(signed(phone, at=now - datetime.timedelta(minutes=4)), now=now)
    with pytest.raises(RequestExpired):
        verify_signed_request(signed(phone, at=now - datetime.timedelta(minutes=6)), now=now)
    with pytest.raises(RequestExpired):
        verify_signed_request(signed(phone, at=now + datetime.timedelta(minutes=6)), now=now)


def test_it_refuses_unknown_devices(personas):
    phone, _ = paired_phone(personas)
    for device_id in (str(uuid.uuid4()), "", "x" * 40, "1"):
        with pytest.raises(DeviceUnknown):
            verify_signed_request(signed(phone, device_id=device_id), now=timezone.now())


def test_it_lets_the_caller_refuse_a_revoked_device(personas):
    phone, device = paired_phone(personas)
    do_revoke_device(acting_user=personas.tongzhou_officer, device=device)
    # Still verifiable (so its attempts can be logged), but never accessible.
    assert verify_signed_request(signed(phone), now=timezone.now()) == device
    with pytest.raises(DeviceRevoked):
        access_signing_device(signed(phone), now=timezone.now())


def test_it_converts_webcrypto_signatures_to_der():
    with pytest.raises(SignatureInvalid):
        raw_to_der(b"\x01" * 63)
    assert raw_to_der(b"\x00" * 31 + b"\x05" + b"\x00" * 31 + b"\x07") == bytes.fromhex("3006020105020107")
