"""Files people upload: scans, photos as evidence, documents. Checked by their content, never by their name.

Every app that keeps an uploaded file calls `check_upload` inside its action and saves the returned bytes:
the kind is told by the first bytes (a PDF renamed .jpg is a PDF), images are decoded with Pillow under a
pixel limit (a decompression bomb is refused before it is decoded), and photos are re-encoded without
their metadata, so a phone's EXIF location never reaches the disk. Stored files are private: they are
served by `private_file_response` from a view that has checked access first, never from a public URL.
"""

import enum
import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gonghui.core.errors import InvalidInput

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# 40 megapixels: any phone camera's photo fits; a small file that would decode to gigabytes does not.
MAX_IMAGE_PIXELS = 40_000_000
# Photos kept as evidence are scaled down to this longest side: enough to read a sign or a receipt.
MAX_PHOTO_SIDE = 2560


class FileKind(enum.StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"


# (first bytes, kind): the file's own word on what it is.
SIGNATURES: tuple[tuple[bytes, FileKind], ...] = (
    (b"%PDF-", FileKind.PDF),
    (b"\xff\xd8\xff", FileKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", FileKind.PNG),
)
CONTENT_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.JPEG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.WEBP: "image/webp",
}
IMAGES = frozenset({FileKind.JPEG, FileKind.PNG, FileKind.WEBP})
# What each use accepts: a photo is an image; a scan or receipt may also be a PDF.
PHOTO = IMAGES
DOCUMENT = IMAGES | {FileKind.PDF}


class UploadEmpty(InvalidInput):
    code = "upload_empty"
    default_message = _("The file is empty.")


class UploadTooLarge(InvalidInput):
    code = "upload_too_large"
    default_message = _("The file is larger than %(limit)s MB.")


class UploadWrongType(InvalidInput):
    code = "upload_wrong_type"
    default_message = _("This file is not one of the accepted types (%(accepted)s), whatever its name says.")


class UploadBrokenImage(InvalidInput):
    code = "upload_broken_image"
    default_message = _("The image cannot be read; it may be damaged. Take or choose the photo again.")


class UploadTooManyPixels(InvalidInput):
    code = "upload_too_many_pixels"
    default_message = _("The image is too large in pixels (at most %(limit)s million).")


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    kind: FileKind
    width: int | None = None
    height: int | None = None

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    @property
    def extension(self) -> str:
        return "jpg" if self.kind == FileKind.JPEG else self.kind.value

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def sniff(head: bytes) -> FileKind | None:
    """The kind the first bytes say, or None."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileKind.WEBP
    return None


def read_upload(
    upload: UploadedFile | bytes, *, max_bytes: int = MAX_UPLOAD_BYTES, field: str = "file"
) -> bytes:
    """The upload's bytes, reading at most one byte past the limit (a size the client claims is not trusted)."""
    if isinstance(upload, bytes):
        data = upload[: max_bytes + 1]
    else:
        upload.seek(0)
        data = upload.read(max_bytes + 1)
    if not data:
        raise UploadEmpty(field=field)
    if len(data) > max_bytes:
        raise UploadTooLarge(field=field, limit=_megabytes(max_bytes))
    return data


def check_upload(
    upload: UploadedFile | bytes,
    *,
    accept: frozenset[FileKind] = DOCUMENT,
    max_bytes: int = MAX_UPLOAD_BYTES,
    strip_metadata: bool = True,
    field: str = "file",
) -> CheckedFile:
    """Check an upload against what this use accepts. Images are decoded (a file that only starts like a
    JPEG is refused) and, with strip_metadata, re-encoded upright without EXIF; a PDF is kept as sent."""
    data = read_upload(upload, max_bytes=max_bytes, field=field)
    kind = sniff(data[:16])
    if kind is None or kind not in accept:
        raise UploadWrongType(field=field, accepted=_accepted_names(accept))
    if kind == FileKind.PDF:
        return CheckedFile(content=data, kind=kind)
    return _check_image(data, kind, strip_metadata=strip_metadata, field=field)


def open_image(data: bytes, *, field: str = "file") -> Image.Image:
    """Decode an image under the pixel limit, whatever reads it next (OCR, a thumbnail)."""
    try:
        # Pillow reads only the header here; the size is checked before a pixel is decoded.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
        if width * height > MAX_IMAGE_PIXELS:
            raise UploadTooManyPixels(field=field, limit=MAX_IMAGE_PIXELS // 1_000_000)
        image = Image.open(io.BytesIO(data))
        image.load()
    except Image.DecompressionBombError as error:
        raise UploadTooManyPixels(field=field, limit=MAX_IMAGE_PIXELS // 1_000_000) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise UploadBrokenImage(field=field) from error
    return image


def _check_image(data: bytes, kind: FileKind, *, strip_metadata: bool, field: str) -> CheckedFile:
    image = open_image(data, field=field)
    if not strip_metadata:
        return CheckedFile(content=data, kind=kind, width=image.width, height=image.height)
    # Turned the way the camera held it, then saved fresh: the new file carries no EXIF (GPS, device).
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE))
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P"):
        image.save(out, format="PNG", optimize=True)
        kind = FileKind.PNG
    else:
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
        kind = FileKind.JPEG
    return CheckedFile(content=out.getvalue(), kind=kind, width=image.width, height=image.height)


def private_file_response(file: FieldFile, *, content_type: str, filename: str) -> FileResponse:
    """Serve a stored file inline to someone the view has already let in; nothing caches it."""
    response = FileResponse(file.open("rb"), content_type=content_type or "application/octet-stream")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g}"


def _accepted_names(accept: frozenset[Any]) -> str:
    names = {FileKind.PDF: "PDF", FileKind.JPEG: "JPEG", FileKind.PNG: "PNG", FileKind.WEBP: "WebP"}
    return "、".join(names[kind] for kind in FileKind if kind in accept)
