"""Roster import: upload, request commit, write the planned rows chunk by chunk."""

import datetime
import uuid
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import record_event, record_events_as_columns
from gonghui.core.bulk import Same, bulk_insert
from gonghui.core.errors import Conflict, DomainError, Forbidden
from gonghui.members.actions.enrolment import RANK_ENROL, EnrolmentData, NotAMemberUnion
from gonghui.members.models import (
    Channel,
    Consent,
    EmploymentStatus,
    Membership,
    Person,
    Transfer,
    membership_label,
    person_label,
)
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import rank_at

if TYPE_CHECKING:
    from gonghui.members.models import ImportJob


class RosterUnionNotAllowed(Forbidden):
    code = "roster_union_forbidden"
    default_message = _("Your role cannot enrol members into this union.")


class ImportNotReady(Conflict):
    code = "roster_import_not_ready"
    default_message = _("This import cannot be committed now: check the file first, and commit it only once.")


def _check_roster_union(acting_user: Any, union: OrgUnit) -> None:
    if rank_at(acting_user, union) < RANK_ENROL:
        raise RosterUnionNotAllowed()
    if (
        union.kind not in (OrgUnit.Kind.GRASSROOTS, OrgUnit.Kind.JOINT)
        or union.status != OrgUnit.Status.ACTIVE
    ):
        raise NotAMemberUnion(field="union", name=union.name)


@transaction.atomic(durable=True)
def do_upload_roster(
    *,
    acting_user: Any,
    union: OrgUnit,
    upload: Any,
    original_name: str,
    confirm_area_warnings: bool = False,
    now: datetime.datetime | None = None,
) -> "ImportJob":
    """Store an uploaded roster file as an import job; the job checks it (dry run) before anything else."""
    from gonghui.members.models import ImportJob

    now = now or timezone.now()
    _check_roster_union(acting_user, union)
    job = ImportJob(
        union=union,
        owner=acting_user,
        original_name=original_name[:200],
        confirm_area_warnings=confirm_area_warnings,
        created_at=now,
    )
    job.file.save(f"roster-{uuid.uuid4().hex}{_suffix(original_name)}", upload, save=False)
    job.save()
    record_event(
        acting_user=acting_user,
        event_type="roster_uploaded",
        obj=job,
        unit=union,
        details={"file": original_name[:100]},
        now=now,
    )
    return job


def _suffix(name: str) -> str:
    lowered = name.lower()
    return next((s for s in (".xlsx", ".xls", ".csv") if lowered.endswith(s)), "")


@transaction.atomic(durable=True)
def do_request_roster_commit(
    *, acting_user: Any, job: "ImportJob", now: datetime.datetime | None = None
) -> "ImportJob":
    """Mark a checked import for committing (the job then writes its good rows). Once only."""
    from gonghui.members.models import ImportJob

    now = now or timezone.now()
    _check_roster_union(acting_user, job.union)
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != ImportJob.Status.CHECKED or locked.committed:
        raise ImportNotReady()
    locked.status = ImportJob.Status.IMPORTING
    locked.rows_done = 0
    locked.save(update_fields=["status", "rows_done"])
    record_event(
        acting_user=acting_user, event_type="roster_commit_requested", obj=locked, unit=locked.union, now=now
    )
    return locked


@transaction.atomic(durable=True)
def do_import_roster_rows(
    *,
    acting_user: Any,
    job: "ImportJob",
    plan: Any,
    now: datetime.datetime | None = None,
) -> None:
    """Write one chunk of a roster import, as planned by members.roster_rows.plan_chunk (the enrolment
    rules, set-based): new people, completed people, new memberships (ACTIVE for a reviewer, else
    PENDING), merges into waiting applications, transfer proposals, consents, the chunk's problems and
    the job's counters — one transaction; one audit event per membership created or merged into (so a
    member's history shows the import that made it) and one per chunk on the job.

    Per chunk rather than per file: a million-row file must not hold one transaction open for a
    minute (locks, WAL, the progress bar needs committed counters), and the plan is idempotent, so a
    file stopped half-way is simply imported again. File-level refusals all happen before chunk one.
    """

    from gonghui.core.db import commit_without_waiting_for_disk

    commit_without_waiting_for_disk()
    now = now or timezone.now()
    union = job.union
    actor = acting_user
    active_status = Membership.Status.ACTIVE
    # Column by column (one list per column, one value for a column the same on every row): the rows
    # of a chunk go to the database as columns anyway (see core.bulk.bulk_insert).
    new_people = plan.new_people
    data = [row.data for row in new_people]
    person_ids = bulk_insert(
        Person,
        {
            "name": [d.name for d in data],
            "gender": [row.gender for row in new_people],
            "ethnicity": [d.ethnicity for d in data],
            "birth_date": [row.birth_date for row in new_people],
            "resident_id": [row.number for row in new_people],
            "resident_id_index": [row.id_index for row in new_people],
            "phone": [d.phone or None for d in data],
            "phone_index": [row.phone_index for row in new_people],
            "education": [d.education for d in data],
            "political_status": [d.political_status for d in data],
            "hukou_type": [d.hukou_type for d in data],
            "is_migrant_worker": [d.is_migrant_worker for d in data],
            "created_at": Same(now),
            "updated_at": Same(now),
        },
        len(new_people),
        ids=True,
    )
    by_fields: dict[tuple[str, ...], list[Person]] = {}
    for update in plan.person_updates:
        person = Person(pk=update.pk, updated_at=now, **update.values)
        by_fields.setdefault(tuple(sorted(update.values)), []).append(person)
    for names, persons in by_fields.items():
        Person.objects.bulk_update(persons, [*names, "updated_at"], batch_size=1000)

    today = timezone.localdate(now)
    targets = [(row, pk, plan.new_status, None) for row, pk in zip(new_people, person_ids, strict=True)]
    targets += plan.new_memberships
    active = [status == active_status for _row, _pk, status, _from in targets]
    membership_ids = bulk_insert(
        Membership,
        {
            "person_id": [pk for _row, pk, _status, _from in targets],
            "union_id": Same(union.pk),
            "status": [status for _row, _pk, status, _from in targets],
            "channel": Same(Channel.IMPORT),
            "employer_id": Same(None),
            "employer_name": [row.data.employer_name for row, _pk, _status, _from in targets],
            "employment_status": [
                row.data.employment_status or EmploymentStatus.EMPLOYED
                for row, _pk, _status, _from in targets
            ],
            "worksite_id": Same(None),
            "applied_at": Same(now),
            "joined_date": [
                (row.joined_date or today) if is_active else None
                for (row, _pk, _status, _from), is_active in zip(targets, active, strict=True)
            ],
            "collected_by_id": Same(actor.pk),
            "client_uuid": Same(None),
            "warnings": [sorted(set(row.warnings)) for row, _pk, _status, _from in targets],
            "reviewed_by_id": [actor.pk if is_active else None for is_active in active],
            "reviewed_at": [now if is_active else None for is_active in active],
            "rejection_reason": Same(""),
            "ended_at": Same(None),
        },
        len(targets),
        ids=True,
    )
    if plan.merges:
        merged = [
            Membership(pk=pk, warnings=warnings, employer_name=row.data.employer_name)
            for row, pk, warnings in plan.merges
        ]
        Membership.objects.bulk_update(merged, ["warnings", "employer_name"], batch_size=1000)
    consent_ids = membership_ids + [pk for _row, pk, _w in plan.merges]
    bulk_insert(
        Consent,
        {
            "membership_id": consent_ids,
            "policy_version": Same(settings.GONGHUI_PRIVACY_POLICY_VERSION),
            "consented_at": Same(now),
            "channel": Same(Channel.IMPORT),
            "collected_by_id": Same(actor.pk),
        },
        len(consent_ids),
        ids=False,
    )
    Transfer.objects.bulk_create(
        [
            Transfer(
                person_id=person_id,
                from_membership_id=from_pk,  # type: ignore[misc]  # None filtered out below
                to_membership_id=membership_id,
                proposed_by=actor,
                proposed_at=now,
            )
            for (_row, person_id, _status, from_pk), membership_id in zip(
                targets, membership_ids, strict=True
            )
            if from_pk is not None
        ]
    )
    _add_problems(job, plan.problems)
    _record_membership_events(actor, job, plan, targets, membership_ids, now)
    counts = plan.counts()
    _add_counts(job, counts)
    record_event(
        acting_user=actor,
        event_type="roster_rows_imported",
        obj=job,
        unit=union,
        changed_fields=["members"],
        details={"rows": [plan.first_row, plan.last_row], **counts},
        now=now,
    )


# The fields a roster row gives, as the console's enrolment event names them.
_ENROLMENT_FIELDS = [f.name for f in fields(EnrolmentData)]


def _record_membership_events(
    actor: Any, job: "ImportJob", plan: Any, targets: list[Any], membership_ids: list[int], now: Any
) -> None:
    """The events do_enrol_member writes for the same outcomes (member_enrolled, transfer_proposed,
    enrolment_merged), one per membership, with the import job and row they came from."""
    union = job.union
    source = {"channel": Channel.IMPORT, "import_job": job.pk}
    record_events_as_columns(
        acting_user=actor,
        unit=union,
        object_type=Membership._meta.label_lower,
        event_types=[
            "transfer_proposed" if from_pk else "member_enrolled" for _r, _p, _s, from_pk in targets
        ],
        object_ids=membership_ids,
        labels=[
            membership_label(person_label(row.data.name, person_pk), union.code, status)
            for row, person_pk, status, _from in targets
        ],
        unit_ids=[union.pk] * len(targets),
        details=[
            {**source, "row": row.row, "status": status, "warnings": sorted(set(row.warnings))}
            for row, _pk, status, _from in targets
        ],
        changed_fields=_ENROLMENT_FIELDS,
        now=now,
    )
    if not plan.merges:
        return
    # A merge may be into an application to another union of the officer's area: its event lies there.
    merged = {
        m["pk"]: m
        for m in Membership.objects.filter(pk__in=[pk for _row, pk, _w in plan.merges]).values(
            "pk", "union_id", "union__code", "person_id", "status"
        )
    }
    record_events_as_columns(
        acting_user=actor,
        unit=union,
        object_type=Membership._meta.label_lower,
        event_types=["enrolment_merged"] * len(plan.merges),
        object_ids=[pk for _row, pk, _w in plan.merges],
        labels=[
            membership_label(
                person_label(row.data.name, merged[pk]["person_id"]),
                merged[pk]["union__code"],
                merged[pk]["status"],
            )
            for row, pk, _w in plan.merges
        ],
        unit_ids=[merged[pk]["union_id"] for _row, pk, _w in plan.merges],
        details=[
            {**source, "row": row.row, "into_union_id": merged[pk]["union_id"]} for row, pk, _w in plan.merges
        ],
        changed_fields=["warnings", "consents"],
        now=now,
    )


# --- the job's own bookkeeping ---------------------------------------------------------------------
# Progress, counters and problem rows of the import job itself, written as the job runs: no audit event
# (the job's owner started it, and the events are do_request_roster_commit's and do_import_roster_rows').


def do_start_roster_run(*, job: "ImportJob", commit: bool, now: datetime.datetime) -> None:
    """A check (commit=False) or commit starts: counters zeroed, an earlier run's problems dropped."""
    from gonghui.members.models import ImportJob, ImportProblem

    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.IMPORTING if commit else ImportJob.Status.CHECKING,
            started_at=now,
            rows_done=0,
            rows_read=0,
            accepted=0,
            updated=0,
            duplicates=0,
            transfers=0,
            rejected=0,
            warnings=0,
        )
        ImportProblem.objects.filter(job=job).delete()


def do_note_roster_file(
    *, job: "ImportJob", file_kind: str, unknown_columns: list[str], rows_total: int, problems: list[Any]
) -> None:
    """What opening the file found: its kind, the columns not in the template (and their problems), the
    estimated row count for the progress bar."""
    from gonghui.members.models import ImportJob

    job.file_kind, job.unknown_columns = file_kind, unknown_columns
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            file_kind=file_kind, unknown_columns=unknown_columns, rows_total=rows_total
        )
        _add_problems(job, problems)


def do_record_checked_rows(*, job: "ImportJob", plan: Any) -> None:
    """A dry run's chunk: its problems and counts, nothing else."""
    from gonghui.core.db import commit_without_waiting_for_disk

    with transaction.atomic():
        commit_without_waiting_for_disk()  # the job's last commit (do_finish_roster_run) flushes these
        _add_problems(job, plan.problems)
        _add_counts(job, plan.counts())


def do_finish_roster_run(
    *, job: "ImportJob", status: str, error: DomainError | None = None, committed: bool = False
) -> "ImportJob":
    from gonghui.members.models import ImportJob

    fields: dict[str, Any] = {"status": status, "finished_at": timezone.now()}
    if error is not None:
        fields |= {"error_code": error.code, "error_message": error.message[:300]}
    else:
        fields |= {"error_code": "", "error_message": ""}
    if committed:
        fields["committed"] = True
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def _add_problems(job: "ImportJob", problems: list[Any]) -> None:
    from gonghui.members.models import ImportProblem

    ImportProblem.objects.bulk_create(
        [
            ImportProblem(
                job=job, row=p.row, column=p.column, code=p.code, message=p.message[:300], severity=p.severity
            )
            for p in problems
        ],
        batch_size=5000,
    )


def _add_counts(job: "ImportJob", counts: dict[str, int]) -> None:
    from django.db.models import F

    from gonghui.members.models import ImportJob

    ImportJob.objects.filter(pk=job.pk).update(
        rows_done=F("rows_done") + counts["rows_read"], **{k: F(k) + v for k, v in counts.items()}
    )
