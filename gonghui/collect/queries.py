import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.collect.envelope import ALGORITHM
from gonghui.collect.keys import server_key
from gonghui.collect.models import CollectorDevice, DeviceUpload
from gonghui.core.pii import secret_digest
from gonghui.meetings.models import Meeting, Questionnaire
from gonghui.meetings.queries import current_version, questionnaire_definition
from gonghui.members.actions import RANK_ENROL
from gonghui.members.queries import MEMBER_UNION_KINDS
from gonghui.orgs.models import PARTNER_ROLES, ROLE_RANK, OrgUnit, Role, RoleAssignment
from gonghui.orgs.scope import path_q

# Chairs look after their own union's phones; street officers and above after their whole area's.
RANK_MANAGE_DEVICES = ROLE_RANK[Role.UNION_CHAIR]
# A phone collects for a street federation (several workplaces) or for one union, never for a whole
# district: the union list it carries must stay short enough to pick from on a phone.
DEVICE_UNIT_KINDS = (OrgUnit.Kind.STREET, OrgUnit.Kind.GRASSROOTS, OrgUnit.Kind.JOINT)


def token_hash(token: str) -> str:
    return secret_digest(token)


def devices_in_scope(acting_user: Any) -> QuerySet[CollectorDevice]:
    return CollectorDevice.objects.filter(path_q(acting_user, "unit__path", min_rank=RANK_MANAGE_DEVICES))


def list_devices(*, acting_user: Any, status: str | None = None) -> QuerySet[CollectorDevice]:
    """Devices in the officer's area with their last upload and how many uploads were turned away."""
    devices = (
        devices_in_scope(acting_user)
        .select_related("user", "unit")
        .annotate(
            last_upload_at=Max("uploads__received_at"),
            refused_count=Count("uploads", filter=~Q(uploads__outcome=DeviceUpload.Outcome.ACCEPTED)),
        )
    )
    if status:
        devices = devices.filter(status=status)
    return devices.order_by("-created_at", "-pk")


@dataclass
class DeviceActivity:
    uploads: list[DeviceUpload]  # the latest, newest first
    accepted: int
    not_accepted: int


def get_device_activity(*, device: CollectorDevice, latest: int = 100) -> DeviceActivity:
    """What a device has sent (the caller has already checked that the device is in scope)."""
    counts = device.uploads.aggregate(
        accepted=Count("pk", filter=Q(outcome=DeviceUpload.Outcome.ACCEPTED)),
        not_accepted=Count("pk", filter=~Q(outcome=DeviceUpload.Outcome.ACCEPTED)),
    )
    uploads = device.uploads.select_related(
        "membership__union", "membership__meeting", "membership__person"
    ).order_by("-received_at", "-pk")[:latest]
    return DeviceActivity(list(uploads), counts["accepted"], counts["not_accepted"])


def collectable_unions(device: CollectorDevice) -> QuerySet[OrgUnit]:
    """Unions a record from this device may enrol into: active member unions under the device's unit."""
    return OrgUnit.objects.filter(
        path__startswith=device.unit.path, kind__in=MEMBER_UNION_KINDS, status=OrgUnit.Status.ACTIVE
    ).order_by("path")


# The meetings a phone lists: from yesterday (a record taken late in the evening) to a week ahead (a
# phone loaded the evening before, or on Monday for the week, works offline at the meeting), at most 50.
MEETINGS_BEFORE = datetime.timedelta(days=1)
MEETINGS_AHEAD = datetime.timedelta(days=7)
MAX_DEVICE_MEETINGS = 50
# A record may name a meeting that is still open, or one closed after the record was taken (a phone
# that was offline for days sends it late).
ATTRIBUTABLE_STATUSES = (Meeting.Status.PLANNED, Meeting.Status.HELD, Meeting.Status.CLOSED)


def _ancestor_paths(path: str) -> list[str]:
    """ "1/5/12/" -> ["1/", "1/5/", "1/5/12/"]."""
    parts = path.strip("/").split("/")
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def attributable_meetings(device: CollectorDevice) -> QuerySet[Meeting]:
    """Meetings a record from this device may be attributed to, whatever their date: those organised in
    the device's subtree, and those its own unit's street or district (an ancestor) organises — the
    street's 沟通会 in a company's lobby is where that company's union collects. Not cancelled."""
    return Meeting.objects.filter(
        Q(organiser__path__startswith=device.unit.path)
        | Q(organiser__path__in=_ancestor_paths(device.unit.path)),
        status__in=ATTRIBUTABLE_STATUSES,
    )


def device_meetings(device: CollectorDevice, *, now: datetime.datetime) -> QuerySet[Meeting]:
    """The meetings the phone offers in its picker: open (planned or held) and taking place between the
    start of yesterday and a week after today, nearest first."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        attributable_meetings(device)
        .filter(
            status__in=[Meeting.Status.PLANNED, Meeting.Status.HELD],
            starts_at__gte=today - MEETINGS_BEFORE,
            starts_at__lt=today + datetime.timedelta(days=1) + MEETINGS_AHEAD,
        )
        .select_related("organiser", "enterprise", "worksite")
        .order_by("starts_at", "pk")[:MAX_DEVICE_MEETINGS]
    )


def device_units(*, acting_user: Any) -> QuerySet[OrgUnit]:
    """Units the officer may register a phone for."""
    return OrgUnit.objects.filter(
        path_q(acting_user, "path", min_rank=RANK_MANAGE_DEVICES),
        kind__in=DEVICE_UNIT_KINDS,
        status=OrgUnit.Status.ACTIVE,
    ).order_by("path")


def device_collectors(*, acting_user: Any) -> QuerySet[User]:
    """Active staff who hold a role that may enrol members somewhere in the officer's area."""
    enrol_roles = [
        role for role, rank in ROLE_RANK.items() if rank >= RANK_ENROL and role not in PARTNER_ROLES
    ]
    holders = RoleAssignment.objects.filter(
        path_q(acting_user, "unit__path", min_rank=RANK_MANAGE_DEVICES),
        role__in=enrol_roles,
        revoked_at__isnull=True,
    )
    return User.objects.filter(pk__in=holders.values("user_id"), is_active=True).order_by("username")


def find_pairing_device(*, token: str, now: datetime.datetime) -> CollectorDevice | None:
    """The device a pairing link is for, while the link is still good (for the pairing page)."""
    return (
        CollectorDevice.objects.select_related("user", "unit")
        .filter(
            pairing_token_hash=token_hash(token),
            status=CollectorDevice.Status.PENDING_PAIRING,
            pairing_expires_at__gt=now,
        )
        .first()
    )


def _meeting_union_ids(meeting: Meeting, device: CollectorDevice, unions: list[OrgUnit]) -> list[int] | None:
    """The phone's unions a record at this meeting may join (under its organiser, as the server checks);
    None for all of them: the meeting is organised by the device's unit or one above it."""
    if device.unit.path.startswith(meeting.organiser.path):
        return None
    return [union.pk for union in unions if union.path.startswith(meeting.organiser.path)]


def _questionnaires(meetings: list[Meeting]) -> dict[int, dict[str, Any]]:
    """The current version of each listed meeting's questionnaire, once per questionnaire (the street's
    weekly meetings share one), so the phone can render it offline."""
    wanted = {meeting.questionnaire_id for meeting in meetings if meeting.questionnaire_id}
    definitions = {}
    for questionnaire in Questionnaire.objects.filter(pk__in=wanted):
        definitions[questionnaire.pk] = questionnaire_definition(current_version(questionnaire))
    return definitions


def get_device_config(*, device: CollectorDevice, now: datetime.datetime) -> dict[str, Any]:
    """What the phone keeps for offline work: its identity, its unions and meetings, the key to encrypt
    records to."""
    key = server_key()
    unions = list(collectable_unions(device))
    meetings = list(device_meetings(device, now=now))
    questionnaires = _questionnaires(meetings)
    return {
        "device_id": device.public_id,
        "name": device.name,
        "status": device.status,
        "collector_name": device.user.display_name or device.user.username,
        "unit_name": device.unit.name,
        "unions": [{"id": union.pk, "name": union.name} for union in unions],
        "meetings": [
            {
                "id": meeting.pk,
                "title": meeting.title,
                "starts_at": meeting.starts_at,
                "place": meeting.place_name,
                "union_ids": _meeting_union_ids(meeting, device, unions),
                "questionnaire": questionnaires.get(meeting.questionnaire_id)
                if meeting.questionnaire_id
                else None,
            }
            for meeting in meetings
        ],
        "server_key": {"alg": ALGORITHM, "kid": key.key_id, "spki": key.spki_b64},
        "policy_version": settings.GONGHUI_PRIVACY_POLICY_VERSION,
        "server_time": int(now.timestamp()),
    }
