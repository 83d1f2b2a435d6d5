"""Collector phones: register (officer), pair (phone), revoke (officer), and accept the phone's uploads.

Each do_* that writes is one durable transaction with one audit event. do_accept_upload is the exception
by design: it orchestrates verify -> do_enrol_member -> do_log_device_upload, and must not hold a
transaction itself because do_enrol_member is durable on its own.
"""

import base64
import binascii
import datetime
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, NoReturn

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from gonghui.accounts.models import User
from gonghui.accounts.scope import rank_at
from gonghui.collect.envelope import Envelope, open_envelope
from gonghui.collect.models import CollectorDevice, DeviceUpload
from gonghui.collect.queries import (
    DEVICE_UNIT_KINDS,
    RANK_ENROL,
    RANK_MANAGE_DEVICES,
    collectable_unions,
    token_hash,
)
from gonghui.collect.schemas import RecordIn, UploadIn
from gonghui.collect.signing import (
    CollectorInactive,
    DeviceRevoked,
    SignatureInvalid,
    SignedRequest,
    verify_signed_request,
)
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from gonghui.core.middleware import NulCharacter
from gonghui.members.actions import EnrolmentData, EnrolmentOutcome, do_enrol_member
from gonghui.members.models import Channel, Membership
from gonghui.orgs.models import OrgUnit

PAIRING_LIFETIME = datetime.timedelta(minutes=30)


class DeviceUnitKind(InvalidInput):
    code = "device_unit_kind"
    default_message = _("A collector's phone works for a street federation or a union; choose one of those.")


class CollectorCannotEnrol(InvalidInput):
    code = "device_collector_scope"
    default_message = _("%(name)s holds no role that may enrol members in %(unit)s.")


class PairingInvalid(NotFound):
    code = "pairing_invalid"
    default_message = _(
        "This registration code is unknown, already used or expired. Ask the officer for a new one."
    )


class PublicKeyInvalid(InvalidInput):
    code = "public_key_invalid"
    default_message = _("The phone sent a key that is not an ECDSA P-256 public key.")


class DeviceNotPending(Conflict):
    code = "device_not_pending"
    default_message = _("This phone has already been registered or revoked.")


class DeviceAlreadyRevoked(Conflict):
    code = "device_already_revoked"
    default_message = _("This phone has already been revoked.")


class RecordInvalid(InvalidInput):
    code = "record_invalid"
    default_message = _("The record is incomplete or damaged; enter it again.")


class UnionNotAllowed(InvalidInput):
    code = "union_not_allowed"
    default_message = _("This phone may not enrol members in the chosen union.")


# A race with a concurrent upload of the same record: the phone must retry, not give the record up.
RETRYABLE_CODES = frozenset({Conflict.code})
ACCEPTED_MESSAGES = {
    "created": _("Received; the union will review the application."),
    "replayed": _("Received earlier; stored once."),
    "merged": _("Added to the person's application that was already waiting for review."),
    "already_member": _("Already a member of this union; nothing new was stored."),
    "transfer_proposed": _("A member of another union: a transfer was proposed for the union to approve."),
}


@dataclass
class PairingCode:
    device: CollectorDevice
    token: str  # shown once, as a QR code; only its hash is stored


@dataclass
class UploadResult:
    record_uuid: uuid.UUID
    status: str  # "accepted" | "rejected"
    code: str
    message: str
    membership_id: int | None = None


def _require_device_manager(acting_user: Any, unit: OrgUnit) -> None:
    if rank_at(acting_user, unit) < RANK_MANAGE_DEVICES:
        raise Forbidden()


def _new_token(device: CollectorDevice, now: datetime.datetime) -> str:
    token = secrets.token_urlsafe(32)
    device.pairing_token_hash = token_hash(token)
    device.pairing_expires_at = now + PAIRING_LIFETIME
    return token


@transaction.atomic(durable=True)
def do_register_device(
    *, acting_user: Any, collector: User, unit: OrgUnit, name: str, now: datetime.datetime | None = None
) -> PairingCode:
    """An officer registers a phone for a collector; the phone pairs by scanning the returned code."""
    now = now or timezone.now()
    _require_device_manager(acting_user, unit)
    if unit.kind not in DEVICE_UNIT_KINDS or unit.status != OrgUnit.Status.ACTIVE:
        raise DeviceUnitKind(field="unit")
    if not collector.is_active or rank_at(collector, unit) < RANK_ENROL:
        raise CollectorCannotEnrol(
            field="collector", name=collector.display_name or collector.username, unit=unit.name
        )
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise InvalidInput(_("Give the phone a name of at most 100 characters."), field="name")
    device = CollectorDevice(user=collector, unit=unit, name=name, registered_by=acting_user, created_at=now)
    token = _new_token(device, now)
    device.save()
    record_event(
        acting_user=acting_user,
        event_type="collector_device_registered",
        obj=device,
        unit=unit,
        changed_fields=["user", "unit", "name", "pairing_token_hash"],
        details={"collector_id": collector.pk},
        now=now,
    )
    return PairingCode(device=device, token=token)


@transaction.atomic(durable=True)
def do_issue_pairing_code(
    *, acting_user: Any, device: CollectorDevice, now: datetime.datetime | None = None
) -> PairingCode:
    """A new code for a phone that has not paired yet (the first was lost or expired); the old one dies."""
    now = now or timezone.now()
    _require_device_manager(acting_user, device.unit)
    device = CollectorDevice.objects.select_for_update().select_related("unit").get(pk=device.pk)
    if device.status != CollectorDevice.Status.PENDING_PAIRING:
        raise DeviceNotPending()
    token = _new_token(device, now)
    device.save(update_fields=["pairing_token_hash", "pairing_expires_at"])
    record_event(
        acting_user=acting_user,
        event_type="collector_device_code_issued",
        obj=device,
        unit=device.unit,
        changed_fields=["pairing_token_hash", "pairing_expires_at"],
        now=now,
    )
    return PairingCode(device=device, token=token)


def _public_key_pem(public_key_b64: str) -> str:
    try:
        key = serialization.load_der_public_key(base64.b64decode(public_key_b64, validate=True))
    except (binascii.Error, ValueError, TypeError):
        raise PublicKeyInvalid(field="public_key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise PublicKeyInvalid(field="public_key")
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@transaction.atomic(durable=True)
def do_pair_device(*, token: str, public_key: str, now: datetime.datetime | None = None) -> CollectorDevice:
    """The phone proves it holds the one-time token and hands over its public key. No signed-in user:
    the token is the credential, and the audit row names the collector the phone belongs to."""
    now = now or timezone.now()
    device = (
        CollectorDevice.objects.select_for_update()
        .select_related("user", "unit")
        .filter(pairing_token_hash=token_hash(token), status=CollectorDevice.Status.PENDING_PAIRING)
        .first()
    )
    if device is None or device.pairing_expires_at is None or device.pairing_expires_at <= now:
        raise PairingInvalid()
    device.public_key = _public_key_pem(public_key)
    device.status = CollectorDevice.Status.ACTIVE
    device.paired_at = now
    device.pairing_token_hash = None
    device.pairing_expires_at = None
    device.save()
    record_event(
        acting_user=device.user,
        event_type="collector_device_paired",
        obj=device,
        unit=device.unit,
        changed_fields=["public_key", "status", "paired_at", "pairing_token_hash"],
        now=now,
    )
    return device


@transaction.atomic(durable=True)
def do_revoke_device(
    *, acting_user: Any, device: CollectorDevice, now: datetime.datetime | None = None
) -> CollectorDevice:
    """From now on the phone's key opens nothing: its uploads are refused (and logged), its pairing code
    dies, and what it still holds is encrypted to the server, so it is useless to whoever has the phone."""
    now = now or timezone.now()
    _require_device_manager(acting_user, device.unit)
    device = CollectorDevice.objects.select_for_update().select_related("unit").get(pk=device.pk)
    if device.status == CollectorDevice.Status.REVOKED:
        raise DeviceAlreadyRevoked()
    device.status = CollectorDevice.Status.REVOKED
    device.revoked_at = now
    device.revoked_by = acting_user
    device.pairing_token_hash = None
    device.pairing_expires_at = None
    device.save()
    record_event(
        acting_user=acting_user,
        event_type="collector_device_revoked",
        obj=device,
        unit=device.unit,
        changed_fields=["status", "revoked_at", "revoked_by"],
        now=now,
    )
    return device


@transaction.atomic(durable=True)
def do_log_device_upload(
    *,
    device: CollectorDevice,
    client_uuid: uuid.UUID,
    outcome: str,
    code: str,
    message: str = "",
    membership: Membership | None = None,
    now: datetime.datetime | None = None,
) -> DeviceUpload:
    """Keep what came of one upload, so the officer sees refused and rejected records. Acted by the
    device on its collector's behalf, hence no acting_user parameter."""
    now = now or timezone.now()
    upload = DeviceUpload.objects.create(
        device=device,
        client_uuid=client_uuid,
        received_at=now,
        outcome=outcome,
        code=code[:64],
        message=message[:300],
        membership=membership,
    )
    record_event(
        acting_user=device.user,
        event_type=f"collect_upload_{outcome.lower()}",
        obj=upload,
        unit=membership.union if membership is not None else device.unit,
        details={"device_id": device.pk, "code": upload.code},
        now=now,
    )
    return upload


def _read_record(device: CollectorDevice, upload: UploadIn) -> RecordIn:
    envelope = Envelope(**upload.envelope.dict())
    plaintext = open_envelope(envelope, record_uuid=upload.record_uuid)
    try:
        record = RecordIn.model_validate_json(plaintext)
    except ValidationError:
        raise RecordInvalid() from None
    if record.record_uuid != upload.record_uuid:
        raise RecordInvalid()
    # The request middleware cannot see inside the envelope, so the NUL check it does for every other
    # input is repeated here (PostgreSQL would fail on it with a 500).
    if any("\x00" in value for value in record.model_dump().values() if isinstance(value, str)):
        raise NulCharacter()
    return record


def _record_union(device: CollectorDevice, union_id: int) -> OrgUnit:
    union = collectable_unions(device).filter(pk=union_id).first()
    if union is None:
        raise UnionNotAllowed(field="union")
    return union


def _enrol(device: CollectorDevice, upload: UploadIn, now: datetime.datetime) -> EnrolmentOutcome:
    record = _read_record(device, upload)
    return do_enrol_member(
        acting_user=device.user,
        union=_record_union(device, record.union_id),
        data=EnrolmentData.from_form(record),
        channel=Channel.STAFF_MOBILE,
        consent_given=record.consent,
        client_uuid=upload.record_uuid,
        now=now,
    )


def _refuse(
    device: CollectorDevice, upload: UploadIn, error: DomainError, now: datetime.datetime
) -> NoReturn:
    do_log_device_upload(
        device=device,
        client_uuid=upload.record_uuid,
        outcome=DeviceUpload.Outcome.REFUSED,
        code=error.code,
        message=error.message,
        now=now,
    )
    raise error


def do_accept_upload(
    *, signed: SignedRequest, upload: UploadIn, now: datetime.datetime | None = None
) -> UploadResult:
    """One record from a phone: verify the signature, refuse a revoked device (logged), open the
    envelope, enrol, log. Idempotent on the record's UUID: a record sent twice is stored once, and the
    second answer repeats the first's membership.

    Device-level failures raise (4xx for the whole request). Record-level failures — a bad resident ID,
    no consent — are a final "rejected" answer the phone shows next to the record. A race with a
    concurrent copy of the same upload raises Conflict, so the phone keeps the record and retries.
    """
    now = now or timezone.now()
    device = verify_signed_request(signed, now=now)
    if upload.device_id != device.public_id:
        raise SignatureInvalid()
    if device.status == CollectorDevice.Status.REVOKED:
        _refuse(device, upload, DeviceRevoked(), now)
    if not device.user.is_active:
        _refuse(device, upload, CollectorInactive(), now)
    try:
        outcome = _enrol(device, upload, now)
    except DomainError as error:
        if error.code in RETRYABLE_CODES:
            raise
        do_log_device_upload(
            device=device,
            client_uuid=upload.record_uuid,
            outcome=DeviceUpload.Outcome.REJECTED,
            code=error.code,
            message=error.message,
            now=now,
        )
        return UploadResult(upload.record_uuid, "rejected", error.code, error.message)
    do_log_device_upload(
        device=device,
        client_uuid=upload.record_uuid,
        outcome=DeviceUpload.Outcome.ACCEPTED,
        code=outcome.kind,
        membership=outcome.membership,
        now=now,
    )
    return UploadResult(
        upload.record_uuid,
        "accepted",
        outcome.kind,
        str(ACCEPTED_MESSAGES.get(outcome.kind, "")),
        outcome.membership.pk,
    )
