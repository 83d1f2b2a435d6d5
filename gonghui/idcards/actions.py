"""Reading a card: one action, which keeps nothing but an audit line saying that a card was read.

The photo arrives as bytes, is checked (type by its first bytes, size, pixel count) and decoded in memory,
recognised and dropped: it is never written to disk, the database, a log or a job queue (PIPL: an ID image is
sensitive personal information). The audit event says who read a card, which side and how many fields the
checks confirmed — no field value. OCR never writes a member record: the person confirms the fields in the
form, and the form's own action saves them.
"""

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import record_event
from gonghui.core.errors import DomainError
from gonghui.core.models import AuditEvent
from gonghui.core.uploads import PHOTO, check_upload, open_image
from gonghui.idcards import ocr
from gonghui.idcards.parse import CardReading, looks_like_back, looks_like_front, parse_back, parse_front
from gonghui.members.models import JoinLink

# A collector enrols one worker a minute at the busiest meeting; a person at the console fewer. Thirty reads
# in ten minutes leaves room for retakes and stops a script from using the server as a free OCR service.
READS_PER_WINDOW = 30
RATE_WINDOW = datetime.timedelta(minutes=10)
# Phones downscale to 1,600 px before sending (a few hundred KB). The request-size limit
# (DATA_UPLOAD_MAX_MEMORY_SIZE, 2 MB) refuses a bigger body before it is read; this holds for other callers.
MAX_PHOTO_BYTES = 4 * 1024 * 1024
SIDES = ("auto", "front", "back")


class IdPhotoRateLimited(DomainError):
    code = "id_photo_rate_limited"
    default_message = _(
        "Too many ID card photos were read in the last few minutes. Wait a moment, or type the fields."
    )
    status = 429


class IdCardNotRead(DomainError):
    code = "id_card_not_read"
    default_message = _(
        "No resident ID card could be read in this photo. Lay the card flat, fill the frame with it, avoid "
        "glare, and take the photo again — or type the fields."
    )
    status = 422


@dataclass(frozen=True)
class JoinCaller:
    """A worker on a join page whose phone is verified: no login, so the ticket stands for them."""

    link: JoinLink
    ticket: str


def _ticket_tag(ticket: str) -> str:
    # Enough to count one worker's reads; not the ticket itself, which would let a log reader use it.
    return hashlib.sha256(ticket.encode()).hexdigest()[:16]


def _recent_reads(acting_user: Any, join_ticket: str, now: datetime.datetime) -> int:
    reads = AuditEvent.objects.filter(event_type="id_card_read", created_at__gte=now - RATE_WINDOW)
    if acting_user is not None:
        return reads.filter(actor=acting_user).count()
    return reads.filter(actor=None, details__reader=_ticket_tag(join_ticket)).count()


def do_read_id_card(
    *,
    acting_user: Any,
    photo: bytes,
    via: str,
    side: str = "auto",
    unit: Any = None,
    device_id: str = "",
    join_ticket: str = "",
    today: datetime.date | None = None,
) -> CardReading:
    """Read one side of a card from a photo. `via` says which page asked (collect, join, api); a worker on
    the join page has no login, so `join_ticket` (their verified phone's ticket) is who is counted."""
    now = timezone.now()
    if _recent_reads(acting_user, join_ticket, now) >= READS_PER_WINDOW:
        raise IdPhotoRateLimited()
    checked = check_upload(
        photo, accept=PHOTO, max_bytes=MAX_PHOTO_BYTES, strip_metadata=False, field="image"
    )
    image = open_image(checked.content, field="image")
    lines, card_found = ocr.recognise(image)
    today = today or timezone.localdate()
    if side == "back" or (side == "auto" and looks_like_back(lines) and not looks_like_front(lines)):
        reading = parse_back(lines, today=today)
    elif side == "front" or looks_like_front(lines):
        reading = parse_front(lines, today=today)
    else:
        reading = CardReading(side="unknown")
    confirmed = sum(1 for item in reading.fields.values() if item.confirmed)
    with transaction.atomic(durable=True):
        record_event(
            acting_user=acting_user,
            event_type="id_card_read",
            unit=unit,
            details={
                "side": reading.side,
                "via": via,
                "device": device_id,
                "reader": _ticket_tag(join_ticket) if join_ticket else "",
                "card_found": card_found,
                "fields_confirmed": confirmed,
                "fields_to_check": len(reading.fields) - confirmed,
            },
        )
    if reading.side == "unknown":
        raise IdCardNotRead()
    return reading
