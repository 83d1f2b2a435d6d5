"""Enrolment: the form every channel delivers, and do_enrol_member / enrol_many, the rules that turn a
record into a new, merged or transferred membership (field phone, self-service QR, console)."""

import datetime
import uuid
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import build_event, record_events
from gonghui.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from gonghui.core.phones import normalise_phone
from gonghui.core.pii import blind_index
from gonghui.core.text import TextKind, clean_text
from gonghui.enterprises.models import Enterprise, Worksite
from gonghui.members.models import (
    Channel,
    Consent,
    Education,
    EmploymentStatus,
    EnrolmentReceipt,
    HukouType,
    Membership,
    Person,
    PoliticalStatus,
    Transfer,
)
from gonghui.members.validators import WARNING_AREA_UNKNOWN, CheckedResidentId, check_resident_id
from gonghui.orgs.models import ROLE_RANK, OrgUnit, Role
from gonghui.orgs.scope import rank_at

if TYPE_CHECKING:
    from gonghui.meetings.models import Meeting


RANK_ENROL = ROLE_RANK[Role.COLLECTOR]
RANK_REVIEW = ROLE_RANK[Role.UNION_CHAIR]
WARNING_PHONE_SHARED = "phone_shared"
# Person fields an application may fill; a differing value never overwrites a stored one.
PERSON_FIELDS = (
    "name",
    "phone",
    "ethnicity",
    "education",
    "political_status",
    "hukou_type",
    "is_migrant_worker",
)


class ConsentRequired(InvalidInput):
    code = "consent_required"
    default_message = _("The person must agree to the privacy notice before their data can be collected.")


class AreaCodeUnknown(DomainError):
    code = WARNING_AREA_UNKNOWN
    default_message = _(
        "The first six digits of this resident ID are not a known area code for its birth year. This happens "
        "with real IDs issued after re-districting: check the card, then confirm to continue."
    )
    status = 409


class PendingElsewhere(Conflict):
    code = "membership_pending_elsewhere"
    default_message = _(
        "An application for this person is already being handled by another union; it cannot be handled here."
    )


class RecordIdTaken(Conflict):
    code = "record_id_taken"
    default_message = _("This record id has already been used; send the record with a new id.")


class NotAMemberUnion(InvalidInput):
    code = "membership_union_kind"
    default_message = _("Members join a grassroots or joint grassroots union, not %(name)s.")


@dataclass
class EnrolmentData:
    """The national real-name collection form, as any channel delivers it."""

    name: str
    resident_id: str
    phone: str = ""
    ethnicity: str = ""
    education: str = ""
    political_status: str = ""
    hukou_type: str = ""
    is_migrant_worker: bool = False
    employer: Enterprise | None = None
    employer_name: str = ""
    employment_status: str = EmploymentStatus.EMPLOYED
    worksite: Worksite | None = None
    # The 沟通会 the application was made at (set by the caller, never read from a form).
    meeting: "Meeting | None" = None

    @classmethod
    def from_form(cls, values: Any, **objects: Any) -> "EnrolmentData":
        """From any source that names the form's fields (cleaned form data, an API payload, a decrypted
        phone record); `objects` adds the looked-up employer and worksite."""
        get = values.get if isinstance(values, dict) else lambda name, default: getattr(values, name, default)
        plain = {
            f.name: get(f.name, f.default)
            for f in fields(cls)
            if f.name not in ("employer", "worksite", "meeting")
        }
        return cls(**plain, **objects)


@dataclass
class EnrolmentOutcome:
    """kind: created | merged | transfer_proposed | already_member | replayed"""

    kind: str
    membership: Membership
    transfer: Transfer | None = None
    warnings: list[str] = field(default_factory=list)


# Computed once: `TextChoices.values` builds a new list on every access, and this runs for every roster
# row and every phone record.
_CHOICE_VALUES: tuple[tuple[str, frozenset[str]], ...] = (
    ("education", frozenset(Education.values)),
    ("political_status", frozenset(PoliticalStatus.values)),
    ("hukou_type", frozenset(HukouType.values)),
    ("employment_status", frozenset(EmploymentStatus.values)),
)


def _clean_form(data: EnrolmentData) -> EnrolmentData:
    # Every channel's enrolment passes here (console, API, phone, QR page, roster rows): the shared text
    # rules (core/text.py) decide what a name may hold.
    data.name = clean_text(data.name, TextKind.NAME, field="name")
    data.employer_name = clean_text(data.employer_name, TextKind.NAME, field="employer_name")
    data.ethnicity = clean_text(data.ethnicity, TextKind.LABEL, field="ethnicity")
    if not data.name or len(data.name) > 50:
        raise InvalidInput(_("Enter the name as on the ID card (at most 50 characters)."), field="name")
    data.phone = normalise_phone(data.phone, field="phone") if data.phone.strip() else ""
    for name, allowed in _CHOICE_VALUES:
        value = getattr(data, name)
        if value and value not in allowed:
            raise InvalidInput(_("Choose one of the listed options."), field=name)
    data.employer_name = data.employer_name.strip()[:200]
    data.ethnicity = data.ethnicity.strip()[:20]
    return data


def _compare_person(person: Person, data: EnrolmentData) -> tuple[list[str], list[str]]:
    """(fields the stored person lacks and the form has, warnings for values that differ)."""
    fillable, differs = [], []
    for name in PERSON_FIELDS:
        new, old = getattr(data, name), getattr(person, name)
        if new in ("", None, False):
            continue
        if old in ("", None, False):
            fillable.append(name)
        elif old != new:
            differs.append(f"field_differs:{name}")
    return fillable, differs


def _membership_fields(data: EnrolmentData) -> dict[str, Any]:
    return {
        "employer": data.employer,
        "employer_name": data.employer_name or (data.employer.name if data.employer else ""),
        "employment_status": data.employment_status or EmploymentStatus.EMPLOYED,
        "worksite": data.worksite,
        "meeting": data.meeting,
    }


# What a merge may fill on a waiting application: the keys of _membership_fields, and its warnings.
MERGE_UPDATE_FIELDS = ["warnings", "employer", "employer_name", "employment_status", "worksite", "meeting"]


@dataclass
class EnrolmentRequest:
    """One record to enrol, as a form, a phone record or a roster row delivers it."""

    union: OrgUnit
    data: EnrolmentData
    consent_given: bool
    client_uuid: uuid.UUID | None = None
    confirm_area_warning: bool = False


@transaction.atomic(durable=True)
def do_enrol_member(
    *,
    acting_user: Any,
    union: OrgUnit,
    data: EnrolmentData,
    channel: str,
    consent_given: bool,
    client_uuid: uuid.UUID | None = None,
    confirm_area_warning: bool = False,
    now: datetime.datetime | None = None,
) -> EnrolmentOutcome:
    """Enrol a person in `union`, whatever the channel.

    - the same client_uuid again (a phone re-sending after a timeout): the stored record, nothing new;
    - already active in this union: nothing new;
    - already active in another union: a pending membership here and a transfer proposal;
    - already pending anywhere: merged into that application (blank fields filled, differences flagged);
    - otherwise a new membership, ACTIVE when an officer enters it at the console or by import, PENDING
      (for review) from a phone or self-service.
    """
    request = EnrolmentRequest(union, data, consent_given, client_uuid, confirm_area_warning)
    (result,) = enrol_many(acting_user=acting_user, channel=channel, requests=[request], now=now)
    if isinstance(result, DomainError):
        raise result
    return result


def enrol_many(
    *,
    acting_user: Any,
    channel: str,
    requests: list[EnrolmentRequest],
    now: datetime.datetime | None = None,
) -> list[EnrolmentOutcome | DomainError]:
    """do_enrol_member's rules for a batch of records, one result per request in order.

    Set-based: a few queries and one bulk insert per table for the whole batch, where one record at a
    time costs a dozen statements each (a phone's queue arrives in batches; see docs/performance.md).
    It runs inside the caller's durable transaction and writes one audit event per record. A record the
    rules refuse comes back as its DomainError and leaves nothing behind, because every refusal is decided
    before anything is written; a race with a concurrent enrolment of the same person or record raises
    Conflict for the whole batch, which the caller retries.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("enrol_many must run inside the calling action's transaction")
    if channel not in Channel.values:
        raise InvalidInput(field="channel")
    batch = _EnrolmentBatch(acting_user, channel, now or timezone.now())
    return batch.run(requests)


@dataclass
class _Checked:
    request: EnrolmentRequest
    data: EnrolmentData
    resident_id: CheckedResidentId
    id_index: str
    phone_index: str
    warnings: list[str]


class _EnrolmentBatch:
    """Reads what the batch needs up front, decides each record in order against that state (updated as
    it goes, so two records for one person in a batch behave as if sent one after the other), then
    writes everything at once."""

    def __init__(self, acting_user: Any, channel: str, now: datetime.datetime) -> None:
        self.acting_user = acting_user
        self.actor = acting_user if getattr(acting_user, "pk", None) else None
        self.channel = channel
        self.now = now
        self.officer_present = channel in (Channel.CONSOLE, Channel.IMPORT)
        self.receipts: dict[uuid.UUID, EnrolmentReceipt] = {}
        self.persons: dict[str, Person] = {}  # by resident-ID blind index
        self.held: dict[str, dict[str, Membership]] = {}  # index -> status (ACTIVE/PENDING) -> membership
        self.phone_owners: dict[str, set[str]] = {}  # phone index -> resident-ID indexes
        self.phones_loaded: set[str] = set()
        self.new_persons: list[Person] = []
        self.changed_persons: dict[str, tuple[Person, set[str]]] = {}  # index -> (person, fields)
        self.new_memberships: list[Membership] = []
        self.changed_memberships: dict[int, Membership] = {}  # merged into: pk -> membership
        self.new_receipts: list[EnrolmentReceipt] = []
        self.consents: list[Consent] = []
        self.transfers: list[Transfer] = []
        self.events: list[dict[str, Any]] = []

    def run(self, requests: list[EnrolmentRequest]) -> list[EnrolmentOutcome | DomainError]:
        results: list[EnrolmentOutcome | DomainError | None] = [None] * len(requests)
        # A record id repeated in the batch (a phone re-queued it) goes in a later round, so it is
        # answered as it would be if sent again afterwards: from what the first copy became.
        rounds: list[dict[int, EnrolmentRequest]] = []
        copies: dict[uuid.UUID, int] = {}
        for i, request in enumerate(requests):
            n = 0
            if request.client_uuid is not None:
                n = copies[request.client_uuid] = copies.get(request.client_uuid, -1) + 1
            while len(rounds) <= n:
                rounds.append({})
            rounds[n][i] = request
        for round_requests in rounds:
            self._run_round(round_requests, results)
        self._write()
        return [result for result in results if result is not None]

    def _run_round(
        self, requests: dict[int, EnrolmentRequest], results: list[EnrolmentOutcome | DomainError | None]
    ) -> None:
        admitted = {}
        for i, request in requests.items():
            try:
                self._admit(request)
            except DomainError as error:
                results[i] = error
            else:
                admitted[i] = request
        self._load_receipts([r.client_uuid for r in admitted.values() if r.client_uuid is not None])
        checked: dict[int, _Checked] = {}
        for i, request in admitted.items():
            try:
                replay = self._replay(request)
                if replay is not None:
                    results[i] = replay
                else:
                    checked[i] = self._check(request)
            except DomainError as error:
                results[i] = error
        self._load_people(list(checked.values()))
        for i, item in checked.items():
            try:
                results[i] = self._decide(item)
            except DomainError as error:
                results[i] = error

    # -- checks that need no stored state ---------------------------------------------------------------
    def _admit(self, request: EnrolmentRequest) -> None:
        union = request.union
        if self.channel != Channel.SELF_SERVICE and rank_at(self.acting_user, union) < RANK_ENROL:
            raise Forbidden()
        if (
            union.kind not in (OrgUnit.Kind.GRASSROOTS, OrgUnit.Kind.JOINT)
            or union.status != OrgUnit.Status.ACTIVE
        ):
            raise NotAMemberUnion(field="union", name=union.name)
        if not request.consent_given:
            raise ConsentRequired(field="consent")

    def _check(self, request: EnrolmentRequest) -> _Checked:
        checked = check_resident_id(request.data.resident_id)
        data = _clean_form(request.data)
        warnings = list(checked.warnings)
        if WARNING_AREA_UNKNOWN in warnings and self.officer_present and not request.confirm_area_warning:
            raise AreaCodeUnknown(field="resident_id")
        return _Checked(
            request=request,
            data=data,
            resident_id=checked,
            id_index=blind_index(checked.number, purpose="resident_id"),
            phone_index=blind_index(data.phone, purpose="phone") if data.phone else "",
            warnings=warnings,
        )

    # -- reads, once per batch --------------------------------------------------------------------------
    # Additive: a later round reads only what the earlier ones have not, and never replaces what they
    # planned (a receipt, a person or an application not written yet).
    def _load_receipts(self, client_uuids: list[uuid.UUID]) -> None:
        unknown = [client_uuid for client_uuid in client_uuids if client_uuid not in self.receipts]
        if unknown:
            found = EnrolmentReceipt.objects.filter(client_uuid__in=unknown).select_related(
                "membership__person", "membership__union"
            )
            self.receipts.update((receipt.client_uuid, receipt) for receipt in found)

    def _load_people(self, items: list[_Checked]) -> None:
        id_indexes = {item.id_index for item in items} - self.held.keys()
        if id_indexes:
            persons = {
                person.resident_id_index: person
                for person in Person.objects.select_for_update().filter(resident_id_index__in=id_indexes)
            }
            self.persons.update(persons)
            self.held.update((index, {}) for index in id_indexes)
            index_of = {person.pk: index for index, person in persons.items()}
            # Locked (only the membership rows, not their unions): a reviewer approving an application
            # while this batch merges into it waits, instead of having the approval written over.
            memberships = (
                Membership.objects.select_for_update(of=("self",))
                .filter(
                    person_id__in=index_of, status__in=[Membership.Status.ACTIVE, Membership.Status.PENDING]
                )
                .select_related("union")
            )
            for membership in memberships if index_of else ():
                membership.person = self.persons[index_of[membership.person_id]]
                self.held[index_of[membership.person_id]][membership.status] = membership
        phone_indexes = {item.phone_index for item in items if item.phone_index} - self.phones_loaded
        if phone_indexes:
            owners = Person.objects.filter(phone_index__in=phone_indexes).values_list(
                "phone_index", "resident_id_index"
            )
            for phone_index, id_index in owners:
                self.phone_owners.setdefault(phone_index, set()).add(id_index)
            self.phones_loaded |= phone_indexes

    # -- the rules, one record at a time ----------------------------------------------------------------
    def _replay(self, request: EnrolmentRequest) -> EnrolmentOutcome | None:
        receipt = self.receipts.get(request.client_uuid) if request.client_uuid is not None else None
        if receipt is None:
            return None
        # Only the sender of a record may learn what became of it: a record id is not a search key.
        if receipt.collected_by_id != (self.actor.pk if self.actor else None):
            raise RecordIdTaken(field="client_uuid")
        replayed = receipt.membership
        self._event("enrolment_replayed", replayed, replayed.union)
        return EnrolmentOutcome("replayed", replayed, warnings=list(replayed.warnings))

    def _decide(self, item: _Checked) -> EnrolmentOutcome:
        request, data, union = item.request, item.data, item.request.union
        person = self.persons.get(item.id_index)
        held = self.held[item.id_index]
        active, pending = held.get(Membership.Status.ACTIVE), held.get(Membership.Status.PENDING)
        already_member = active is not None and active.union_id == union.pk
        if (
            not already_member
            and pending is not None
            and pending.union_id != union.pk
            and rank_at(self.acting_user, pending.union) < RANK_ENROL
        ):
            # The application waits in a union this actor cannot see: merging would write into it and
            # tell the actor where it is. Say only that it cannot be handled here.
            raise PendingElsewhere()

        # Nothing below refuses the record: from here on it is planned for writing.
        warnings = item.warnings
        if item.phone_index and self.phone_owners.get(item.phone_index, set()) - {item.id_index}:
            warnings.append(WARNING_PHONE_SHARED)
        person_changed: list[str] = []
        if person is None:
            person = Person(
                resident_id=item.resident_id.number,
                birth_date=item.resident_id.birth_date,
                gender=item.resident_id.gender,
                created_at=self.now,
                updated_at=self.now,
                **{name: getattr(data, name) for name in PERSON_FIELDS},
            )
            self.persons[item.id_index] = person
            self.new_persons.append(person)
            phone_stored = bool(data.phone)
        else:
            # Officers at the console or importing may complete a stored person; what arrives from a
            # phone or a public QR form never changes a stored record, differences only go to the reviewer.
            filled, differs = _compare_person(person, data)
            if self.officer_present and filled:
                for name in filled:
                    setattr(person, name, getattr(data, name))
                person.updated_at = self.now
                if person.pk is not None:
                    _, earlier = self.changed_persons.get(item.id_index, (person, set()))
                    self.changed_persons[item.id_index] = (person, earlier | set(filled))
                person_changed = filled
            warnings += differs + ([] if self.officer_present else [f"field_differs:{n}" for n in filled])
            phone_stored = "phone" in person_changed
        if phone_stored:
            # Only a phone that is stored makes later records with it "shared".
            self.phone_owners.setdefault(item.phone_index, set()).add(item.id_index)

        if already_member:
            assert active is not None
            self._receipt(request.client_uuid, active)
            self._event("enrolment_already_member", active, union)
            return EnrolmentOutcome("already_member", active, warnings=warnings)
        if pending is not None:
            pending.warnings = sorted(set(pending.warnings) | set(warnings))
            for key, value in _membership_fields(data).items():
                if not getattr(pending, key) and value:
                    setattr(pending, key, value)
            if pending.pk is not None:
                self.changed_memberships[pending.pk] = pending
            self._consent(pending)
            self._receipt(request.client_uuid, pending)
            self._event(
                "enrolment_merged",
                pending,
                pending.union,
                changed_fields=["warnings", "consents", *person_changed],
                details={"channel": self.channel, "into_union_id": pending.union_id},
            )
            return EnrolmentOutcome("merged", pending, warnings=pending.warnings)

        status = Membership.Status.PENDING
        if active is None and self.officer_present and rank_at(self.acting_user, union) >= RANK_REVIEW:
            status = Membership.Status.ACTIVE
        membership = Membership(
            person=person,
            union=union,
            status=status,
            channel=self.channel,
            applied_at=self.now,
            joined_date=timezone.localdate(self.now) if status == Membership.Status.ACTIVE else None,
            collected_by=self.actor,
            client_uuid=request.client_uuid,
            warnings=sorted(set(warnings)),
            reviewed_by=self.actor if status == Membership.Status.ACTIVE else None,
            reviewed_at=self.now if status == Membership.Status.ACTIVE else None,
            **_membership_fields(data),
        )
        held[status] = membership
        self.new_memberships.append(membership)
        self._consent(membership)
        self._receipt(request.client_uuid, membership)
        transfer = None
        if active is not None:
            transfer = Transfer(
                person=person,
                from_membership=active,
                to_membership=membership,
                proposed_by=self.actor,
                proposed_at=self.now,
            )
            self.transfers.append(transfer)
        self._event(
            "transfer_proposed" if transfer else "member_enrolled",
            membership,
            union,
            changed_fields=[f.name for f in fields(EnrolmentData)] + person_changed,
            details={"channel": self.channel, "status": status, "warnings": sorted(set(warnings))}
            | ({"from_union_id": active.union_id} if active is not None else {}),
        )
        return EnrolmentOutcome(
            "transfer_proposed" if transfer else "created", membership, transfer, warnings
        )

    # -- what the decisions write -----------------------------------------------------------------------
    def _receipt(self, client_uuid: uuid.UUID | None, membership: Membership) -> None:
        if client_uuid is not None:
            receipt = EnrolmentReceipt(
                client_uuid=client_uuid, membership=membership, collected_by=self.actor, received_at=self.now
            )
            self.receipts[client_uuid] = receipt
            self.new_receipts.append(receipt)

    def _consent(self, membership: Membership) -> None:
        self.consents.append(
            Consent(
                membership=membership,
                policy_version=settings.GONGHUI_PRIVACY_POLICY_VERSION,
                consented_at=self.now,
                channel=self.channel,
                collected_by=self.actor,
            )
        )

    def _event(self, event_type: str, obj: Membership, unit: OrgUnit, **extra: Any) -> None:
        # Built after the inserts: the membership may not have its primary key yet.
        self.events.append({"event_type": event_type, "obj": obj, "unit": unit, **extra})

    def _write(self) -> None:
        try:
            # No savepoints: a unique-key race (the same person or record saved by a concurrent request)
            # is answered by rolling the caller's whole transaction back, and the caller retries.
            Person.objects.bulk_create(self.new_persons)
            for person, changed in self.changed_persons.values():
                person.save(update_fields=[*sorted(changed), "updated_at"])
            Membership.objects.bulk_create(self.new_memberships)
            for membership in self.changed_memberships.values():
                membership.save(update_fields=MERGE_UPDATE_FIELDS)
            Consent.objects.bulk_create(self.consents)
            EnrolmentReceipt.objects.bulk_create(self.new_receipts)
            Transfer.objects.bulk_create(self.transfers)
        except IntegrityError:
            raise Conflict(_("The same person is being saved right now; try again in a moment.")) from None
        record_events([build_event(acting_user=self.actor, now=self.now, **event) for event in self.events])
