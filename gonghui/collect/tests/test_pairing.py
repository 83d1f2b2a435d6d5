"""Registering a phone (officer) and pairing it (the phone, with the one-time token from the QR code)."""

import datetime
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.test import Client
from django.utils import timezone

from gonghui.collect.actions import (
    CollectorCannotEnrol,
    DeviceNotPending,
    DeviceUnitKind,
    do_issue_pairing_code,
    do_register_device,
    do_revoke_device,
)
from gonghui.collect.keys import server_key
from gonghui.collect.models import CollectorDevice
from gonghui.collect.tests.phone import PAIR, Phone, b64
from gonghui.core.errors import Forbidden


def register(p, *, user=None, unit_code="BJ-TZ-YS", collector=None):  # type: ignore[no-untyped-def]
    return do_register_device(
        acting_user=user or p.tongzhou_officer,
        collector=collector or p.collector,
        unit=p.unit(unit_code),
        name="永顺镇采集手机",
    )


def pair(token: str, public_key: str) -> Any:
    return Client().post(
        PAIR, json.dumps({"token": token, "public_key": public_key}), content_type="application/json"
    )


def test_it_pairs_a_phone_once_and_gives_it_what_it_needs_offline(personas):
    code = register(personas)
    assert code.device.status == "PENDING_PAIRING" and code.token not in code.device.pairing_token_hash
    phone = Phone()
    response = pair(code.token, phone.public_key_b64)
    assert response.status_code == 200
    config = response.json()
    device = CollectorDevice.objects.get()
    assert device.status == "ACTIVE" and device.paired_at is not None
    assert device.pairing_token_hash is None
    assert "BEGIN PUBLIC KEY" in device.public_key
    assert config["device_id"] == str(device.public_id)
    assert config["unions"] == [
        {"id": personas.unit("BJ-TZ-YS-YR").pk, "name": "北京云锐国际文化传媒有限公司工会"}
    ]
    assert config["server_key"] == {
        "alg": "RSA-OAEP-256+A256GCM",
        "kid": server_key().key_id,
        "spki": server_key().spki_b64,
    }
    assert config["collector_name"] == "永顺镇采集员"
    # The token dies with use: a second phone cannot pair with the same QR code.
    again = pair(code.token, Phone().public_key_b64)
    assert again.status_code == 404 and again.json()["code"] == "pairing_invalid"


def test_it_refuses_an_expired_token(personas):
    code = do_register_device(
        acting_user=personas.tongzhou_officer,
        collector=personas.collector,
        unit=personas.unit("BJ-TZ-YS"),
        name="过期",
        now=timezone.now() - datetime.timedelta(hours=1),
    )
    response = pair(code.token, Phone().public_key_b64)
    assert response.status_code == 404 and response.json()["code"] == "pairing_invalid"
    assert CollectorDevice.objects.get().status == "PENDING_PAIRING"


def _spki(key: object) -> str:
    return b64(
        key.public_key().public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


@pytest.mark.parametrize(
    "make_key",
    [
        lambda: _spki(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        lambda: _spki(ec.generate_private_key(ec.SECP384R1())),
        lambda: b64(b"not a key at all, just some bytes of text"),
        lambda: "%%%% not base64 %%%%" * 3,
    ],
    ids=["rsa", "p384", "garbage", "not-base64"],
)
def test_it_refuses_a_key_that_is_not_ecdsa_p256(personas, make_key):
    code = register(personas)
    response = pair(code.token, make_key())
    assert response.status_code == 400 and response.json()["code"] == "public_key_invalid"
    assert CollectorDevice.objects.get().status == "PENDING_PAIRING"


def test_it_shows_the_pairing_page_without_using_the_token(personas):
    code = register(personas)
    response = Client().get(f"/collect/pair/{code.token}/")
    assert response.status_code == 200
    assert "永顺镇采集手机" in response.content.decode()
    assert CollectorDevice.objects.get().pairing_token_hash is not None
    assert Client().get("/collect/pair/not-a-real-token-0123456789/").status_code == 404


def test_it_issues_a_new_code_and_kills_the_old_one(personas):
    first = register(personas)
    second = do_issue_pairing_code(acting_user=personas.tongzhou_officer, device=first.device)
    assert pair(first.token, Phone().public_key_b64).status_code == 404
    assert pair(second.token, Phone().public_key_b64).status_code == 200
    with pytest.raises(DeviceNotPending):
        do_issue_pairing_code(acting_user=personas.tongzhou_officer, device=first.device)


def test_it_kills_the_code_of_a_phone_revoked_before_pairing(personas):
    code = register(personas)
    do_revoke_device(acting_user=personas.tongzhou_officer, device=code.device)
    assert pair(code.token, Phone().public_key_b64).status_code == 404


def test_it_lets_a_union_chair_register_a_phone_for_their_own_union(personas):
    code = register(personas, user=personas.chair, unit_code="BJ-TZ-YS-YR")
    assert code.device.unit == personas.unit("BJ-TZ-YS-YR")
    with pytest.raises(Forbidden):
        register(personas, user=personas.chair, unit_code="BJ-TZ-YS")


def test_it_refuses_officers_outside_the_area(personas):
    with pytest.raises(Forbidden):
        register(personas, user=personas.haidian_officer)
    with pytest.raises(Forbidden):
        register(personas, user=personas.collector)


def test_it_refuses_a_district_wide_phone(personas):
    with pytest.raises(DeviceUnitKind):
        register(personas, unit_code="BJ-TZ")


def test_it_refuses_a_collector_who_cannot_enrol_there(personas):
    with pytest.raises(CollectorCannotEnrol):
        register(personas, unit_code="BJ-TZ-LY")
    with pytest.raises(CollectorCannotEnrol):
        register(personas, collector=personas.outsider)
