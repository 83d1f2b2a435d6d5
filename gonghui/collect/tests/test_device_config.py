"""GET /api/v1/collect/device: a signed read that refreshes the phone's unions and tells it of revocation."""

import time

from gonghui.collect.actions import do_revoke_device
from gonghui.collect.signing import HEADER_SERVER_TIME
from gonghui.collect.tests.phone import DEVICE, Phone, paired_phone
from gonghui.orgs.actions import do_create_org_unit


def test_it_gives_a_paired_phone_its_current_unions(personas):
    phone, device = paired_phone(personas)
    joint = do_create_org_unit(
        acting_user=personas.tongzhou_officer,
        parent=personas.unit("BJ-TZ-YS"),
        code="YS-J",
        name="永顺镇商务园联合工会",
        kind="JOINT",
    )
    response = phone.fetch_config()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ACTIVE" and body["device_id"] == str(device.public_id)
    assert {u["name"] for u in body["unions"]} == {"北京云锐国际文化传媒有限公司工会", joint.name}
    assert abs(body["server_time"] - time.time()) < 5 and HEADER_SERVER_TIME in response


def test_it_tells_a_revoked_phone(personas):
    phone, device = paired_phone(personas)
    do_revoke_device(acting_user=personas.tongzhou_officer, device=device)
    response = phone.fetch_config()
    assert response.status_code == 403 and response.json()["code"] == "device_revoked"


def test_it_refuses_unsigned_expired_and_forged_reads(personas):
    phone, _ = paired_phone(personas)
    assert phone.client.get(DEVICE).json()["code"] == "device_unknown"
    assert phone.fetch_config(timestamp=int(time.time()) - 3600).json()["code"] == "request_expired"
    thief = Phone(device_id=phone.device_id)
    response = thief.fetch_config()
    assert response.status_code == 401 and response.json()["code"] == "signature_invalid"
