"""Writes to 建会 cases. Each do_* is one durable transaction with one audit event.

`establish_union` is the exception by design: ESTABLISHED needs the union tree (orgs) and the chair's
role (accounts), whose actions are durable transactions of their own, so it runs them one after the other
and finishes with do_complete_establishment. Every step first looks for what it would create, so a step
that failed half-way is completed by trying again.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.actions import do_create_staff, do_grant_role
from gonghui.accounts.models import User
from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from gonghui.core.pii import blind_index
from gonghui.core.text import TextKind, clean_text
from gonghui.core.uploads import DOCUMENT, check_upload
from gonghui.enterprises.models import Enterprise, IntentLetter
from gonghui.enterprises.validators import validate_uscc
from gonghui.establishment.models import (
    STAGE_ORDER,
    Establishment,
    PipelineApplicant,
    PreparatoryMember,
    Stage,
    StageRecord,
    UnionPath,
    stage_index,
)
from gonghui.establishment.rules import committee_size_range, quorum_met, rules_for
from gonghui.meetings.models import Meeting, MeetingKind
from gonghui.members.actions import EnrolmentData, EnrolmentRequest, enrol_many
from gonghui.members.models import Channel, Membership
from gonghui.members.validators import check_resident_id
from gonghui.orgs.actions import do_create_org_unit
from gonghui.orgs.models import OrgUnit, Role, RoleAssignment
from gonghui.orgs.scope import RANK_MANAGE_ENTERPRISES, rank_at

# --- errors ------------------------------------------------------------------------------------------


class CaseAlreadyOpen(Conflict):
    code = "establishment_case_open"
    default_message = _("This enterprise already has an open establishment case.")


class EnterpriseHasUnion(Conflict):
    code = "establishment_enterprise_has_union"
    default_message = _("This enterprise already has a union.")


class CaseNotOpen(Conflict):
    code = "establishment_case_not_open"
    default_message = _("The case is paused, dropped or finished; reopen it first.")


class StageNotForward(InvalidInput):
    code = "establishment_stage_not_forward"
    default_message = _("The case is already at this stage or beyond it.")


class StageSkippedWithoutReason(InvalidInput):
    code = "establishment_stage_skipped"
    default_message = _("Stages are skipped (%(stages)s): record the reason.")


class StageDateInvalid(InvalidInput):
    code = "establishment_stage_date"
    default_message = _("The date cannot be in the future nor before the previous stage (%(previous)s).")


class PreparatoryGroupSize(InvalidInput):
    code = "establishment_preparatory_group_size"
    default_message = _("A preparatory group has %(low)d to %(high)d people; this one has %(n)d.")


class PreparatoryMemberNotMember(InvalidInput):
    code = "establishment_preparatory_not_member"
    default_message = _(
        "%(name)s is not a union member: members of the preparatory group must be members or apply to join."
    )


class UnionPathNotAllowed(InvalidInput):
    code = "establishment_path_not_allowed"
    default_message = _(
        "With %(n)d members or more the enterprise sets up a union committee (Trade Union Law art. 11)."
    )


class UnionPathReasonRequired(InvalidInput):
    code = "establishment_path_reason"
    default_message = _("With fewer than %(n)d members, record why this path was chosen.")


class JointUnitRequired(InvalidInput):
    code = "establishment_joint_unit"
    default_message = _("Choose the joint grassroots union the enterprise joins.")


class ApprovalDocumentRequired(InvalidInput):
    code = "establishment_approval_document"
    default_message = _("The superior union's approval needs its document number and date.")


class QuorumNotMet(InvalidInput):
    code = "establishment_quorum"
    default_message = _("%(present)d of %(total)d members present: the assembly has no quorum.")


class CommitteeSizeOutOfRange(InvalidInput):
    code = "establishment_committee_size"
    default_message = _("With %(members)d members the committee has %(low)d to %(high)d members, not %(n)d.")


class WomenCommitteeRequired(InvalidInput):
    code = "establishment_women_committee"
    default_message = _("With %(n)d women members or more, a women workers' committee is set up.")


class FundsAuditCommitteeRequired(InvalidInput):
    code = "establishment_funds_audit"
    default_message = _("The assembly elects a funds audit committee (or auditor).")


class TermNotAllowed(InvalidInput):
    code = "establishment_term"
    default_message = _("The term is %(allowed)s years.")


class ChairRequired(InvalidInput):
    code = "establishment_chair_required"
    default_message = _("Record the chair elected by the assembly.")


class RegistrationRequired(InvalidInput):
    code = "establishment_registration_required"
    default_message = _(
        "The union is established only once it is registered (legal person certificate and credit code)."
    )


class UnionUnitTaken(Conflict):
    code = "establishment_union_unit_taken"
    default_message = _("The union code %(code)s belongs to another union.")


class StageNeedsOwnAction(InvalidInput):
    code = "establishment_stage_own_action"
    default_message = _("This stage is recorded with its own form.")


class ReasonRequired(InvalidInput):
    code = "establishment_reason_required"
    default_message = _("Give the reason.")


# --- helpers -----------------------------------------------------------------------------------------


def _require_officer(acting_user: Any, enterprise: Enterprise) -> None:
    if rank_at(acting_user, enterprise.managing_unit) < RANK_MANAGE_ENTERPRISES:
        raise Forbidden()


def _require_open(case: Establishment) -> None:
    if case.status != Establishment.Status.OPEN:
        raise CaseNotOpen()


def _clean_reason(text: str, *, field_name: str = "reason", required: bool = True) -> str:
    text = clean_text(text or "", TextKind.LABEL, field=field_name).strip()[:300]
    if required and not text:
        raise ReasonRequired(field=field_name)
    return text


def _actor(acting_user: Any) -> Any:
    return acting_user if getattr(acting_user, "pk", None) else None


@dataclass
class StageStep:
    """What every stage record carries, whoever records it."""

    stage: str
    stage_date: datetime.date
    officer: Any = None  # the responsible officer; the acting user when not given
    next_follow_up_date: datetime.date | None = None
    note: str = ""
    skip_reason: str = ""
    evidence: Any = None  # an uploaded scan (PDF or image)


def _check_step(case: Establishment, step: StageStep, today: datetime.date) -> list[str]:
    """The stages passed over (reason required) after checking order and dates."""
    if step.stage not in STAGE_ORDER:
        raise InvalidInput(field="stage")
    if stage_index(step.stage) <= stage_index(case.stage):
        raise StageNotForward(field="stage")
    if step.stage_date is None or step.stage_date > today or step.stage_date < case.stage_date:
        raise StageDateInvalid(field="stage_date", previous=case.stage_date.isoformat())
    if step.next_follow_up_date is not None and step.next_follow_up_date < step.stage_date:
        raise InvalidInput(
            _("The next follow-up cannot be before the stage date."), field="next_follow_up_date"
        )
    skipped = STAGE_ORDER[stage_index(case.stage) + 1 : stage_index(step.stage)]
    step.skip_reason = _clean_reason(step.skip_reason, field_name="skip_reason", required=False)
    if skipped and not step.skip_reason:
        raise StageSkippedWithoutReason(
            field="skip_reason", stages="、".join(str(Stage(s).label) for s in skipped)
        )
    step.note = clean_text(step.note or "", TextKind.FREE_TEXT, field="note")[:2000]
    return skipped


def _write_step(
    acting_user: Any,
    case: Establishment,
    step: StageStep,
    skipped: list[str],
    now: datetime.datetime,
    *,
    source: str = StageRecord.Source.OFFICER,
    source_id: int | None = None,
) -> StageRecord:
    officer = step.officer or _actor(acting_user) or case.officer
    record = StageRecord(
        case=case,
        stage=step.stage,
        stage_date=step.stage_date,
        officer=officer,
        next_follow_up_date=step.next_follow_up_date,
        note=step.note,
        skipped_stages=skipped,
        skip_reason=step.skip_reason,
        source=source,
        source_id=source_id,
        recorded_by=_actor(acting_user),
        recorded_at=now,
    )
    if step.evidence is not None:
        checked = check_upload(step.evidence, accept=DOCUMENT, field="evidence")
        record.evidence_content_type = checked.content_type
        # A name of our own: the uploaded name is the sender's text.
        record.evidence.save(
            f"{case.pk}-{step.stage.lower()}-{now:%Y%m%d%H%M%S}.{checked.extension}",
            ContentFile(checked.content),
            save=False,
        )
    record.save()
    case.stage = step.stage
    case.stage_date = step.stage_date
    case.officer = officer
    case.next_follow_up_date = step.next_follow_up_date
    case.updated_at = now
    return record


def _event(
    acting_user: Any, event_type: str, case: Establishment, now: datetime.datetime, **details: Any
) -> None:
    record_event(
        acting_user=_actor(acting_user),
        event_type=event_type,
        obj=case,
        unit=case.enterprise.managing_unit,
        details={"enterprise_id": case.enterprise_id, **details},
        now=now,
    )


# --- opening and automatic moves ---------------------------------------------------------------------


def _records_beyond(
    case: Establishment, today: datetime.date
) -> list[tuple[str, datetime.date, str, int, Any]]:
    """Held enterprise meetings and signed letters of intent of the case's enterprise that are not yet
    on its timeline: (stage, date, source, source id, officer). They move the case by themselves."""
    seen = set(
        case.stage_records.filter(source_id__isnull=False).values_list("source", "source_id")
        if case.pk
        else []
    )
    found: list[tuple[str, datetime.date, str, int, Any]] = []
    meetings = (
        Meeting.objects.filter(
            Q(enterprise=case.enterprise) | Q(target_enterprises=case.enterprise),
            kind=MeetingKind.ENTERPRISE,
            status__in=[Meeting.Status.HELD, Meeting.Status.CLOSED],
        )
        .distinct()
        .order_by("starts_at", "pk")
    )
    for meeting in meetings:
        if (StageRecord.Source.MEETING, meeting.pk) not in seen and timezone.localdate(
            meeting.starts_at
        ) <= today:
            found.append(
                (
                    Stage.ENTERPRISE_MEETING,
                    timezone.localdate(meeting.starts_at),
                    StageRecord.Source.MEETING,
                    meeting.pk,
                    meeting.created_by,
                )
            )
    letters = IntentLetter.objects.filter(enterprise=case.enterprise, signed_date__lte=today)
    for letter in letters.order_by("signed_date", "pk"):
        if (StageRecord.Source.INTENT_LETTER, letter.pk) not in seen:
            found.append(
                (
                    Stage.INTENT_SIGNED,
                    letter.signed_date,
                    StageRecord.Source.INTENT_LETTER,
                    letter.pk,
                    letter.recorded_by,
                )
            )
    return found


def _apply_records(acting_user: Any, case: Establishment, now: datetime.datetime) -> list[str]:
    """Move an open case forward by the meetings and letters found; a record of an earlier stage than
    the case's is noted on the timeline without moving it back. Returns the stages recorded."""
    recorded = []
    for stage, day, source, source_id, officer in _records_beyond(case, timezone.localdate(now)):
        forward = case.status == Establishment.Status.OPEN and stage_index(stage) > stage_index(case.stage)
        skipped = STAGE_ORDER[stage_index(case.stage) + 1 : stage_index(stage)] if forward else []
        step = StageStep(
            stage=stage,
            stage_date=max(day, case.stage_date) if forward else day,
            officer=officer if officer is not None else case.officer,
            next_follow_up_date=case.next_follow_up_date,
            skip_reason=gettext(
                "Moved by the record itself: the enterprise meeting is held at the enterprise."
            )
            if skipped
            else "",
        )
        if forward:
            _write_step(acting_user, case, step, skipped, now, source=source, source_id=source_id)
        else:
            StageRecord.objects.create(
                case=case,
                stage=stage,
                stage_date=day,
                officer=step.officer,
                source=source,
                source_id=source_id,
                recorded_at=now,
            )
        recorded.append(stage)
    return recorded


@transaction.atomic(durable=True)
def do_open_case(
    *,
    acting_user: Any,
    enterprise: Enterprise,
    officer: User | None = None,
    stage_date: datetime.date | None = None,
    next_follow_up_date: datetime.date | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Establishment:
    """Open the case of an enterprise without a union, at IDENTIFIED; meetings already held with it and
    letters it already signed move it forward at once."""
    now = now or timezone.now()
    _require_officer(acting_user, enterprise)
    if enterprise.union_id is not None:
        raise EnterpriseHasUnion()
    today = timezone.localdate(now)
    stage_date = stage_date or today
    if stage_date > today:
        raise StageDateInvalid(field="stage_date", previous="—")
    if officer is not None and rank_at(officer, enterprise.managing_unit) < RANK_MANAGE_ENTERPRISES:
        raise InvalidInput(
            _("The responsible officer must work for the union looking after the enterprise."),
            field="officer",
        )
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
    if Establishment.objects.filter(
        enterprise=enterprise, status__in=[Establishment.Status.OPEN, Establishment.Status.PAUSED]
    ).exists():
        raise CaseAlreadyOpen()
    case = Establishment(
        enterprise=enterprise,
        stage=Stage.IDENTIFIED,
        stage_date=stage_date,
        officer=officer or acting_user,
        next_follow_up_date=next_follow_up_date,
        opened_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        raise CaseAlreadyOpen() from None
    StageRecord.objects.create(
        case=case,
        stage=Stage.IDENTIFIED,
        stage_date=stage_date,
        officer=case.officer,
        next_follow_up_date=next_follow_up_date,
        note=clean_text(note or "", TextKind.FREE_TEXT, field="note")[:2000],
        recorded_by=_actor(acting_user),
        recorded_at=now,
    )
    moved = _apply_records(acting_user, case, now)
    case.save()
    _event(acting_user, "establishment_opened", case, now, moved_by_records=moved)
    return case


@transaction.atomic(durable=True)
def do_sync_case_from_records(
    *, acting_user: Any, enterprise_id: int, now: datetime.datetime | None = None
) -> Establishment | None:
    """A meeting was held or a letter of intent recorded for the enterprise: move its open case on.
    Called after the meetings' or enterprises' own transaction commits (see apps.py)."""
    now = now or timezone.now()
    enterprise = (
        Enterprise.objects.select_for_update()
        .select_related("managing_unit")
        .filter(pk=enterprise_id)
        .first()
    )
    if enterprise is None:
        return None
    case = (
        Establishment.objects.filter(
            enterprise=enterprise, status__in=[Establishment.Status.OPEN, Establishment.Status.PAUSED]
        )
        .select_related("enterprise__managing_unit")
        .first()
    )
    if case is None:
        # No case yet: the officer opens one from the coverage list, and opening reads these records.
        return None
    moved = _apply_records(acting_user, case, now)
    if not moved:
        return case
    case.save()
    _event(acting_user, "establishment_moved_by_records", case, now, stages=moved)
    return case


# --- stages recorded by officers ---------------------------------------------------------------------

# Stages with facts of their own are recorded by their own action (below); the rest by do_record_stage.
SIMPLE_STAGES = frozenset({Stage.VISITED, Stage.ENTERPRISE_MEETING, Stage.INTENT_SIGNED})


@transaction.atomic(durable=True)
def do_record_stage(
    *, acting_user: Any, case: Establishment, step: StageStep, now: datetime.datetime | None = None
) -> StageRecord:
    """A visit, an enterprise meeting or a letter recorded by hand (with the scan as evidence)."""
    now = now or timezone.now()
    case = _lock(case)
    _require_officer(acting_user, case.enterprise)
    _require_open(case)
    if step.stage not in SIMPLE_STAGES:
        raise StageNeedsOwnAction(field="stage")
    skipped = _check_step(case, step, timezone.localdate(now))
    record = _write_step(acting_user, case, step, skipped, now)
    case.save()
    _event(acting_user, "establishment_stage_recorded", case, now, stage=step.stage, skipped=skipped)
    return record


def _lock(case: Establishment) -> Establishment:
    return (
        Establishment.objects.select_for_update().select_related("enterprise__managing_unit").get(pk=case.pk)
    )


@dataclass
class GroupMember:
    name: str
    resident_id: str
    is_leader: bool = False
    # Not yet a member: joins now, and becomes a member of the new union when it is established.
    applies_to_join: bool = False
    phone: str = ""


@transaction.atomic(durable=True)
def do_form_preparatory_group(
    *,
    acting_user: Any,
    case: Establishment,
    step: StageStep,
    members: list[GroupMember],
    union_path: str,
    union_path_reason: str = "",
    expected_members: int = 0,
    joint_unit: OrgUnit | None = None,
    now: datetime.datetime | None = None,
) -> StageRecord:
    """筹备组: 3–5 people who are members (or apply to join), and the art. 11 path the enterprise takes."""
    now = now or timezone.now()
    case = _lock(case)
    _require_officer(acting_user, case.enterprise)
    _require_open(case)
    step.stage = Stage.PREPARATORY_GROUP
    skipped = _check_step(case, step, timezone.localdate(now))
    rules = rules_for(case.enterprise.district_id)
    if not rules.preparatory_group_min <= len(members) <= rules.preparatory_group_max:
        raise PreparatoryGroupSize(
            field="members", low=rules.preparatory_group_min, high=rules.preparatory_group_max, n=len(members)
        )
    if union_path not in UnionPath.values:
        raise InvalidInput(field="union_path")
    expected = expected_members or case.enterprise.employee_count
    if expected >= rules.committee_member_threshold and union_path != UnionPath.COMMITTEE:
        raise UnionPathNotAllowed(field="union_path", n=rules.committee_member_threshold)
    reason = _clean_reason(union_path_reason, field_name="union_path_reason", required=False)
    if expected < rules.committee_member_threshold and not reason:
        raise UnionPathReasonRequired(field="union_path_reason", n=rules.committee_member_threshold)
    if union_path == UnionPath.JOINT and (
        joint_unit is None
        or joint_unit.kind != OrgUnit.Kind.JOINT
        or not joint_unit.is_within(case.enterprise.managing_unit.parent or case.enterprise.managing_unit)
    ):
        raise JointUnitRequired(field="joint_unit")
    rows = []
    seen: set[str] = set()
    for member in members:
        name = clean_text(member.name or "", TextKind.NAME, field="members")
        checked = check_resident_id(member.resident_id)
        index = blind_index(checked.number, purpose="resident_id")
        if index in seen:
            raise InvalidInput(_("The same person is listed twice."), field="members")
        seen.add(index)
        membership = Membership.objects.filter(
            person__resident_id_index=index, status=Membership.Status.ACTIVE
        ).first()
        if membership is None and not member.applies_to_join:
            raise PreparatoryMemberNotMember(field="members", name=name)
        # Every group member joins the new union when it is established: one who applies becomes a
        # member, one who is a member elsewhere (at the former group's union) is offered a transfer.
        applicant = _add_applicant(
            case, name, checked.number, member.phone, PipelineApplicant.Source.PREPARATORY, now
        )
        rows.append(
            PreparatoryMember(
                case=case,
                name=name,
                resident_id=checked.number,
                is_leader=member.is_leader,
                membership=membership,
                applicant=applicant,
            )
        )
    case.preparatory_members.all().delete()
    PreparatoryMember.objects.bulk_create(rows)
    case.union_path = union_path
    case.union_path_reason = reason
    case.joint_unit = joint_unit if union_path == UnionPath.JOINT else None
    record = _write_step(acting_user, case, step, skipped, now)
    case.save()
    _event(
        acting_user,
        "establishment_preparatory_group_formed",
        case,
        now,
        size=len(rows),
        path=union_path,
        skipped=skipped,
    )
    return record


def _add_applicant(
    case: Establishment, name: str, resident_id: str, phone: str, source: str, now: datetime.datetime
) -> PipelineApplicant:
    index = blind_index(resident_id, purpose="resident_id")
    existing = PipelineApplicant.objects.filter(case=case, resident_id_index=index).first()
    if existing is not None:
        return existing
    return PipelineApplicant.objects.create(
        case=case,
        name=name,
        resident_id=resident_id,
        phone=phone or None,
        source=source,
        consent_at=now,
        applied_at=now,
    )


@dataclass
class Applicant:
    name: str
    resident_id: str
    phone: str = ""
    source: str = PipelineApplicant.Source.CONSOLE
    consent_given: bool = False


class ConsentMissing(InvalidInput):
    code = "establishment_consent_required"
    default_message = _("The worker's consent to join and to the personal-data policy is required.")


@transaction.atomic(durable=True)
def do_add_applicant(
    *, acting_user: Any, case: Establishment, applicant: Applicant, now: datetime.datetime | None = None
) -> PipelineApplicant:
    """A worker applies to join before the union exists; enrolled when it is established."""
    now = now or timezone.now()
    case = _lock(case)
    _require_officer(acting_user, case.enterprise)
    _require_open(case)
    if not applicant.consent_given:
        raise ConsentMissing(field="consent_given")
    if applicant.source not in PipelineApplicant.Source.values:
        raise InvalidInput(field="source")
    name = clean_text(applicant.name or "", TextKind.NAME, field="name")
    if not name or len(name) > 50:
        raise InvalidInput(_("Enter the name as on the ID card (at most 50 characters)."), field="name")
    checked = check_resident_id(applicant.resident_id)
    row = _add_applicant(case, name, checked.number, applicant.phone, applicant.source, now)
    _event(acting_user, "establishment_applicant_added", case, now, applicant_id=row.pk)
    return row


@transaction.atomic(durable=True)
def do_record_approval(
    *,
    acting_user: Any,
    case: Establishment,
    step: StageStep,
    document_number: str,
    now: datetime.datetime | None = None,
) -> StageRecord:
    """上级工会批复: the superior union's approval, with its document number (文号) and date."""
    now = now or timezone.now()
    case = _lock(case)
    _require_officer(acting_user, case.enterprise)
    _require_open(case)
    step.stage = Stage.APPROVED_BY_SUPERIOR
    document_number = clean_text(document_number or "", TextKind.LABEL, field="document_number").strip()[:100]
    if not document_number or step.stage_date is None:
        raise ApprovalDocumentRequired(field="document_number")
    skipped = _check_step(case, step, timezone.localdate(now))
    case.approval_document_number = document_number
    case.approval_date = step.stage_date
    record = _write_step(acting_user, case, step, skipped, now)
    case.save()
    _event(acting_user, "establishment_approved", case, now, document_number=document_number, skipped=skipped)
    return record


@dataclass
class AssemblyFacts:
    member_count: int
    members_present: int
    committee_size: int
    chair_name: str
    women_member_count: int = 0
    funds_audit_committee: bool = False
    women_committee: bool = False
    term_years: int = 5


def check_assembly(case: Establishment, facts: AssemblyFacts) -> None:
    """The founding assembly's facts against the rules of the case's district (raises the first breach)."""
    rules = rules_for(case.enterprise.district_id)
    if facts.member_count <= 0 or facts.members_present < 0 or facts.women_member_count < 0:
        raise InvalidInput(_("Enter the number of members."), field="member_count")
    if facts.members_present > facts.member_count:
        raise InvalidInput(_("More members present than members."), field="members_present")
    if facts.women_member_count > facts.member_count:
        raise InvalidInput(_("More women members than members."), field="women_member_count")
    if not quorum_met(rules, facts.members_present, facts.member_count):
        raise QuorumNotMet(field="members_present", present=facts.members_present, total=facts.member_count)
    if facts.member_count >= rules.committee_member_threshold and case.union_path not in (
        "",
        UnionPath.COMMITTEE,
    ):
        raise UnionPathNotAllowed(field="member_count", n=rules.committee_member_threshold)
    if case.union_path != UnionPath.ORGANISER:
        low, high = committee_size_range(rules, facts.member_count)
        if not low <= facts.committee_size <= high:
            raise CommitteeSizeOutOfRange(
                field="committee_size", members=facts.member_count, low=low, high=high, n=facts.committee_size
            )
    if not facts.funds_audit_committee and case.union_path != UnionPath.ORGANISER:
        raise FundsAuditCommitteeRequired(field="funds_audit_committee")
    if facts.women_member_count >= rules.women_committee_threshold and not facts.women_committee:
        raise WomenCommitteeRequired(field="women_committee", n=rules.women_committee_threshold)
    allowed = [int(t) for t in rules.allowed_terms or [3, 5]]
    if facts.term_years not in allowed:
        raise TermNotAllowed(field="term_years", allowed="、".join(str(t) for t in allowed))


@transaction.atomic(durable=True)
def do_record_founding_assembly(
    *,
    acting_user: Any,
    case: Establishment,
    step: StageStep,
    facts: AssemblyFacts,
    now: datetime.datetime | None = None,
) -> StageRecord:
    """会员大会: members present (quorum), committee elected (size by member count), chair, funds audit
    committee, women workers' committee where women members reach the threshold, and the term."""
    now = now or timezone.now()
    case = _lock(case)
    _require_officer(acting_user, case.enterprise)
    _require_open(case)
    step.stage = Stage.FOUNDING_ASSEMBLY
    chair = clean_text(facts.chair_name or "", TextKind.NAME, field="chair_name").strip()
    if not chair or len(chair) > 50:
        raise ChairRequired(field="chair_name")
    skipped = _check_step(case, step, timezone.localdate(now))
    check_assembly(case, facts)
    case.assembly_date = step.stage_date
    case.member_count = facts.member_count
    case.members_present = facts.members_present
    case.women_member_count = facts.women_member_count
    case.committee_size = facts.committee_size
    case.chair_name = chair
    case.funds_audit_committee = facts.funds_audit_committee
    case.women_committee = facts.women_committee
    case.term_years = facts.term_years
    if not case.union_path:
        case.union_path = UnionPath.COMMITTEE
    record = _write_step(acting_user, case, step, skipped, now)
    case.save()
    _event(
        acting_user, "establishment_assembly_recorded", case, now, members=facts.member_count, skipped=skipped
    )
    return record


@transaction.atomic(durable=True)
def do_record_registration(
    *,
    acting_user: Any,
    case: Establishment,
    step: StageStep,
    certificate_number: str,
    union_uscc: str,
    now: datetime.datetime | None = None,
) -> StageRecord:
    """工会法人资格登记: the legal person certificate number and the union's own credit code."""
    now = now or timezone.now()
    case = _lock(case)
    _require_officer(acting_user, case.enterprise)
    _require_open(case)
    step.stage = Stage.REGISTERED
    certificate_number = clean_text(
        certificate_number or "", TextKind.LABEL, field="certificate_number"
    ).strip()[:50]
    if not certificate_number:
        raise RegistrationRequired(field="certificate_number")
    code = validate_uscc(union_uscc or "")
    if code == case.enterprise.uscc:
        raise InvalidInput(
            _("The union has a credit code of its own, not the enterprise's."), field="union_uscc"
        )
    skipped = _check_step(case, step, timezone.localdate(now))
    if case.assembly_date is None:
        raise InvalidInput(_("Record the founding assembly first."), field="stage")
    case.certificate_number = certificate_number
    case.union_uscc = code
    case.registered_date = step.stage_date
    record = _write_step(acting_user, case, step, skipped, now)
    case.save()
    _event(acting_user, "establishment_registered", case, now, skipped=skipped)
    return record


# --- ESTABLISHED ---------------------------------------------------------------------------------------


@dataclass
class UnionSpec:
    """The new grassroots union and its chair's login (an existing user, or a new one)."""

    code: str
    name: str
    chair_user: User | None = None
    chair_username: str = ""
    chair_password: str = ""


@dataclass
class EstablishmentOutcome:
    case: Establishment
    union: OrgUnit
    enrolled: int = 0
    transfers_proposed: int = 0
    refused: list[str] = field(default_factory=list)


def check_ready_to_establish(case: Establishment) -> None:
    _require_open(case)
    if case.stage != Stage.REGISTERED or not case.certificate_number or not case.union_uscc:
        raise RegistrationRequired(field="stage")
    if not case.chair_name:
        raise ChairRequired(field="chair_name")


def _parent_for(enterprise: Enterprise) -> OrgUnit:
    """The street federation of the enterprise's street (under its managing union), else the managing
    union itself."""
    managing = enterprise.managing_unit
    if managing.kind == OrgUnit.Kind.STREET or enterprise.street_id is None:
        return managing
    street = (
        OrgUnit.objects.filter(
            kind=OrgUnit.Kind.STREET,
            region_id=enterprise.street_id,
            status=OrgUnit.Status.ACTIVE,
            path__startswith=managing.path,
        )
        .order_by("path")
        .first()
    )
    return street or managing


def establish_union(
    *, acting_user: Any, case: Establishment, spec: UnionSpec, now: datetime.datetime | None = None
) -> EstablishmentOutcome:
    """ESTABLISHED: the grassroots unit in the tree (orgs), its chair's role (accounts), then the case
    closes, the enterprise is linked and the pipeline's applicants are enrolled (this app's action).

    Not one transaction: the orgs and accounts actions are durable transactions of their own. Each step
    looks for what it would create first (a unit with this code under the right street, a role already
    held), so running it again after a failure completes what is missing instead of failing."""
    now = now or timezone.now()
    case = Establishment.objects.select_related("enterprise__managing_unit", "joint_unit").get(pk=case.pk)
    _require_officer(acting_user, case.enterprise)
    check_ready_to_establish(case)
    if case.union_path == UnionPath.JOINT and case.joint_unit is not None:
        unit = case.joint_unit
    else:
        unit = _ensure_unit(acting_user, case, spec)
    chair = _ensure_chair(acting_user, unit, spec, case)
    return do_complete_establishment(
        acting_user=acting_user, case=case, union=unit, chair_user=chair, now=now
    )


def _ensure_unit(acting_user: Any, case: Establishment, spec: UnionSpec) -> OrgUnit:
    code = clean_text(spec.code or "", TextKind.LABEL, field="union_code").strip().upper()
    name = (
        clean_text(spec.name or "", TextKind.NAME, field="union_name").strip()
        or f"{case.enterprise.name}工会"
    )
    if not code or len(code) > 32:
        raise InvalidInput(_("Give the new union a code (at most 32 characters)."), field="union_code")
    parent = _parent_for(case.enterprise)
    existing = OrgUnit.objects.filter(code=code).first()
    if existing is not None:
        # Another part of the system (or an earlier attempt) already made this union: link to it if it is
        # the enterprise's grassroots union under the right street, refuse otherwise.
        linked_elsewhere = Enterprise.objects.filter(union=existing).exclude(pk=case.enterprise_id).exists()
        if existing.kind != OrgUnit.Kind.GRASSROOTS or existing.parent_id != parent.pk or linked_elsewhere:
            raise UnionUnitTaken(field="union_code", code=code)
        return existing
    return do_create_org_unit(
        acting_user=acting_user,
        parent=parent,
        code=code,
        name=name,
        kind=OrgUnit.Kind.GRASSROOTS,
        region=case.enterprise.street,
        enterprise=case.enterprise,
    )


def _ensure_chair(acting_user: Any, unit: OrgUnit, spec: UnionSpec, case: Establishment) -> User | None:
    user = spec.chair_user
    if user is None and spec.chair_username:
        user = User.objects.filter(username__iexact=spec.chair_username.strip()).first()
        if user is None:
            return do_create_staff(
                acting_user=acting_user,
                username=spec.chair_username,
                display_name=case.chair_name,
                password=spec.chair_password,
                unit=unit,
                role=Role.UNION_CHAIR,
            )
    if user is None:
        return None
    if not RoleAssignment.objects.filter(
        user=user, unit=unit, role=Role.UNION_CHAIR, revoked_at__isnull=True
    ).exists():
        do_grant_role(acting_user=acting_user, user=user, unit=unit, role=Role.UNION_CHAIR)
    return user


@transaction.atomic(durable=True)
def do_complete_establishment(
    *,
    acting_user: Any,
    case: Establishment,
    union: OrgUnit,
    chair_user: User | None = None,
    now: datetime.datetime | None = None,
) -> EstablishmentOutcome:
    """The last step of ESTABLISHED: link the enterprise to its union, enrol the workers who applied during
    the pipeline through the enrolment rules (a member of another union gets a transfer proposal), close
    the case."""
    now = now or timezone.now()
    case = _lock(case)
    _require_officer(acting_user, case.enterprise)
    check_ready_to_establish(case)
    enterprise = Enterprise.objects.select_for_update().get(pk=case.enterprise_id)
    if enterprise.union_id not in (None, union.pk):
        raise EnterpriseHasUnion()
    if enterprise.union_id is None:
        enterprise.union = union
        enterprise.updated_at = now
        enterprise.save(update_fields=["union", "updated_at"])
    applicants = list(case.applicants.filter(membership__isnull=True).order_by("pk"))
    requests = [
        EnrolmentRequest(
            union=union,
            data=EnrolmentData(
                name=a.name, resident_id=a.resident_id, phone=a.phone or "", employer=enterprise
            ),
            consent_given=True,
            confirm_area_warning=True,
        )
        for a in applicants
    ]
    outcome = EstablishmentOutcome(case=case, union=union)
    results = (
        enrol_many(acting_user=acting_user, channel=Channel.CONSOLE, requests=requests, now=now)
        if requests
        else []
    )
    for applicant, result in zip(applicants, results, strict=True):
        if isinstance(result, DomainError):
            applicant.enrolment_outcome = result.code
            outcome.refused.append(applicant.name)
        else:
            applicant.membership = result.membership
            applicant.enrolment_outcome = result.kind
            outcome.enrolled += result.kind in ("created", "merged", "already_member")
            outcome.transfers_proposed += result.kind == "transfer_proposed"
        applicant.save(update_fields=["membership", "enrolment_outcome"])
    step = StageStep(stage=Stage.ESTABLISHED, stage_date=max(timezone.localdate(now), case.stage_date))
    _write_step(acting_user, case, step, [], now)
    case.union = union
    case.chair_user = chair_user
    case.status = Establishment.Status.DONE
    case.next_follow_up_date = None
    case.save()
    _event(
        acting_user,
        "establishment_established",
        case,
        now,
        union_id=union.pk,
        enrolled=outcome.enrolled,
        transfers=outcome.transfers_proposed,
        refused=len(outcome.refused),
    )
    return outcome


# --- pause, drop, reopen -------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def do_pause_case(
    *, acting_user: Any, case: Establishment, reason: str, now: datetime.datetime | None = None
) -> Establishment:
    return _set_status(acting_user, case, Establishment.Status.PAUSED, reason, now, "establishment_paused")


@transaction.atomic(durable=True)
def do_drop_case(
    *, acting_user: Any, case: Establishment, reason: str, now: datetime.datetime | None = None
) -> Establishment:
    return _set_status(acting_user, case, Establishment.Status.DROPPED, reason, now, "establishment_dropped")


@transaction.atomic(durable=True)
def do_reopen_case(
    *, acting_user: Any, case: Establishment, reason: str, now: datetime.datetime | None = None
) -> Establishment:
    return _set_status(acting_user, case, Establishment.Status.OPEN, reason, now, "establishment_reopened")


def _set_status(
    acting_user: Any, case: Establishment, status: str, reason: str, now: datetime.datetime | None, event: str
) -> Establishment:
    now = now or timezone.now()
    case = _lock(case)
    _require_officer(acting_user, case.enterprise)
    reason = _clean_reason(reason)
    allowed_from: list[Establishment.Status] = {
        Establishment.Status.PAUSED: [Establishment.Status.OPEN],
        Establishment.Status.DROPPED: [Establishment.Status.OPEN, Establishment.Status.PAUSED],
        Establishment.Status.OPEN: [Establishment.Status.PAUSED, Establishment.Status.DROPPED],
    }[Establishment.Status(status)]
    if case.status not in allowed_from:
        raise CaseNotOpen()
    if status == Establishment.Status.OPEN:
        if case.enterprise.union_id is not None:
            raise EnterpriseHasUnion()
        if (
            Establishment.objects.filter(
                enterprise_id=case.enterprise_id,
                status__in=[Establishment.Status.OPEN, Establishment.Status.PAUSED],
            )
            .exclude(pk=case.pk)
            .exists()
        ):
            raise CaseAlreadyOpen()
    case.status = status
    case.status_reason = reason
    case.updated_at = now
    case.save(update_fields=["status", "status_reason", "updated_at"])
    _event(acting_user, event, case, now, reason=reason)
    return case
