"""POST /api/v1/idcard/read from the console session and from a signed collector phone, with real OCR on
synthetic photos; bad photos, the rate limit and what the audit keeps."""

import io
import json

import pytest
from PIL import Image

from gonghui.collect.tests.phone import paired_phone
from gonghui.core.models import AuditEvent
from gonghui.core.uploads import UploadTooLarge
from gonghui.idcards import actions
from gonghui.idcards.synthetic import make_photo

READ = "/api/v1/idcard/read"


def post(client, data: bytes, *, side: str = "auto", content_type: str = "image/jpeg", **headers):  # type: ignore[no-untyped-def]
    return client.post(f"{READ}?side={side}", data, content_type=content_type, **headers)


def png(width: int, height: int, colour: tuple[int, int, int] = (240, 240, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def officer(personas):  # type: ignore[no-untyped-def]
    return personas.client(personas.tongzhou_officer)


def test_it_reads_a_card_front_from_a_phone_photo(officer):
    photo = make_photo(11)
    response = post(officer, photo.jpeg)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["side"] == "front"
    fields = {name: item["value"] for name, item in data["fields"].items()}
    assert fields["resident_id"] == photo.person.resident_id
    assert data["fields"]["resident_id"]["confirmed"] is True
    assert fields["name"] == photo.person.name
    assert fields["birth_date"] == photo.person.birth_date.isoformat()
    assert fields["sex"] == photo.person.sex
    assert fields["address"] == photo.person.address


def test_it_reads_the_back_and_says_whether_the_card_expired(officer):
    photo = make_photo(3, side="back")
    data = post(officer, photo.jpeg).json()
    assert data["side"] == "back"
    assert data["fields"]["authority"]["value"] == photo.person.authority
    until = photo.person.valid_until
    assert data["fields"]["valid_until"]["value"] == (until.isoformat() if until else "长期")
    assert data["expired"] is bool(until and until.isoformat() < "2026-12-02")


def test_it_accepts_a_phone_signed_with_its_device_key(personas, client):
    phone, device = paired_phone(personas)
    payload = make_photo(5).jpeg
    response = post(client, payload, **phone.sign("POST", f"{READ}", payload))
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.get(event_type="id_card_read")
    assert event.actor == personas.collector
    assert event.unit_id == device.unit_id
    assert event.details["via"] == "collect"


def test_it_refuses_a_tampered_signed_request(personas, client):
    phone, _ = paired_phone(personas)
    payload = png(40, 40)
    headers = phone.sign("POST", READ, payload)
    response = post(client, payload + b" ", content_type="image/png", **headers)
    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"


def test_it_refuses_anonymous_callers(client, db):
    response = post(client, png(40, 40), content_type="image/png")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "upload_wrong_type"),  # a PDF sent as a JPEG
        (b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20, "upload_broken_image"),
        (b"", "upload_empty"),
    ],
)
def test_it_refuses_what_is_not_a_photo_with_a_code(officer, payload, code):
    response = post(officer, payload)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not AuditEvent.objects.filter(event_type="id_card_read").exists()


def test_it_refuses_a_decompression_bomb_before_decoding_it(officer):
    # A 20,000 x 20,000 PNG of one colour compresses to a few hundred KB but would decode to 1.2 GB.
    response = post(officer, png(20_000, 20_000), content_type="image/png")
    assert response.status_code == 400
    assert response.json()["code"] == "upload_too_many_pixels"


def test_it_refuses_a_20_mb_photo_before_reading_it(officer):
    response = post(officer, b"\xff\xd8\xff" + bytes(20 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_it_checks_the_photo_itself_wherever_it_comes_from(db, personas):
    with pytest.raises(UploadTooLarge):
        actions.do_read_id_card(
            acting_user=personas.tongzhou_officer,
            photo=b"\xff\xd8\xff" + bytes(actions.MAX_PHOTO_BYTES),
            via="api",
        )


def test_it_checks_text_as_usual_when_an_image_type_is_declared_elsewhere(officer):
    # Only the reader takes an image body; any other API path still has its body inspected.
    response = officer.post("/api/v1/enterprises", '{"name": "a\\u0000b"}', content_type="image/jpeg")
    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"


def test_it_says_so_when_no_card_is_in_the_photo_and_keeps_a_line_without_content(officer):
    response = post(officer, png(200, 120), content_type="image/png")
    assert response.status_code == 422
    assert response.json()["code"] == "id_card_not_read"
    event = AuditEvent.objects.get(event_type="id_card_read")
    assert event.details["side"] == "unknown"


def test_it_keeps_no_field_value_in_the_audit(officer):
    photo = make_photo(7)
    assert post(officer, photo.jpeg).status_code == 200
    stored = json.dumps(
        list(AuditEvent.objects.values("details", "object_label", "changed_fields")), ensure_ascii=False
    )
    for value in (
        photo.person.resident_id,
        photo.person.name,
        photo.person.address,
        photo.person.resident_id[-4:],
    ):
        assert value not in stored


def test_it_limits_reads_per_person(officer, monkeypatch):
    monkeypatch.setattr(actions, "READS_PER_WINDOW", 2)
    blank = png(120, 80)
    statuses = [post(officer, blank, content_type="image/png").status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    assert post(officer, blank, content_type="image/png").json()["code"] == "id_photo_rate_limited"
