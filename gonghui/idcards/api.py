"""/api/v1/idcard/read: one photo in, the card's fields out, each marked confirmed or to be checked.

Used by the collector phone (signed by the device key, like its uploads), the worker's join page (after they
verified their phone there: `?join=<link token>` and the ticket in their session), the console's member form
(the session) and partner or script callers (a token). Nothing is stored but an audit line.
"""

import enum
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from gonghui.accounts.api_auth import API_AUTH
from gonghui.collect.access import access_signing_device
from gonghui.collect.models import CollectorDevice
from gonghui.collect.signing import HEADER_DEVICE, SignedRequest
from gonghui.core.api_support import ERRORS, ErrorOut
from gonghui.core.middleware import IMAGE_BODY_TYPES
from gonghui.idcards.actions import JoinCaller, do_read_id_card
from gonghui.idcards.labels import PROBLEM_LABELS
from gonghui.idcards.parse import CardReading
from gonghui.idcards.schemas import IdCardReadOut
from gonghui.members import join
from gonghui.members.access import JoinLinkNotFound, get_active_link

router = Router(tags=["idcards"])


class Side(enum.StrEnum):
    AUTO = "auto"
    FRONT = "front"
    BACK = "back"


class DeviceSignature:
    """A collector phone's signed request (docs/collect-protocol.md); requests without the device header are
    left to the session and token checks."""

    def __call__(self, request: HttpRequest) -> CollectorDevice | None:
        if HEADER_DEVICE not in request.headers:
            return None
        return access_signing_device(SignedRequest.from_http(request), now=timezone.now())


class JoinTicket:
    """A worker on the join page, after verifying their phone there (the SMS code's ticket in their
    session): they may read their own card. No verified phone, no reading — the page is public."""

    def __call__(self, request: HttpRequest) -> JoinCaller | None:
        token = request.GET.get("join", "")
        if not token:
            return None
        try:
            link = get_active_link(token)
        except JoinLinkNotFound:
            return None
        ticket = request.session.get(join.session_key(link, "ticket"), "")
        if not ticket or join.verified_phone_for(link=link, ticket=ticket) is None:
            return None
        return JoinCaller(link=link, ticket=ticket)


def reading_out(reading: CardReading) -> dict[str, Any]:
    return {
        "side": reading.side,
        "expired": reading.expired,
        "fields": {
            name: {
                "value": item.value,
                "confirmed": item.confirmed,
                "problem": item.problem,
                "problem_label": str(PROBLEM_LABELS.get(item.problem, "")),
            }
            for name, item in reading.fields.items()
        },
    }


PHOTO_BODY = {
    "required": True,
    "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in IMAGE_BODY_TYPES},
}


@router.post(
    "/read",
    auth=[DeviceSignature(), JoinTicket(), *API_AUTH],
    response={200: IdCardReadOut, **ERRORS, 413: ErrorOut, 429: ErrorOut},
    url_name="read_id_card",
    openapi_extra={"requestBody": PHOTO_BODY},
)
def read_id_card(request: HttpRequest, side: Side = Side.AUTO) -> Any:
    """Read the front (name, sex, ethnic group, birth date, address, ID number) or the back (issuing
    authority, validity; `expired`) of a resident ID card. The body is the photo itself (JPEG, PNG or WebP,
    at most 2 MB: phones downscale before sending); it is processed in memory and dropped."""
    caller = request.auth  # type: ignore[attr-defined]
    if isinstance(caller, CollectorDevice):
        reading = do_read_id_card(
            acting_user=caller.user, unit=caller.unit, photo=request.body, side=side.value, via="collect",
            device_id=str(caller.public_id),
        )  # fmt: skip
    elif isinstance(caller, JoinCaller):
        reading = do_read_id_card(
            acting_user=None, unit=caller.link.union, photo=request.body, side=side.value, via="join",
            join_ticket=caller.ticket,
        )  # fmt: skip
    else:
        reading = do_read_id_card(acting_user=caller, photo=request.body, side=side.value, via="api")
    return reading_out(reading)
