"""Photos of a service as evidence: images only, size-checked, EXIF (location) stripped; shown only to
who may see the need."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from gonghui.core.uploads import UploadTooLarge, UploadWrongType
from gonghui.needs import actions
from gonghui.needs.models import ServicePhoto


def _jpeg_with_location() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)  # GPSInfo: where the photo was taken
    gps[1], gps[2] = "N", (39.0, 54.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _event(circle):  # type: ignore[no-untyped-def]
    need = circle.post()
    actions.do_claim_need(acting_user=circle.barber, need=need, work_types=[circle.haircut])
    return actions.do_schedule_service(
        acting_user=circle.barber, need=need, starts_at=timezone.now(), place="工地"
    )


def test_it_keeps_a_photo_without_its_location_and_shows_it_only_in_scope(circle):
    event = _event(circle)
    original = _jpeg_with_location()
    assert b"Exif" in original
    client = circle.personas.client(circle.barber)
    response = client.post(
        reverse("needs:unit_photo", args=[event.pk]),
        {"photo": SimpleUploadedFile("IMG_0001.jpg", original, content_type="image/jpeg")},
    )
    assert response.status_code == 302
    photo = ServicePhoto.objects.get(event=event)
    stored = photo.photo.read()
    assert stored.startswith(b"\xff\xd8\xff") and b"Exif" not in stored
    assert client.get(reverse("needs:photo", args=[photo.pk])).status_code == 200
    officer = circle.personas.client(circle.personas.luyuan_officer)
    assert officer.get(reverse("needs:photo", args=[photo.pk])).status_code == 200
    other = circle.personas.client(circle.personas.ganjiakou_officer)
    assert other.get(reverse("needs:photo", args=[photo.pk])).status_code == 404


def test_it_refuses_a_file_that_is_not_an_image_or_is_50_mb(circle, settings):
    event = _event(circle)
    with pytest.raises(UploadWrongType) as caught:
        actions.do_add_service_photo(acting_user=circle.barber, event=event, upload=b"%PDF-1.4 not a photo")
    assert caught.value.code == "upload_wrong_type"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    with pytest.raises(UploadTooLarge):
        actions.do_add_service_photo(
            acting_user=circle.barber, event=event, upload=b"\xff\xd8\xff" + b"\0" * (50 * 1024 * 1024)
        )
    # Through the page: a clear Chinese message, nothing stored.
    client = circle.personas.client(circle.barber)
    response = client.post(
        reverse("needs:unit_photo", args=[event.pk]),
        {"photo": SimpleUploadedFile("x.txt", b"hello", content_type="image/jpeg")},
        follow=True,
    )
    assert response.status_code == 200 and "允许的类型" in response.content.decode()
    assert not ServicePhoto.objects.exists()
