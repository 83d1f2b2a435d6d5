"""The officer's pages: list the area's phones, register one (QR code), see its uploads, revoke it."""

import re

from gonghui.collect.actions import do_register_device
from gonghui.collect.models import CollectorDevice
from gonghui.collect.tests.phone import paired_phone, record_for
from gonghui.core.models import AuditEvent


def test_it_registers_a_phone_and_shows_the_qr_code_once(personas):
    client = personas.client(personas.tongzhou_officer)
    page = client.get("/collect/devices/new/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "永顺镇采集员" in content and "海淀" not in content
    response = client.post(
        "/collect/devices/new/",
        {"collector": personas.collector.pk, "unit": personas.unit("BJ-TZ-YS").pk, "name": "一号机"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    url = re.search(r'class="pairing-url"[^>]*>([^<]+)</code>', html)
    assert url is not None and url.group(1).startswith("http://testserver/collect/pair/")
    device = CollectorDevice.objects.get()
    assert device.name == "一号机" and device.registered_by == personas.tongzhou_officer
    # Only the hash is kept, so the device's page cannot show the code again.
    token = url.group(1).rstrip("/").rsplit("/", 1)[1]
    assert token not in client.get(f"/collect/devices/{device.pk}/").content.decode()


def test_it_shows_form_errors_in_place(personas):
    client = personas.client(personas.tongzhou_officer)
    response = client.post(
        "/collect/devices/new/",
        {"collector": personas.collector.pk, "unit": personas.unit("BJ-TZ-LY").pk, "name": "潞源机"},
    )
    assert response.status_code == 200
    assert not CollectorDevice.objects.exists()
    assert 'class="error"' in response.content.decode()


def test_it_lists_only_the_phones_in_the_officers_area(personas):
    _, device = paired_phone(personas)
    assert device.name in personas.client(personas.tongzhou_officer).get("/collect/devices/").content.decode()
    assert (
        device.name not in personas.client(personas.haidian_officer).get("/collect/devices/").content.decode()
    )


def test_it_hides_another_districts_phone(personas):
    _, device = paired_phone(personas)
    client = personas.client(personas.haidian_officer)
    assert client.get(f"/collect/devices/{device.pk}/").status_code == 404
    assert client.post(f"/collect/devices/{device.pk}/revoke/").status_code == 404
    assert client.post(f"/collect/devices/{device.pk}/pairing-code/").status_code == 404
    device.refresh_from_db()
    assert device.status == "ACTIVE"


def test_it_keeps_the_pages_from_collectors_and_anonymous_users(personas):
    _, device = paired_phone(personas)
    assert personas.client(personas.collector).get(f"/collect/devices/{device.pk}/").status_code == 404
    response = personas.client(personas.collector).get("/collect/devices/")
    assert device.name not in response.content.decode()
    from django.test import Client

    assert Client().get("/collect/devices/").status_code == 302


def test_it_revokes_a_phone_and_shows_its_refused_uploads(personas):
    phone, device = paired_phone(personas)
    union = personas.unit("BJ-TZ-YS-YR")
    phone.send(record_for(union.pk))
    client = personas.client(personas.luyuan_officer)
    assert client.get(f"/collect/devices/{device.pk}/").status_code == 404  # another street's officer
    client = personas.client(personas.tongzhou_officer)
    response = client.post(f"/collect/devices/{device.pk}/revoke/")
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.status == "REVOKED" and device.revoked_by == personas.tongzhou_officer
    assert (
        AuditEvent.objects.filter(event_type="collector_device_revoked", object_id=str(device.pk)).count()
        == 1
    )
    refused = record_for(union.pk, n=2)
    assert phone.send(refused).status_code == 403
    page = client.get(f"/collect/devices/{device.pk}/").content.decode()
    assert "device_revoked" in page and refused["record_uuid"][:8] in page
    listing = client.get("/collect/devices/").content.decode()
    assert 'class="badge warn">1<' in listing


def test_it_shows_a_new_qr_code_for_a_phone_that_has_not_paired(personas):
    code = do_register_device(
        acting_user=personas.tongzhou_officer,
        collector=personas.collector,
        unit=personas.unit("BJ-TZ-YS"),
        name="未扫码",
    )
    client = personas.client(personas.tongzhou_officer)
    response = client.post(f"/collect/devices/{code.device.pk}/pairing-code/")
    assert response.status_code == 200 and "<svg" in response.content.decode()
    assert code.token not in response.content.decode()
