"""/api/v1/collect: the collector phone's endpoints. No session and no bearer token: the one-time pairing
token, then the device's ECDSA signature, is the authentication (protocol: docs/collect-protocol.md)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from gonghui.collect import actions
from gonghui.collect.access import access_signing_device
from gonghui.collect.queries import get_device_config
from gonghui.collect.schemas import (
    DeviceConfigOut,
    PairIn,
    UploadBatchIn,
    UploadBatchOut,
    UploadIn,
    UploadOut,
)
from gonghui.collect.signing import HEADER_SERVER_TIME, SignedRequest
from gonghui.core.api_support import ERRORS, ErrorOut
from gonghui.core.errors import DomainError

router = Router(tags=["collect"])
DEVICE_ERRORS = {**ERRORS, 413: ErrorOut}


def _stamp(response: HttpResponse) -> None:
    # Every answer, refusals included, carries the server clock: a phone whose clock is off learns the
    # difference from any reply and signs its next attempt with a corrected time stamp.
    response[HEADER_SERVER_TIME] = str(int(timezone.now().timestamp()))


@router.post("/pair", auth=None, response={200: DeviceConfigOut, **DEVICE_ERRORS})
def pair_device(request: HttpRequest, response: HttpResponse, payload: PairIn) -> Any:
    """The phone hands over its new public key with the one-time token from the officer's QR code."""
    _stamp(response)
    try:
        device = actions.do_pair_device(token=payload.token, public_key=payload.public_key)
    except DomainError as error:
        return error.status, error.as_dict()
    return get_device_config(device=device, now=timezone.now())


@router.get("/device", auth=None, response={200: DeviceConfigOut, **DEVICE_ERRORS})
def device_config(request: HttpRequest, response: HttpResponse) -> Any:
    """Signed: the phone refreshes its union list and learns whether it was revoked."""
    _stamp(response)
    now = timezone.now()
    try:
        device = access_signing_device(SignedRequest.from_http(request), now=now)
    except DomainError as error:
        return error.status, error.as_dict()
    return get_device_config(device=device, now=now)


@router.post("/uploads", auth=None, response={200: UploadOut, **DEVICE_ERRORS})
def upload_record(request: HttpRequest, response: HttpResponse, payload: UploadIn) -> Any:
    """Signed: one queued record. 200 is the server's final word on the record (accepted or rejected);
    401/403 concern the device; 409 or a 5xx mean: keep the record and try again later."""
    _stamp(response)
    try:
        (result,) = actions.do_accept_uploads(
            signed=SignedRequest.from_http(request), device_id=payload.device_id, uploads=[payload]
        )
    except DomainError as error:
        return error.status, error.as_dict()
    return result


@router.post("/uploads/batch", auth=None, response={200: UploadBatchOut, **DEVICE_ERRORS})
def upload_batch(request: HttpRequest, response: HttpResponse, payload: UploadBatchIn) -> Any:
    """Signed: up to 50 queued records at once, answered one by one in the order sent, as /uploads
    answers one. 401/403 concern the device; 409 or a 5xx mean: keep every record and try again later."""
    _stamp(response)
    try:
        results = actions.do_accept_uploads(
            signed=SignedRequest.from_http(request), device_id=payload.device_id, uploads=payload.uploads
        )
    except DomainError as error:
        return error.status, error.as_dict()
    return {"results": results}
