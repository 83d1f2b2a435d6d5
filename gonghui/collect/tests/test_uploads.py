"""POST /api/v1/collect/uploads: signed, encrypted, idempotent on the record's UUID; replayed, tampered,
forged, expired, revoked and hostile uploads are refused with a 4xx and a stable code."""

import base64
import time
import uuid

import pytest

from gonghui.collect.actions import do_register_device, do_revoke_device
from gonghui.collect.models import DeviceUpload
from gonghui.collect.signing import HEADER_SERVER_TIME
from gonghui.collect.tests.phone import UPLOADS, Phone, paired_phone, record_for
from gonghui.members.models import Consent, Membership, Person


@pytest.fixture
def setup(personas):  # type: ignore[no-untyped-def]
    phone, device = paired_phone(personas)
    return personas, phone, device, personas.unit("BJ-TZ-YS-YR")


def test_it_enrols_a_worker_from_a_signed_encrypted_upload(setup):
    p, phone, _, union = setup
    record = record_for(union.pk, phone="13812345678")
    response = phone.send(record)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted" and body["code"] == "created"
    membership = Membership.objects.select_related("person").get()
    assert body["membership_id"] == membership.pk
    assert str(membership.client_uuid) == record["record_uuid"]
    assert membership.union == union and membership.status == "PENDING"
    assert membership.channel == "STAFF_MOBILE" and membership.collected_by == p.collector
    assert membership.person.name == "工人1号" and membership.person.phone == "13812345678"
    assert membership.person.is_migrant_worker and membership.person.hukou_type == "AGRICULTURAL"
    assert Consent.objects.get().channel == "STAFF_MOBILE"
    upload = DeviceUpload.objects.get()
    assert (upload.outcome, upload.code, upload.membership) == ("ACCEPTED", "created", membership)
    assert int(response[HEADER_SERVER_TIME]) == pytest.approx(time.time(), abs=5)


def test_it_stores_a_record_sent_twice_once(setup):
    """Sent, answer lost, sent again (freshly signed): one membership, and the same answer."""
    _, phone, _, union = setup
    record = record_for(union.pk)
    first = phone.send(record).json()
    again = phone.send(record).json()
    assert again["status"] == "accepted" and again["code"] == "replayed"
    assert again["membership_id"] == first["membership_id"]
    assert Membership.objects.count() == 1 and Person.objects.count() == 1
    assert list(DeviceUpload.objects.order_by("pk").values_list("code", flat=True)) == ["created", "replayed"]


def test_it_gives_a_replayed_request_the_stored_outcome_and_stores_nothing_new(setup):
    _, phone, _, union = setup
    body = phone.upload_body(record_for(union.pk))
    headers = phone.sign("POST", UPLOADS, body)
    first = phone.post(body, headers)
    replay = phone.post(body, headers)
    assert replay.status_code == 200
    assert replay.json()["code"] == "replayed"
    assert replay.json()["membership_id"] == first.json()["membership_id"]
    assert Membership.objects.count() == 1


def test_it_refuses_a_replay_after_five_minutes(setup):
    _, phone, _, union = setup
    body = phone.upload_body(record_for(union.pk))
    response = phone.post(body, timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    assert response.json()["code"] == "request_expired"
    # The refusal carries the server clock, so a phone with a wrong clock can correct itself.
    assert HEADER_SERVER_TIME in response
    assert not Membership.objects.exists()


def test_it_refuses_a_time_stamp_from_the_future(setup):
    _, phone, _, union = setup
    response = phone.post(phone.upload_body(record_for(union.pk)), timestamp=int(time.time()) + 10 * 60)
    assert response.status_code == 401 and response.json()["code"] == "request_expired"


def test_it_accepts_a_record_collected_hours_before_it_is_sent(setup):
    _, phone, _, union = setup
    record = record_for(union.pk, collected_at="2026-01-05T08:00:00+08:00")
    response = phone.send(record)
    assert response.json()["status"] == "accepted"


def test_it_refuses_a_tampered_body(setup):
    _, phone, _, union = setup
    body = phone.upload_body(record_for(union.pk))
    headers = phone.sign("POST", UPLOADS, body)
    tampered = body.replace(b'"nonce": "', b'"nonce": "AAAA')
    response = phone.post(tampered, headers)
    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"
    assert not Membership.objects.exists() and not DeviceUpload.objects.exists()


def test_it_refuses_a_swapped_envelope(setup):
    """Someone re-sending another record's body under a fresh timestamp still needs the phone's key."""
    _, phone, _, union = setup
    body = phone.upload_body(record_for(union.pk))
    headers = phone.sign("POST", UPLOADS, body)
    headers["HTTP_X_GONGHUI_TIMESTAMP"] = str(int(time.time()) + 1)
    assert phone.post(body, headers).json()["code"] == "signature_invalid"


def test_it_refuses_a_signature_by_another_key(setup):
    _, phone, _, union = setup
    thief = Phone(device_id=phone.device_id)  # knows the device id, not the key
    response = thief.send(record_for(union.pk))
    assert response.status_code == 401 and response.json()["code"] == "signature_invalid"
    assert not Membership.objects.exists()


@pytest.mark.parametrize("device_id", ["5f0c6a53-0000-4000-8000-000000000000", "1", "not-a-uuid", ""])
def test_it_refuses_a_forged_device_id(setup, device_id):
    _, _, _, union = setup
    forger = Phone(device_id=device_id)
    body = forger.upload_body(record_for(union.pk), device_id=str(uuid.uuid4()))
    response = forger.post(body)
    assert response.status_code == 401
    assert response.json()["code"] == "device_unknown"
    assert not Membership.objects.exists()


def test_it_refuses_a_device_that_has_not_paired_yet(setup):
    p, _, _, union = setup
    pending = do_register_device(
        acting_user=p.tongzhou_officer, collector=p.collector, unit=p.unit("BJ-TZ-YS"), name="未扫码"
    ).device
    forger = Phone(device_id=str(pending.public_id))
    response = forger.send(record_for(union.pk))
    assert response.status_code == 401 and response.json()["code"] == "device_unknown"


def test_it_refuses_a_body_naming_another_device(setup):
    p, phone, _, union = setup
    other, _ = paired_phone(p)
    body = phone.upload_body(record_for(union.pk), device_id=other.device_id)
    response = phone.post(body)
    assert response.status_code == 401 and response.json()["code"] == "signature_invalid"


def test_it_refuses_and_logs_a_revoked_devices_upload(setup):
    p, phone, device, union = setup
    do_revoke_device(acting_user=p.tongzhou_officer, device=device)
    record = record_for(union.pk)
    response = phone.send(record)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "device_revoked"
    assert "revoked" in body["message"] or "注销" in body["message"]
    assert not Membership.objects.exists()
    upload = DeviceUpload.objects.get()
    assert (upload.outcome, upload.code, str(upload.client_uuid)) == (
        "REFUSED",
        "device_revoked",
        record["record_uuid"],
    )


def test_it_refuses_a_revoked_device_even_for_a_record_it_sent_before(setup):
    p, phone, device, union = setup
    record = record_for(union.pk)
    phone.send(record)
    do_revoke_device(acting_user=p.tongzhou_officer, device=device)
    assert phone.send(record).status_code == 403


def test_it_refuses_an_inactive_collector(setup):
    p, phone, _, union = setup
    p.collector.is_active = False
    p.collector.save()
    response = phone.send(record_for(union.pk))
    assert response.status_code == 403 and response.json()["code"] == "collector_inactive"
    assert DeviceUpload.objects.get().outcome == "REFUSED"


def test_it_refuses_a_nul_byte(setup):
    _, phone, _, union = setup
    body = phone.upload_body(record_for(union.pk)).replace(b'"nonce": "', b'"nonce": "\x00')
    response = phone.post(body)
    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"


def test_it_rejects_a_nul_character_inside_the_encrypted_record(setup):
    _, phone, _, union = setup
    response = phone.send(record_for(union.pk, employer_name="云锐\u0000公司"))
    assert response.status_code == 200
    assert response.json()["status"] == "rejected" and response.json()["code"] == "nul_character"
    assert not Membership.objects.exists()


def test_it_refuses_a_10_megabyte_body(setup):
    _, phone, _, union = setup
    body = phone.upload_body(record_for(union.pk), padding="x" * (10 * 1024 * 1024))
    response = phone.post(body)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert not Membership.objects.exists()


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"device_id": 1}', b""])
def test_it_answers_malformed_bodies_with_a_4xx(setup, body):
    _, phone, _, _ = setup
    response = phone.post(body)
    assert 400 <= response.status_code < 500
    assert "code" in response.json()


def test_it_shows_a_bad_resident_id_as_a_rejected_record(setup):
    _, phone, _, union = setup
    record = record_for(union.pk)
    record["resident_id"] = record["resident_id"][:17] + ("1" if record["resident_id"][17] != "1" else "2")
    response = phone.send(record)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "rejected" and body["code"] == "resident_id_checksum"
    assert body["message"] and body["membership_id"] is None
    upload = DeviceUpload.objects.get()
    assert (upload.outcome, upload.code) == ("REJECTED", "resident_id_checksum")
    assert upload.message == body["message"]


def test_it_rejects_a_record_without_consent(setup):
    _, phone, _, union = setup
    response = phone.send(record_for(union.pk, consent=False))
    assert response.json()["code"] == "consent_required"
    assert not Person.objects.exists()


def test_it_rejects_a_union_outside_the_phones_area(setup):
    p, phone, _, _ = setup
    response = phone.send(record_for(p.unit("BJ-TZ-LY").pk))
    assert response.json()["code"] == "union_not_allowed"


def test_it_rejects_an_envelope_for_another_server_key(setup):
    _, phone, _, union = setup
    record = record_for(union.pk)
    response = phone.post(phone.upload_body(record, envelope=phone.seal(record, kid="0123456789abcdef")))
    assert response.json()["code"] == "envelope_key_unknown"


def test_it_rejects_a_damaged_envelope(setup):
    _, phone, _, union = setup
    record = record_for(union.pk)
    envelope = phone.seal(record)
    raw = bytearray(base64.b64decode(envelope["ciphertext"]))
    raw[3] ^= 0x01
    envelope["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    response = phone.post(phone.upload_body(record, envelope=envelope))
    assert response.json()["code"] == "envelope_unreadable"


def test_it_rejects_an_envelope_moved_to_another_record_uuid(setup):
    """The record UUID is the AES-GCM associated data: an envelope cannot be replayed under a new id."""
    _, phone, _, union = setup
    record = record_for(union.pk)
    body = phone.upload_body(record, record_uuid=str(uuid.uuid4()))
    response = phone.post(body)
    assert response.json()["code"] == "envelope_unreadable"
    assert not Membership.objects.exists()


def test_it_rejects_a_record_whose_inner_id_differs(setup):
    _, phone, _, union = setup
    record = record_for(union.pk)
    outer = dict(record, record_uuid=str(uuid.uuid4()))
    # Sealed for the outer id (so it opens), but the plaintext claims to be another record.
    envelope = phone.seal(record, aad=outer["record_uuid"])
    response = phone.post(phone.upload_body(outer, envelope=envelope))
    assert response.json()["code"] == "record_invalid"
    assert not Membership.objects.exists()


def test_it_rejects_unknown_fields_inside_the_record(setup):
    _, phone, _, union = setup
    response = phone.send(record_for(union.pk, is_admin=True))
    assert response.json()["code"] == "record_invalid"


def test_it_needs_no_session_and_ignores_one(setup):
    """The signature is the authentication: a signed-in officer's session adds nothing to a bad upload."""
    p, phone, _, union = setup
    phone.client = p.client(p.city_admin)
    body = phone.upload_body(record_for(union.pk))
    response = phone.post(body, {"HTTP_X_GONGHUI_DEVICE": phone.device_id})
    assert response.status_code == 401 and response.json()["code"] == "signature_invalid"
