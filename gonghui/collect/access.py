import datetime
from typing import Any

from gonghui.collect.models import CollectorDevice
from gonghui.collect.queries import devices_in_scope
from gonghui.collect.signing import (
    CollectorInactive,
    DeviceRevoked,
    SignedRequest,
    verify_signed_request,
)
from gonghui.core.access import get_in_scope


def access_device(user: Any, device_id: Any) -> CollectorDevice:
    """The device if it belongs to the officer's area, else NotFound (another district's phone does not
    exist as far as this officer can tell)."""
    return get_in_scope(devices_in_scope(user).select_related("user", "unit"), device_id)


def access_signing_device(signed: SignedRequest, *, now: datetime.datetime) -> CollectorDevice:
    """The active device that signed the request; a revoked phone or a deactivated collector is refused."""
    device = verify_signed_request(signed, now=now)
    if device.status == CollectorDevice.Status.REVOKED:
        raise DeviceRevoked()
    if not device.user.is_active:
        raise CollectorInactive()
    return device
