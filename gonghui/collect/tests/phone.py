"""A collector phone in Python: the same keys, envelope and signature as collect.js produces with
WebCrypto, built with `cryptography`, so the server can be tested without a browser."""

import base64
import datetime
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.test import Client
from stdnum.cn import ric

from gonghui.collect.actions import do_pair_device, do_register_device
from gonghui.collect.envelope import ALGORITHM
from gonghui.collect.keys import server_key
from gonghui.collect.models import CollectorDevice

UPLOADS = "/api/v1/collect/uploads"
BATCH = "/api/v1/collect/uploads/batch"
DEVICE = "/api/v1/collect/device"
PAIR = "/api/v1/collect/pair"


def resident_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def worker_id(n: int) -> str:
    """A valid resident ID of a 通州 (110112) worker born in 1999 or later, so no area-code warning."""
    return resident_id(f"110112{1999 + n % 7}0{1 + n % 9}1{n % 10}{n % 1000:03d}")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def record_for(union_id: int, *, n: int = 1, **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "record_uuid": str(uuid.uuid4()),
        "union_id": union_id,
        "name": f"工人{n}号",
        "resident_id": worker_id(n),
        "phone": "",
        "ethnicity": "汉族",
        "education": "SENIOR_HIGH",
        "political_status": "MASSES",
        "hukou_type": "AGRICULTURAL",
        "is_migrant_worker": True,
        "employer_name": "北京云锐国际文化传媒有限公司",
        "employment_status": "EMPLOYED",
        "consent": True,
        "collected_at": datetime.datetime.now(datetime.UTC).isoformat(),
    }
    record.update(overrides)
    return record


def response_for(
    meeting_id: int, version_id: int, answers: dict[Any, Any], **overrides: Any
) -> dict[str, Any]:
    """A questionnaire filled in on the phone: the sealed record of kind "response"."""
    record: dict[str, Any] = {
        "kind": "response",
        "record_uuid": str(uuid.uuid4()),
        "meeting_id": meeting_id,
        "version_id": version_id,
        "answers": {str(question_id): value for question_id, value in answers.items()},
        "collected_at": datetime.datetime.now(datetime.UTC).isoformat(),
    }
    record.update(overrides)
    return record


@dataclass
class Phone:
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    device_id: str = ""
    client: Client = field(default_factory=Client)

    @property
    def public_key_b64(self) -> str:
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return b64(der)

    def pair_with(self, device: CollectorDevice) -> None:
        self.device_id = str(device.public_id)

    # -- what WebCrypto does on the phone ---------------------------------------------------------------
    def seal(
        self, record: dict[str, Any], *, kid: str | None = None, aad: str | None = None
    ) -> dict[str, str]:
        key = server_key()
        rsa_public = serialization.load_der_public_key(base64.b64decode(key.spki_b64))
        aes_key = AESGCM.generate_key(bit_length=256)
        iv = os.urandom(12)
        plaintext = json.dumps(record, ensure_ascii=False).encode()
        ciphertext = AESGCM(aes_key).encrypt(iv, plaintext, (aad or record["record_uuid"]).encode())
        oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
        wrapped = rsa_public.encrypt(aes_key, oaep)  # type: ignore[union-attr]
        return {
            "alg": ALGORITHM,
            "kid": kid or key.key_id,
            "key": b64(wrapped),
            "iv": b64(iv),
            "ciphertext": b64(ciphertext),
        }

    def upload_body(
        self, record: dict[str, Any], *, envelope: dict[str, str] | None = None, **outer: Any
    ) -> bytes:
        payload = {
            "device_id": self.device_id,
            "record_uuid": record["record_uuid"],
            "created_at": record["collected_at"],
            "nonce": b64(os.urandom(16)),
            "envelope": envelope or self.seal(record),
        }
        payload.update(outer)
        return json.dumps(payload, ensure_ascii=False).encode()

    def batch_body(self, records: list[dict[str, Any]]) -> bytes:
        uploads = [
            {"record_uuid": r["record_uuid"], "created_at": r["collected_at"], "envelope": self.seal(r)}
            for r in records
        ]
        payload = {"device_id": self.device_id, "nonce": b64(os.urandom(16)), "uploads": uploads}
        return json.dumps(payload, ensure_ascii=False).encode()

    def sign(self, method: str, path: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        canonical = f"{method}\n{path}\n{stamp}\n{hashlib.sha256(body).hexdigest()}".encode()
        r, s = decode_dss_signature(self.key.sign(canonical, ec.ECDSA(hashes.SHA256())))
        raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")  # WebCrypto's r||s form
        return {
            "HTTP_X_GONGHUI_DEVICE": self.device_id,
            "HTTP_X_GONGHUI_TIMESTAMP": stamp,
            "HTTP_X_GONGHUI_SIGNATURE": b64(raw),
        }

    # -- over HTTP --------------------------------------------------------------------------------------
    def post(
        self, body: bytes, headers: dict[str, str] | None = None, *, timestamp: int | None = None
    ) -> Any:
        signed = headers if headers is not None else self.sign("POST", UPLOADS, body, timestamp=timestamp)
        return self.client.post(UPLOADS, body, content_type="application/json", **signed)  # type: ignore[arg-type]

    def send(self, record: dict[str, Any]) -> Any:
        return self.post(self.upload_body(record))

    def send_batch(self, records: list[dict[str, Any]], *, body: bytes | None = None) -> Any:
        body = body if body is not None else self.batch_body(records)
        signed = self.sign("POST", BATCH, body)
        return self.client.post(BATCH, body, content_type="application/json", **signed)  # type: ignore[arg-type]

    def fetch_config(self, *, timestamp: int | None = None) -> Any:
        return self.client.get(DEVICE, **self.sign("GET", DEVICE, b"", timestamp=timestamp))  # type: ignore[arg-type]


def paired_phone(p: Any, *, unit_code: str = "BJ-TZ-YS") -> tuple[Phone, CollectorDevice]:
    """A phone registered by the 通州 district officer for the 永顺镇 collector, and paired."""
    code = do_register_device(
        acting_user=p.tongzhou_officer, collector=p.collector, unit=p.unit(unit_code), name="永顺一号机"
    )
    phone = Phone()
    device = do_pair_device(token=code.token, public_key=phone.public_key_b64)
    phone.pair_with(device)
    return phone, device
