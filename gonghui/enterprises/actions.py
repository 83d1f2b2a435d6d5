"""Writes to the enterprise registry. Each function: one durable transaction, one audit event."""

import datetime
from dataclasses import dataclass, fields
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.core.phones import normalise_phone
from gonghui.core.uploads import DOCUMENT, check_upload
from gonghui.enterprises.models import Enterprise, Industry, IntentLetter, UnitType, Worksite
from gonghui.enterprises.validators import validate_uscc
from gonghui.orgs.models import OrgUnit, Region
from gonghui.orgs.scope import RANK_MANAGE_ENTERPRISES, rank_at


class EnterpriseExists(Conflict):
    code = "enterprise_exists"
    default_message = _("An enterprise with this unified social credit code is already registered: %(name)s.")


class StreetNotInDistrict(InvalidInput):
    code = "enterprise_street_not_in_district"
    default_message = _("%(street)s is not in %(district)s.")


class WomenExceedEmployees(InvalidInput):
    code = "enterprise_women_exceed_employees"
    default_message = _("Women employees cannot outnumber all employees.")


@dataclass
class EnterpriseData:
    """What a person fills in for an enterprise; the same for console, API and imports."""

    name: str
    district: Region
    industry: str
    unit_type: str
    managing_unit: OrgUnit
    street: Region | None = None
    address: str = ""
    employee_count: int = 0
    female_employee_count: int = 0
    contact_name: str = ""
    contact_phone: str = ""


def _clean(acting_user: Any, data: EnterpriseData) -> EnterpriseData:
    data.name = data.name.strip()
    if not data.name:
        raise InvalidInput(_("The enterprise name is required."), field="name")
    if data.district.level != Region.Level.DISTRICT:
        raise InvalidInput(_("Choose a district."), field="district")
    if data.street is not None and data.street.parent_id != data.district.pk:
        raise StreetNotInDistrict(field="street", street=data.street.name, district=data.district.name)
    if data.industry not in Industry.values:
        raise InvalidInput(_("Choose an industry."), field="industry")
    if data.unit_type not in UnitType.values:
        raise InvalidInput(_("Choose a unit type."), field="unit_type")
    if data.female_employee_count > data.employee_count:
        raise WomenExceedEmployees(field="female_employee_count")
    if data.managing_unit.kind not in (OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT, OrgUnit.Kind.STREET):
        raise InvalidInput(_("An enterprise is looked after by a city, district or street federation."))
    if rank_at(acting_user, data.managing_unit) < RANK_MANAGE_ENTERPRISES:
        raise Forbidden()
    data.contact_phone = (
        normalise_phone(data.contact_phone, field="contact_phone") if data.contact_phone else ""
    )
    return data


@transaction.atomic(durable=True)
def do_register_enterprise(
    *, acting_user: Any, uscc: str, data: EnterpriseData, now: datetime.datetime | None = None
) -> Enterprise:
    now = now or timezone.now()
    code = validate_uscc(uscc)
    data = _clean(acting_user, data)
    existing = Enterprise.objects.filter(uscc=code).first()
    if existing is not None:
        raise EnterpriseExists(field="uscc", name=existing.name)
    try:
        # A savepoint, so a concurrent registration of the same code surfaces as a clean Conflict.
        with transaction.atomic():
            enterprise = Enterprise.objects.create(
                uscc=code,
                created_at=now,
                updated_at=now,
                **{f.name: getattr(data, f.name) for f in fields(data)},
            )
    except IntegrityError:
        raise EnterpriseExists(field="uscc", name=data.name) from None
    record_event(
        acting_user=acting_user,
        event_type="enterprise_registered",
        obj=enterprise,
        unit=enterprise.managing_unit,
        changed_fields=[f.name for f in fields(data)] + ["uscc"],
        now=now,
    )
    return enterprise


@transaction.atomic(durable=True)
def do_update_enterprise(
    *, acting_user: Any, enterprise: Enterprise, data: EnterpriseData, now: datetime.datetime | None = None
) -> Enterprise:
    if rank_at(acting_user, enterprise.managing_unit) < RANK_MANAGE_ENTERPRISES:
        raise Forbidden()
    data = _clean(acting_user, data)
    changed = []
    for f in fields(data):
        new = getattr(data, f.name)
        old = getattr(enterprise, f.name)
        if (old or "") != (new or ""):
            setattr(enterprise, f.name, new)
            changed.append(f.name)
    if changed:
        enterprise.updated_at = now or timezone.now()
        enterprise.save()
    record_event(
        acting_user=acting_user,
        event_type="enterprise_updated",
        obj=enterprise,
        unit=enterprise.managing_unit,
        changed_fields=changed,
    )
    return enterprise


class WorksiteExists(Conflict):
    code = "worksite_exists"
    default_message = _("%(unit)s already has a worksite named %(name)s.")


@transaction.atomic(durable=True)
def do_register_worksite(
    *,
    acting_user: Any,
    name: str,
    kind: str,
    street: Region,
    managing_unit: OrgUnit,
    address: str = "",
    contractor: Enterprise | None = None,
    now: datetime.datetime | None = None,
) -> Worksite:
    if rank_at(acting_user, managing_unit) < RANK_MANAGE_ENTERPRISES:
        raise Forbidden()
    name = name.strip()
    if not name:
        raise InvalidInput(_("The worksite name is required."), field="name")
    if kind not in Worksite.Kind.values:
        raise InvalidInput(_("Choose the kind of worksite."), field="kind")
    if street.level != Region.Level.STREET:
        raise InvalidInput(_("Choose a street or town."), field="street")
    if Worksite.objects.filter(managing_unit=managing_unit, name=name).exists():
        raise WorksiteExists(field="name", unit=managing_unit.name, name=name)
    try:
        with transaction.atomic():  # a concurrent request may register the same name first
            worksite = Worksite.objects.create(
                name=name,
                kind=kind,
                street=street,
                address=address.strip(),
                managing_unit=managing_unit,
                contractor=contractor,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        raise WorksiteExists(field="name", unit=managing_unit.name, name=name) from None
    record_event(
        acting_user=acting_user,
        event_type="worksite_registered",
        obj=worksite,
        unit=managing_unit,
        changed_fields=["name", "kind", "street", "address", "contractor"],
    )
    return worksite


# --- 建会意向书 (letters of intent) -------------------------------------------------------------------


class IntentLetterExists(Conflict):
    code = "intent_letter_exists"
    default_message = _("A letter of intent from this enterprise is already recorded for this meeting.")


class IntentLetterMeetingMismatch(InvalidInput):
    code = "intent_letter_meeting"
    default_message = _(
        "The letter must come from an enterprise met at this enterprise communication meeting."
    )


@transaction.atomic(durable=True)
def do_record_intent_letter(
    *,
    acting_user: Any,
    enterprise: Enterprise,
    signatory_name: str,
    signed_date: datetime.date,
    meeting: Any = None,
    signatory_title: str = "",
    scan: Any = None,
    now: datetime.datetime | None = None,
) -> IntentLetter:
    """Record the enterprise's signed 建会意向书, with the scan (PDF or image) kept in private storage.
    A 建会 case starts from these letters."""
    now = now or timezone.now()
    if rank_at(acting_user, enterprise.managing_unit) < RANK_MANAGE_ENTERPRISES:
        raise Forbidden()
    signatory_name = " ".join(signatory_name.split())
    if not signatory_name or len(signatory_name) > 50:
        raise InvalidInput(_("Enter who signed the letter (at most 50 characters)."), field="signatory_name")
    signatory_title = " ".join(signatory_title.split())[:100]
    if signed_date is None or signed_date > timezone.localdate(now):
        raise InvalidInput(_("The signing date cannot be in the future."), field="signed_date")
    if meeting is not None and (
        meeting.kind != "ENTERPRISE" or not meeting.target_enterprises.filter(pk=enterprise.pk).exists()
    ):
        raise IntentLetterMeetingMismatch(field="meeting")
    if IntentLetter.objects.filter(enterprise=enterprise, meeting=meeting).exists() and meeting is not None:
        raise IntentLetterExists()
    letter = IntentLetter(
        enterprise=enterprise,
        meeting=meeting,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        signed_date=signed_date,
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
        recorded_at=now,
    )
    if scan is not None:
        checked = check_upload(scan, accept=DOCUMENT, field="scan")
        letter.scan_content_type = checked.content_type
        # A name of our own: the uploaded name is the sender's text and may say anything.
        letter.scan.save(
            f"{enterprise.pk}-{now:%Y%m%d%H%M%S}.{checked.extension}",
            ContentFile(checked.content),
            save=False,
        )
    try:
        with transaction.atomic():
            letter.save()
    except IntegrityError:
        if letter.scan:
            letter.scan.delete(save=False)
        raise IntentLetterExists() from None
    record_event(
        acting_user=acting_user,
        event_type="intent_letter_recorded",
        obj=letter,
        unit=enterprise.managing_unit,
        changed_fields=["signatory_name", "signed_date", "scan"],
        details={"meeting_id": meeting.pk if meeting is not None else None, "scan": bool(letter.scan)},
        now=now,
    )
    return letter
