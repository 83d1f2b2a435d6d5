"""Collector phones: register (officer), pair (phone), revoke (officer), and accept the phone's uploads.

Each do_* that writes is one durable transaction with one audit event. do_accept_uploads is the exception
by design: it verifies the signature, then hands the batch to the one durable action that fits
(do_store_uploads, or do_refuse_uploads for a revoked phone).
"""

import base64
import binascii
import datetime
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from gonghui.accounts.models import User
from gonghui.collect.envelope import Envelope, open_envelope
from gonghui.collect.models import CollectorDevice, DeviceUpload
from gonghui.collect.queries import (
    DEVICE_UNIT_KINDS,
    RANK_ENROL,
    RANK_MANAGE_DEVICES,
    attributable_meetings,
    collectable_unions,
    token_hash,
)
from gonghui.collect.schemas import RecordIn, ResponseRecordIn, UploadItem
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
from gonghui.meetings.actions import ResponseIdTaken, WrongQuestionnaire, store_response
from gonghui.meetings.models import Meeting, QuestionnaireVersion, Response, ResponseChannel
from gonghui.members.actions import EnrolmentData, EnrolmentOutcome, EnrolmentRequest, enrol_many
from gonghui.members.models import Channel
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import rank_at

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


class MeetingNotAllowed(InvalidInput):
    """Not raised: a record naming a meeting the phone may not use is still enrolled (a worker's
    application is not lost over where it was taken), only without the meeting; the answer and the
    device's upload log carry this code and message as a warning."""

    code = "meeting_not_allowed"
    default_message = _(
        "Received, but not counted for the chosen meeting: it is cancelled, closed or outside this phone's area."
    )


class ResponseMeetingNotAllowed(InvalidInput):
    code = "response_meeting_not_allowed"
    default_message = _(
        "Not stored: the questionnaire's meeting is cancelled, was closed before it was filled in, or is "
        "outside this phone's area."
    )


RESPONSE_STORED = _("Received; the answers count for the meeting.")

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
    warnings: list[str] = field(default_factory=list)
    response_id: int | None = None


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
def do_refuse_uploads(
    *,
    device: CollectorDevice,
    client_uuids: list[uuid.UUID],
    error: DomainError,
    now: datetime.datetime | None = None,
) -> list[DeviceUpload]:
    """Log the records of a device that may no longer upload (revoked, collector inactive), so the
    officer sees the attempt. Acted by the device on its collector's behalf, hence no acting_user."""
    now = now or timezone.now()
    logged = DeviceUpload.objects.bulk_create(
        DeviceUpload(
            device=device,
            client_uuid=client_uuid,
            received_at=now,
            outcome=DeviceUpload.Outcome.REFUSED,
            code=error.code,
            message=error.message[:300],
        )
        for client_uuid in client_uuids
    )
    record_event(
        acting_user=device.user,
        event_type="collect_upload_refused",
        obj=device,
        unit=device.unit,
        details={"code": error.code, "records": len(logged)},
        now=now,
    )
    return logged


@transaction.atomic(durable=True)
def do_store_uploads(
    *, device: CollectorDevice, uploads: list[UploadItem], now: datetime.datetime | None = None
) -> list[UploadResult]:
    """Open and enrol a batch of records from a phone whose signature was checked, in one transaction:
    device, roles and unions are read once per batch and the enrolments written in bulk (enrol_many).
    Each record gets its answer and a DeviceUpload row; the batch gets one audit event of its own besides
    each enrolment's. A race with a concurrent copy of a record raises Conflict for the whole batch: the
    phone keeps every record of it and sends them again."""
    now = now or timezone.now()
    answers: dict[int, DomainError] = {}
    requests: dict[int, EnrolmentRequest] = {}
    records: dict[int, RecordIn] = {}
    responses: dict[int, ResponseRecordIn] = {}
    for i, upload in enumerate(uploads):
        try:
            read = _read_record(upload)
        except DomainError as error:
            answers[i] = error
            continue
        if isinstance(read, ResponseRecordIn):
            responses[i] = read
        else:
            records[i] = read
    wanted = {record.union_id for record in records.values()}
    unions = {union.pk: union for union in collectable_unions(device).filter(pk__in=wanted)} if wanted else {}
    meeting_ids = {record.meeting_id for record in records.values() if record.meeting_id is not None}
    meeting_ids |= {response.meeting_id for response in responses.values()}
    meetings = (
        {
            meeting.pk: meeting
            for meeting in attributable_meetings(device)
            .filter(pk__in=meeting_ids)
            .select_related("organiser")
        }
        if meeting_ids
        else {}
    )
    dropped: set[int] = set()
    for i, record in records.items():
        if record.union_id not in unions:
            answers[i] = UnionNotAllowed(field="union")
            continue
        union = unions[record.union_id]
        meeting = meetings.get(record.meeting_id) if record.meeting_id is not None else None
        if record.meeting_id is not None and not _may_attribute(meeting, union, record):
            dropped.add(i)
            meeting = None
        requests[i] = EnrolmentRequest(
            union=union,
            data=EnrolmentData.from_form(record, meeting=meeting),
            consent_given=record.consent,
            client_uuid=uploads[i].record_uuid,
        )
    outcomes = enrol_many(
        acting_user=device.user, channel=Channel.STAFF_MOBILE, requests=list(requests.values()), now=now
    )
    results: dict[int, EnrolmentOutcome | DomainError] = dict(answers)
    results.update(zip(requests, outcomes, strict=True))
    stored = _store_responses(device, responses, meetings, now) if responses else {}
    answered = [
        stored[i] if i in stored else _answer(uploads[i].record_uuid, results[i], i in dropped)
        for i in range(len(uploads))
    ]
    DeviceUpload.objects.bulk_create(
        DeviceUpload(
            device=device,
            client_uuid=result.record_uuid,
            received_at=now,
            outcome=DeviceUpload.Outcome.ACCEPTED
            if result.status == "accepted"
            else DeviceUpload.Outcome.REJECTED,
            code=result.code[:64],
            message=result.message[:300] if result.status == "rejected" or result.warnings else "",
            membership_id=result.membership_id,
        )
        for result in answered
    )
    rejected = sorted(result.code for result in answered if result.status == "rejected")
    details: dict[str, Any] = {"accepted": len(answered) - len(rejected), "rejected": rejected}
    if responses:
        details["responses"] = len(responses)
    if dropped_count := sum(1 for result in answered if result.warnings):
        details[MeetingNotAllowed.code] = dropped_count
    record_event(
        acting_user=device.user,
        event_type="collect_uploads_stored",
        obj=device,
        unit=device.unit,
        details=details,
        now=now,
    )
    return answered


def _store_responses(
    device: CollectorDevice,
    responses: dict[int, ResponseRecordIn],
    meetings: dict[int, Meeting],
    now: datetime.datetime,
) -> dict[int, UploadResult]:
    """Questionnaires filled in on the phone, each stored with meetings' rules (store_response, channel
    STAFF_MOBILE, the record UUID as its idempotency key) inside the batch's transaction. The device's
    authorisation stands in for a role at the organiser: the meeting must be one the phone may use
    (attributable_meetings, looked up with the enrolments' meetings) and a closed one must have been
    open when the questionnaire was filled in. The collector must still hold an enrolling role over the
    device's unit. A response to an older version of the meeting's questionnaire is stored against that
    version, as meetings' versioning keeps answers tied to the questions they answered."""
    results: dict[int, UploadResult] = {}
    versions = {
        version.pk: version
        for version in QuestionnaireVersion.objects.filter(
            pk__in={response.version_id for response in responses.values()}
        ).select_related("questionnaire")
    }
    uuids = [response.record_uuid for response in responses.values()]
    # Already stored: the answer repeats the first one, whatever became of the meeting since (a phone
    # that lost the answer must not see its stored record "rejected" because the meeting closed).
    earlier = {
        client_uuid: (collected_by_id, pk)
        for client_uuid, collected_by_id, pk in Response.objects.filter(client_uuid__in=uuids).values_list(
            "client_uuid", "collected_by_id", "pk"
        )
    }
    may_collect = rank_at(device.user, device.unit) >= RANK_ENROL
    for i, response in responses.items():
        uuid_ = response.record_uuid
        if uuid_ in earlier:
            collected_by_id, response_id = earlier[uuid_]
            if collected_by_id != device.user.pk:
                taken = ResponseIdTaken(field="client_uuid")
                results[i] = UploadResult(uuid_, "rejected", taken.code, taken.message)
            else:
                message = str(ACCEPTED_MESSAGES["replayed"])
                results[i] = UploadResult(uuid_, "accepted", "replayed", message, response_id=response_id)
            continue
        meeting = meetings.get(response.meeting_id)
        version = versions.get(response.version_id)
        try:
            if not may_collect:
                raise Forbidden()
            if meeting is None or not _meeting_open_at(meeting, response.collected_at):
                raise ResponseMeetingNotAllowed(field="meeting")
            if version is None:
                raise WrongQuestionnaire(field="version")
            stored = store_response(
                version=version,
                answers=dict(response.answers),
                channel=ResponseChannel.STAFF_MOBILE,
                meeting=meeting,
                acting_user=device.user,
                client_uuid=uuid_,
                now=now,
            )
        except ResponseIdTaken as error:
            results[i] = UploadResult(uuid_, "rejected", error.code, error.message)
            continue
        except Conflict:
            raise  # a concurrent copy being stored: the whole batch is sent again
        except DomainError as error:
            results[i] = UploadResult(uuid_, "rejected", error.code, error.message)
            continue
        # The same record twice in one batch: the second is a replay of the first.
        earlier[uuid_] = (device.user.pk, stored.pk)
        results[i] = UploadResult(uuid_, "accepted", "answered", str(RESPONSE_STORED), response_id=stored.pk)
    return results


def _meeting_open_at(meeting: Meeting, collected_at: datetime.datetime | None) -> bool:
    if meeting.status == Meeting.Status.CLOSED:
        return (
            collected_at is not None and meeting.closed_at is not None and collected_at <= meeting.closed_at
        )
    return True


def _may_attribute(meeting: Any, union: OrgUnit, record: RecordIn) -> bool:
    """The meeting is one the device may use (looked up above), the union is under its organiser (as
    for do_attribute_memberships), and a closed meeting was still open when the record was taken."""
    if meeting is None or not union.is_within(meeting.organiser):
        return False
    if meeting.status == meeting.Status.CLOSED:
        return record.collected_at is not None and record.collected_at <= meeting.closed_at
    return True


def _answer(
    record_uuid: uuid.UUID, result: "EnrolmentOutcome | DomainError", meeting_dropped: bool = False
) -> UploadResult:
    if isinstance(result, DomainError):
        return UploadResult(record_uuid, "rejected", result.code, result.message)
    if meeting_dropped and result.kind != "replayed":
        return UploadResult(
            record_uuid,
            "accepted",
            result.kind,
            str(MeetingNotAllowed.default_message),
            result.membership.pk,
            warnings=[MeetingNotAllowed.code],
        )
    message = str(ACCEPTED_MESSAGES.get(result.kind, ""))
    return UploadResult(record_uuid, "accepted", result.kind, message, result.membership.pk)


def _read_record(upload: UploadItem) -> RecordIn | ResponseRecordIn:
    """The sealed record: an enrolment (no "kind", or "enrolment") or a questionnaire ("response")."""
    envelope = Envelope(**upload.envelope.dict())
    plaintext = open_envelope(envelope, record_uuid=upload.record_uuid)
    # The request middleware cannot see inside the envelope, so the NUL check it does for every other
    # input is repeated here (PostgreSQL would fail on it with a 500); "\u0000" is how JSON spells it.
    if b"\x00" in plaintext or b"\\u0000" in plaintext:
        raise NulCharacter()
    record: RecordIn | ResponseRecordIn
    try:
        data = json.loads(plaintext)
        schema = ResponseRecordIn if isinstance(data, dict) and data.get("kind") == "response" else RecordIn
        record = schema.model_validate(data)
    except (ValueError, ValidationError):
        raise RecordInvalid() from None
    if record.record_uuid != upload.record_uuid:
        raise RecordInvalid()
    return record


def do_accept_uploads(
    *,
    signed: SignedRequest,
    device_id: uuid.UUID,
    uploads: list[UploadItem],
    now: datetime.datetime | None = None,
) -> list[UploadResult]:
    """Records from a phone (one, or a batch of its queue): verify the signature, refuse a revoked
    device (logged), then do_store_uploads. Idempotent on each record's UUID: a record sent twice is
    stored once, and the second answer repeats the first's membership.

    Device-level failures raise (4xx for the whole request). Record-level failures — a bad resident ID,
    no consent — are a final "rejected" answer the phone shows next to the record. Not a transaction
    itself: it chooses which durable action records what happened.
    """
    now = now or timezone.now()
    device = verify_signed_request(signed, now=now)
    if device_id != device.public_id:
        raise SignatureInvalid()
    refusal: DomainError | None = None
    if device.status == CollectorDevice.Status.REVOKED:
        refusal = DeviceRevoked()
    elif not device.user.is_active:
        refusal = CollectorInactive()
    if refusal is not None:
        do_refuse_uploads(
            device=device, client_uuids=[upload.record_uuid for upload in uploads], error=refusal, now=now
        )
        raise refusal
    return do_store_uploads(device=device, uploads=uploads, now=now)
