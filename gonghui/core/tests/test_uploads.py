"""Uploads are told by their content: a PDF named .jpg is a PDF, a bomb is refused before it is decoded,
and a photo keeps no EXIF (a phone writes its GPS position there)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gonghui.core.uploads import (
    DOCUMENT,
    PHOTO,
    FileKind,
    UploadBrokenImage,
    UploadEmpty,
    UploadTooLarge,
    UploadTooManyPixels,
    UploadWrongType,
    check_upload,
)

GPS_IFD = 0x8825


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 29.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_it_strips_the_location_from_a_photo() -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    checked = check_upload(SimpleUploadedFile("site.jpg", original), accept=PHOTO)
    assert checked.kind == FileKind.JPEG and checked.content_type == "image/jpeg"
    kept = Image.open(io.BytesIO(checked.content))
    assert not kept.getexif().get_ifd(GPS_IFD)
    assert 0x010F not in kept.getexif()
    assert (checked.width, checked.height) == (64, 48)


def test_it_turns_a_photo_the_way_the_camera_held_it() -> None:
    image = Image.new("RGB", (80, 20), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    checked = check_upload(out.getvalue(), accept=PHOTO)
    assert (checked.width, checked.height) == (20, 80)


def test_it_refuses_a_pdf_renamed_jpg_where_only_photos_are_taken() -> None:
    pdf = SimpleUploadedFile("photo.jpg", b"%PDF-1.7\n%...", content_type="image/jpeg")
    with pytest.raises(UploadWrongType) as refused:
        check_upload(pdf, accept=PHOTO)
    assert refused.value.code == "upload_wrong_type"
    assert check_upload(pdf, accept=DOCUMENT).kind == FileKind.PDF


def test_it_refuses_a_file_that_only_starts_like_a_jpeg() -> None:
    with pytest.raises(UploadBrokenImage):
        check_upload(b"\xff\xd8\xff\xe0" + b"\x00" * 200, accept=PHOTO)


def test_it_refuses_a_decompression_bomb_before_decoding_it() -> None:
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG")  # a few KB that would decode to 100 Mpx
    assert len(out.getvalue()) < 100_000
    with pytest.raises(UploadTooManyPixels) as refused:
        check_upload(out.getvalue(), accept=PHOTO)
    assert refused.value.code == "upload_too_many_pixels"


def test_it_refuses_empty_and_oversized_files_without_reading_past_the_limit() -> None:
    with pytest.raises(UploadEmpty):
        check_upload(b"", accept=DOCUMENT)
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2048)
    with pytest.raises(UploadTooLarge) as refused:
        check_upload(big, accept=DOCUMENT, max_bytes=1024)
    assert refused.value.code == "upload_too_large"
    assert "MB" in str(refused.value.message)


def test_it_keeps_transparency_as_png() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG")
    checked = check_upload(out.getvalue(), accept=PHOTO)
    assert checked.kind == FileKind.PNG and checked.extension == "png"
