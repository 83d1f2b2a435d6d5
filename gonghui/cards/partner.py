"""Authentication of the bank's back office on /api/v1/partner/ (protocol: docs/cards.md).

Checked in this order, each failure a 401/403 with its own code and a `partner_request_refused` audit
event: the key id is known and live; the signature matches (so only the key's holder learns anything
more); the timestamp is within five minutes; the nonce was not seen before (a unique row per key and
nonce, kept for ten minutes — past the window a replay fails on the timestamp instead).
"""

import datetime
import hmac
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security.base import AuthBase

from gonghui.cards import signing
from gonghui.cards.actions import (
    do_record_partner_refusal,
    do_remember_partner_nonce,
    do_stamp_partner_key_used,
)
from gonghui.cards.models import PartnerKey
from gonghui.core.errors import DomainError

NONCE_TTL = datetime.timedelta(seconds=2 * signing.MAX_AGE_SECONDS)


class PartnerKeyUnknown(DomainError):
    code = "partner_key_unknown"
    default_message = _("Unknown or retired partner key.")
    status = 401


class PartnerSignatureInvalid(DomainError):
    code = "partner_signature_invalid"
    default_message = _("The request's signature does not match: it was altered or signed with another key.")
    status = 401


class PartnerRequestExpired(DomainError):
    code = "partner_request_expired"
    default_message = _("The request's time stamp is more than five minutes away from the server's clock.")
    status = 401


def _live_key(key_id: str, now: datetime.datetime) -> PartnerKey:
    if not key_id or len(key_id) > 40:
        raise PartnerKeyUnknown()
    key = (
        PartnerKey.objects.select_related("branch__serves_unit")
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), key_id=key_id, revoked_at__isnull=True)
        .filter(branch__is_active=True)
        .first()
    )
    if key is None:
        raise PartnerKeyUnknown()
    return key


def verify_partner_request(request: HttpRequest, *, now: datetime.datetime) -> PartnerKey:
    headers = request.headers
    key = _live_key(headers.get(signing.HEADER_KEY, ""), now)
    timestamp = headers.get(signing.HEADER_TIMESTAMP, "")
    nonce = headers.get(signing.HEADER_NONCE, "")
    signature = headers.get(signing.HEADER_SIGNATURE, "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise PartnerSignatureInvalid()
    if not signing.NONCE_PATTERN.fullmatch(nonce):
        raise PartnerSignatureInvalid()
    query = request.META.get("QUERY_STRING", "")
    path = request.path + (f"?{query}" if query else "")
    expected = signing.sign(
        key.secret, signing.canonical_request(request.method or "", path, timestamp, nonce, request.body)
    )
    if not hmac.compare_digest(expected, signature.lower()):
        raise PartnerSignatureInvalid()
    if abs(now.timestamp() - int(timestamp)) > signing.MAX_AGE_SECONDS:
        raise PartnerRequestExpired()
    do_remember_partner_nonce(key=key, nonce=nonce, expires_at=now + NONCE_TTL, now=now)
    return key


class PartnerSignature(AuthBase):
    """django-ninja auth for the partner router: the session and bearer tokens of the rest of the API
    do not apply there, and no CSRF check (nothing of a browser's is used)."""

    openapi_type = "apiKey"

    def __init__(self) -> None:
        self.openapi_name = signing.HEADER_SIGNATURE
        self.openapi_in = "header"
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        now = timezone.now()
        try:
            key = verify_partner_request(request, now=now)
        except DomainError as error:
            do_record_partner_refusal(
                key_id=request.headers.get(signing.HEADER_KEY, ""),
                code=error.code,
                method=request.method or "",
                path=request.path,
                remote_addr=request.META.get("REMOTE_ADDR", ""),
                now=now,
            )
            raise
        do_stamp_partner_key_used(key=key, now=now)
        return key
