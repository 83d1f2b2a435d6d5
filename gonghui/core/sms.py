"""Text messages (SMS) through one gateway interface.

`SmsGateway.send` is all a provider must implement; settings.GONGHUI_SMS_BACKEND names the class (dotted
path). The default, `OutboxGateway`, sends nothing: it stores the message for staff to read in the console,
which is what development, tests and a pilot without a provider contract need. A real provider (a class
calling its HTTP API) plugs in under the same interface.

Actions never call a gateway directly: `send_sms_on_commit` queues the send for after the surrounding
transaction commits, because a network call must never run inside a transaction (DESIGN §4) and a message
must not go out for a write that was rolled back.
"""

import logging
import uuid
from functools import partial
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from gonghui.core.models import SmsMessage

DEFAULT_BACKEND = "gonghui.core.sms.OutboxGateway"
logger = logging.getLogger(__name__)


@runtime_checkable
class SmsGateway(Protocol):
    def send(self, *, phone: str, text: str) -> str:
        """Send `text` to the mainland mobile number `phone` (11 digits); return the provider's message id.
        Raise on failure: the caller logs it and the person can ask for another message."""
        ...


class OutboxGateway:
    """Development gateway: the message lands in SmsMessage, readable on the console's SMS outbox page."""

    def send(self, *, phone: str, text: str) -> str:
        message = SmsMessage.objects.create(
            message_id=f"outbox-{uuid.uuid4().hex}", created_at=timezone.now(), phone=phone, text=text
        )
        return message.message_id


def get_gateway() -> SmsGateway:
    path = getattr(settings, "GONGHUI_SMS_BACKEND", "") or DEFAULT_BACKEND
    gateway = import_string(path)()
    if not isinstance(gateway, SmsGateway):
        raise TypeError(f"GONGHUI_SMS_BACKEND {path!r} has no send(*, phone, text) method")
    return gateway


def deliver(*, phone: str, text: str) -> str | None:
    """Send now (outside any transaction). A failure is logged without the number or the text, and
    swallowed: the request that asked for the message has already been answered with success."""
    try:
        return get_gateway().send(phone=phone, text=text)
    except Exception:
        logger.exception("SMS gateway failed to send a message")
        return None


def send_sms_on_commit(*, phone: str, text: str) -> None:
    """Queue a message for when the current transaction commits (at once if there is none)."""
    transaction.on_commit(partial(deliver, phone=phone, text=text))
