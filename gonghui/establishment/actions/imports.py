"""Writes of the enterprise list import: the upload, the request to commit, and each chunk of rows
(one durable transaction and one audit event per chunk, so a 200,000-row list commits in pieces and a
failure loses at most the chunk it was in; running it again updates instead of duplicating)."""

import datetime
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.enterprises.models import Enterprise
from gonghui.establishment.models import EmployeeCount, EnterpriseImport
from gonghui.orgs.models import OrgUnit
from gonghui.orgs.scope import RANK_MANAGE_ENTERPRISES, rank_at

if TYPE_CHECKING:
    from gonghui.establishment.enterprise_import import ParsedRow

MAX_UPLOAD_BYTES = 100 << 20
UPDATED_FIELDS = [
    "name",
    "address",
    "district",
    "street",
    "industry",
    "unit_type",
    "employee_count",
    "female_employee_count",
    "contact_name",
    "contact_phone",
    "contact_phone_index",
]


class ImportNotReady(Conflict):
    code = "enterprise_import_not_ready"
    default_message = _("This list is not checked yet, or was already imported.")


class ImportUnitNotAllowed(InvalidInput):
    code = "enterprise_import_unit"
    default_message = _("Enterprise lists are imported for a city, district or street federation.")


class ImportFileTooLarge(InvalidInput):
    code = "enterprise_import_too_large"
    default_message = _("The file is larger than %(limit)s MB.")


def _check_unit(acting_user: Any, unit: OrgUnit) -> None:
    if unit.kind not in (OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT, OrgUnit.Kind.STREET):
        raise ImportUnitNotAllowed(field="managing_unit")
    if rank_at(acting_user, unit) < RANK_MANAGE_ENTERPRISES:
        raise Forbidden()


@transaction.atomic(durable=True)
def do_upload_enterprise_list(
    *,
    acting_user: Any,
    managing_unit: OrgUnit,
    source: str,
    upload: Any,
    original_name: str,
    now: datetime.datetime | None = None,
) -> EnterpriseImport:
    """Store an uploaded list as an import job; the job checks it (dry run) before anything is written."""
    now = now or timezone.now()
    _check_unit(acting_user, managing_unit)
    if source not in EnterpriseImport.Source.values:
        raise InvalidInput(field="source")
    if getattr(upload, "size", 0) > MAX_UPLOAD_BYTES:
        raise ImportFileTooLarge(field="file", limit=MAX_UPLOAD_BYTES >> 20)
    lowered = original_name.lower()
    suffix = next((s for s in (".xlsx", ".xls", ".ods", ".csv", ".txt") if lowered.endswith(s)), "")
    job = EnterpriseImport(
        managing_unit=managing_unit,
        owner=acting_user,
        source=source,
        original_name=original_name[:200],
        created_at=now,
    )
    job.file.save(f"enterprises-{uuid.uuid4().hex}{suffix}", upload, save=False)
    job.save()
    record_event(
        acting_user=acting_user,
        event_type="enterprise_list_uploaded",
        obj=job,
        unit=managing_unit,
        details={"source": source},
        now=now,
    )
    return job


@transaction.atomic(durable=True)
def do_request_enterprise_import(
    *, acting_user: Any, job: EnterpriseImport, now: datetime.datetime | None = None
) -> EnterpriseImport:
    """Mark a checked list for importing (the job then writes its good rows). Once only."""
    now = now or timezone.now()
    _check_unit(acting_user, job.managing_unit)
    locked = EnterpriseImport.objects.select_for_update().get(pk=job.pk)
    if locked.status != EnterpriseImport.Status.CHECKED or locked.committed:
        raise ImportNotReady()
    locked.status = EnterpriseImport.Status.IMPORTING
    locked.rows_done = 0
    locked.save(update_fields=["status", "rows_done"])
    record_event(
        acting_user=acting_user,
        event_type="enterprise_import_requested",
        obj=locked,
        unit=locked.managing_unit,
        now=now,
    )
    return locked


@dataclass
class ChunkOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: dict[int, str] = field(default_factory=dict)  # row number -> problem
    new: list[Enterprise] = field(default_factory=list)
    changed: list[Enterprise] = field(default_factory=list)
    counts: list[Enterprise] = field(default_factory=list)  # enterprises whose employee count is new


def _street_units(job: EnterpriseImport) -> dict[int, OrgUnit]:
    """Street federations under the importing unit, by their street's region id: a new enterprise is
    looked after by its street's federation."""
    units = OrgUnit.objects.filter(
        kind=OrgUnit.Kind.STREET,
        status=OrgUnit.Status.ACTIVE,
        path__startswith=job.managing_unit.path,
        region__isnull=False,
    )
    return {u.region_id: u for u in units if u.region_id is not None}


def _district_region_id(unit: OrgUnit) -> int | None:
    region = unit.region
    if region is None:
        return None
    if region.level == "DISTRICT":
        return region.pk
    if region.level == "STREET":
        return region.parent_id
    return None


def _comparable(value: Any) -> Any:
    """A related row by its id, a blank by None: what decides whether a field changed."""
    return getattr(value, "pk", None) if hasattr(value, "pk") else (value or None)


def plan_enterprise_rows(
    *, acting_user: Any, job: EnterpriseImport, rows: list["ParsedRow"], now: datetime.datetime | None = None
) -> ChunkOutcome:
    """What a chunk would do (read only): new enterprises, changed ones, unchanged ones, and rows refused
    because the enterprise is looked after outside the importer's area or the row is in another district."""
    now = now or timezone.now()
    _check_unit(acting_user, job.managing_unit)
    outcome = ChunkOutcome()
    existing = {
        e.uscc: e
        for e in Enterprise.objects.filter(uscc__in=[r.uscc for r in rows]).select_related("managing_unit")
    }
    streets = _street_units(job)
    own_district = _district_region_id(job.managing_unit)
    own_street = job.managing_unit.region_id if job.managing_unit.kind == OrgUnit.Kind.STREET else None
    for row in rows:
        if own_district is not None and row.district is not None and row.district.pk != own_district:
            outcome.problems[row.number] = gettext(
                "The enterprise is in another district; it was not imported."
            )
            continue
        if own_street is not None and row.street is not None and row.street.pk != own_street:
            outcome.problems[row.number] = gettext(
                "The enterprise is in another street; it was not imported."
            )
            continue
        values = {
            "name": row.name,
            "address": row.address,
            "district": row.district,
            "street": row.street,
            "industry": row.industry,
            "unit_type": row.unit_type,
            "employee_count": row.employees,
            "female_employee_count": row.women,
            "contact_name": row.contact_name,
            "contact_phone": row.contact_phone or None,
        }
        enterprise = existing.get(row.uscc)
        if enterprise is None:
            managing = streets.get(row.street.pk) if row.street is not None else None
            enterprise = Enterprise(
                uscc=row.uscc,
                managing_unit=managing or job.managing_unit,
                created_at=now,
                updated_at=now,
                **values,
            )
            outcome.new.append(enterprise)
            outcome.counts.append(enterprise)
            outcome.created += 1
            continue
        if (
            not enterprise.managing_unit.path.startswith(job.managing_unit.path)
            and rank_at(acting_user, enterprise.managing_unit) < RANK_MANAGE_ENTERPRISES
        ):
            outcome.problems[row.number] = gettext(
                "This enterprise is looked after by %(unit)s, outside your area; it was not updated."
            ) % {"unit": enterprise.managing_unit.name}
            continue
        # A list that does not say (blank column) keeps what is known.
        if not row.address:
            values.pop("address")
        if row.street is None:
            values.pop("street")
        if not row.contact_name:
            values.pop("contact_name")
        if not row.contact_phone:
            values.pop("contact_phone")
        count_changed = (
            enterprise.employee_count != row.employees or enterprise.female_employee_count != row.women
        )
        changed = False
        for name, value in values.items():
            current = getattr(enterprise, name)
            if _comparable(current) != _comparable(value):
                setattr(enterprise, name, value)
                changed = True
        if changed:
            enterprise.updated_at = now
            outcome.changed.append(enterprise)
            outcome.updated += 1
            if count_changed:
                outcome.counts.append(enterprise)
        else:
            outcome.unchanged += 1
    return outcome


@transaction.atomic(durable=True)
def do_import_enterprise_rows(
    *, acting_user: Any, job: EnterpriseImport, rows: list["ParsedRow"], now: datetime.datetime | None = None
) -> ChunkOutcome:
    """Write one chunk: new enterprises inserted, changed ones updated, a history row for each new
    employee count; one audit event for the chunk (its counts)."""
    now = now or timezone.now()
    outcome = plan_enterprise_rows(acting_user=acting_user, job=job, rows=rows, now=now)
    # Locks the existing rows this chunk changes, so a concurrent edit is not silently overwritten.
    list(
        Enterprise.objects.select_for_update()
        .filter(pk__in=[e.pk for e in outcome.changed])
        .values_list("pk")
    )
    Enterprise.objects.bulk_create(outcome.new, batch_size=1000)
    if outcome.changed:
        Enterprise.objects.bulk_update(outcome.changed, [*UPDATED_FIELDS, "updated_at"], batch_size=500)
    EmployeeCount.objects.bulk_create(
        [
            EmployeeCount(
                enterprise=e,
                employee_count=e.employee_count,
                female_employee_count=e.female_employee_count,
                source=job.source,
                import_job=job,
                recorded_at=now,
            )
            for e in outcome.counts
        ],
        batch_size=2000,
    )
    record_event(
        acting_user=acting_user,
        event_type="enterprises_imported",
        obj=job,
        unit=job.managing_unit,
        details={"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged},
        now=now,
    )
    return outcome
