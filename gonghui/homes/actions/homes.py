"""Writes to a Workers' Home and its facilities, and to the data they are measured against (facility types,
standards). Each function: one durable transaction, one audit event."""

import datetime
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.core.audit import record_event
from gonghui.core.errors import Conflict, Forbidden, InvalidInput
from gonghui.core.text import TextKind, clean_text
from gonghui.core.uploads import PHOTO, check_upload
from gonghui.homes.models import (
    ChecklistItem,
    Facility,
    FacilityPhoto,
    FacilityType,
    FacilityUsage,
    Standard,
    StandardItem,
    StandardLevel,
    WorkersHome,
)
from gonghui.orgs.models import ROLE_RANK, OrgUnit, Role
from gonghui.orgs.scope import is_city_wide, max_rank, rank_at

# Who keeps a home and its facilities: its union chair, and the officers above (who help set it up).
RANK_KEEP_HOME = ROLE_RANK[Role.UNION_CHAIR]
# Facility types are one list for the whole city: its administrators and district officers extend it.
RANK_EXTEND_TYPES = ROLE_RANK[Role.DISTRICT_OFFICER]
MAX_AREA_M2 = Decimal("100000")
EXAMPLE_STANDARD_FILE = Path(__file__).resolve().parent.parent / "data" / "example_standard.json"


class HomeExists(Conflict):
    code = "homes_home_exists"
    default_message = _("This union already has a Workers' Home.")


class NotAGrassrootsUnion(InvalidInput):
    code = "homes_not_grassroots"
    default_message = _("A Workers' Home belongs to a grassroots or joint union.")


class AreaInvalid(InvalidInput):
    code = "homes_area_invalid"
    default_message = _("The area must be a positive number of square metres (at most 100000).")


class FacilityExists(Conflict):
    code = "homes_facility_exists"
    default_message = _("This home already has a facility named %(name)s.")


class EquipmentInvalid(InvalidInput):
    code = "homes_equipment_invalid"
    default_message = _("The checklist answer for %(item)s is not valid.")


class UsageInvalid(InvalidInput):
    code = "homes_usage_invalid"
    default_message = _("Enter the visits of a past or the current month.")


class FacilityTypeExists(Conflict):
    code = "homes_facility_type_exists"
    default_message = _("A facility type with this code already exists.")


class StandardVersionExists(Conflict):
    code = "homes_standard_version_exists"
    default_message = _("This version of the standard is already published.")


def _require(user: Any, unit: OrgUnit, rank: int) -> None:
    if rank_at(user, unit) < rank:
        raise Forbidden()


@transaction.atomic(durable=True)
def do_open_workers_home(
    *, acting_user: Any, union: OrgUnit, name: str = "", now: datetime.datetime | None = None
) -> WorkersHome:
    now = now or timezone.now()
    _require(acting_user, union, RANK_KEEP_HOME)
    if union.kind not in (OrgUnit.Kind.GRASSROOTS, OrgUnit.Kind.JOINT):
        raise NotAGrassrootsUnion()
    name = clean_text(name, TextKind.NAME, field="name") if name else f"{union.name}职工之家"
    if WorkersHome.objects.filter(union=union).exists():
        raise HomeExists()
    try:
        with transaction.atomic():
            home = WorkersHome.objects.create(union=union, name=name[:200], created_at=now)
    except IntegrityError:
        raise HomeExists() from None
    record_event(acting_user=acting_user, event_type="workers_home_opened", obj=home, unit=union, now=now)
    return home


def _area(value: Any) -> Decimal:
    try:
        area = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise AreaInvalid(field="area_m2") from None
    if not area.is_finite() or area <= 0 or area > MAX_AREA_M2:
        raise AreaInvalid(field="area_m2")
    return area.quantize(Decimal("0.1"))


def _equipment(facility_type: FacilityType, equipment: dict[str, Any]) -> dict[str, Any]:
    """Only the type's own items, each answered in its own kind (yes/no, or a whole number)."""
    items = {item.code: item for item in facility_type.checklist_items.all()}
    cleaned: dict[str, Any] = {}
    for code, value in equipment.items():
        item = items.get(code)
        if item is None:
            raise EquipmentInvalid(field="equipment", item=str(code)[:40])
        if item.kind == ChecklistItem.Kind.HAS:
            if not isinstance(value, bool):
                raise EquipmentInvalid(field="equipment", item=item.text)
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000_000:
            raise EquipmentInvalid(field="equipment", item=item.text)
        cleaned[code] = value
    return cleaned


@transaction.atomic(durable=True)
def do_add_facility(
    *,
    acting_user: Any,
    home: WorkersHome,
    facility_type: FacilityType,
    name: str,
    area_m2: Any,
    opening_hours: str = "",
    equipment: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> Facility:
    now = now or timezone.now()
    _require(acting_user, home.union, RANK_KEEP_HOME)
    name = clean_text(name, TextKind.NAME, field="name")
    if not name:
        raise InvalidInput(_("The facility's name is required."), field="name")
    area = _area(area_m2)
    hours = clean_text(opening_hours, TextKind.LABEL, field="opening_hours") if opening_hours else ""
    cleaned = _equipment(facility_type, equipment or {})
    if Facility.objects.filter(home=home, name=name).exists():
        raise FacilityExists(field="name", name=name)
    try:
        with transaction.atomic():
            facility = Facility.objects.create(
                home=home,
                facility_type=facility_type,
                name=name[:100],
                area_m2=area,
                opening_hours=hours[:100],
                equipment=cleaned,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        raise FacilityExists(field="name", name=name) from None
    record_event(
        acting_user=acting_user,
        event_type="facility_added",
        obj=facility,
        unit=home.union,
        changed_fields=["facility_type", "name", "area_m2", "opening_hours", "equipment"],
        now=now,
    )
    return facility


@transaction.atomic(durable=True)
def do_update_facility(
    *,
    acting_user: Any,
    facility: Facility,
    area_m2: Any,
    opening_hours: str = "",
    equipment: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> Facility:
    now = now or timezone.now()
    facility = (
        Facility.objects.select_for_update()
        .select_related("home__union", "facility_type")
        .get(pk=facility.pk)
    )
    _require(acting_user, facility.home.union, RANK_KEEP_HOME)
    new = {
        "area_m2": _area(area_m2),
        "opening_hours": (
            clean_text(opening_hours, TextKind.LABEL, field="opening_hours")[:100] if opening_hours else ""
        ),
        "equipment": _equipment(facility.facility_type, equipment or {}),
    }
    changed = [field for field, value in new.items() if getattr(facility, field) != value]
    for field in changed:
        setattr(facility, field, new[field])
    if changed:
        facility.updated_at = now
        facility.save()
    record_event(
        acting_user=acting_user,
        event_type="facility_updated",
        obj=facility,
        unit=facility.home.union,
        changed_fields=changed,
        now=now,
    )
    return facility


@transaction.atomic(durable=True)
def do_add_facility_photo(
    *,
    acting_user: Any,
    facility: Facility,
    upload: Any,
    caption: str = "",
    now: datetime.datetime | None = None,
) -> FacilityPhoto:
    """A photo of the facility: checked by its bytes (a PDF renamed .jpg is refused), re-encoded without
    EXIF so the phone's location never reaches the disk."""
    now = now or timezone.now()
    union = facility.home.union
    _require(acting_user, union, RANK_KEEP_HOME)
    checked = check_upload(upload, accept=PHOTO, field="photo")
    caption = clean_text(caption, TextKind.LABEL, field="caption")[:100] if caption else ""
    photo = FacilityPhoto(
        facility=facility,
        content_type=checked.content_type,
        sha256=checked.sha256,
        caption=caption,
        uploaded_by=acting_user if getattr(acting_user, "pk", None) else None,
        uploaded_at=now,
    )
    # A name of our own: the uploaded name is the sender's text and may say anything.
    photo.file.save(
        f"{facility.pk}-{checked.sha256[:16]}.{checked.extension}", ContentFile(checked.content), save=False
    )
    try:
        with transaction.atomic():
            photo.save()
    except IntegrityError:
        photo.file.delete(save=False)
        raise
    record_event(
        acting_user=acting_user,
        event_type="facility_photo_added",
        obj=facility,
        unit=union,
        details={"photo_id": photo.pk},
        now=now,
    )
    return photo


@transaction.atomic(durable=True)
def do_record_facility_usage(
    *,
    acting_user: Any,
    facility: Facility,
    month: datetime.date,
    visits: int,
    now: datetime.datetime | None = None,
) -> FacilityUsage:
    """Visits in a month, entered by hand: entering the same month again corrects it."""
    now = now or timezone.now()
    union = facility.home.union
    _require(acting_user, union, RANK_KEEP_HOME)
    month = month.replace(day=1)
    if month > timezone.localdate(now) or month.year < 2000:
        raise UsageInvalid(field="month")
    if isinstance(visits, bool) or not isinstance(visits, int) or not 0 <= visits <= 10_000_000:
        raise UsageInvalid(_("Visits are a whole number, zero or more."), field="visits")
    usage, created = FacilityUsage.objects.update_or_create(
        facility=facility,
        month=month,
        defaults={
            "visits": visits,
            "recorded_by": acting_user if getattr(acting_user, "pk", None) else None,
            "recorded_at": now,
        },
    )
    record_event(
        acting_user=acting_user,
        event_type="facility_usage_recorded",
        obj=facility,
        unit=union,
        details={"month": f"{month:%Y-%m}", "visits": visits, "corrected": not created},
        now=now,
    )
    return usage


@transaction.atomic(durable=True)
def do_create_facility_type(
    *,
    acting_user: Any,
    code: str,
    name: str,
    min_area_m2: Any = 0,
    items: list[dict[str, Any]] | None = None,
    now: datetime.datetime | None = None,
) -> FacilityType:
    """Extend the list of facility types (with the type's checklist): city administrators and district
    officers."""
    now = now or timezone.now()
    if max_rank(acting_user) < RANK_EXTEND_TYPES:
        raise Forbidden()
    facility_type = _create_type(code=code, name=name, min_area_m2=min_area_m2, items=items or [], now=now)
    record_event(
        acting_user=acting_user,
        event_type="facility_type_created",
        obj=facility_type,
        details={"items": facility_type.checklist_items.count()},
        now=now,
    )
    return facility_type


def _create_type(
    *,
    code: str,
    name: str,
    min_area_m2: Any,
    items: list[dict[str, Any]],
    now: datetime.datetime,
    position: int = 0,
) -> FacilityType:
    code = clean_text(code, TextKind.LABEL, field="code").upper()
    if not code or len(code) > 40 or not code.replace("_", "").isalnum() or not code.isascii():
        raise InvalidInput(_("A code is up to 40 Latin letters, digits and underscores."), field="code")
    name = clean_text(name, TextKind.NAME, field="name")
    if not name:
        raise InvalidInput(_("The name is required."), field="name")
    minimum = Decimal(str(min_area_m2 or 0))
    if not minimum.is_finite() or minimum < 0 or minimum > MAX_AREA_M2:
        raise AreaInvalid(field="min_area_m2")
    if FacilityType.objects.filter(code=code).exists():
        raise FacilityTypeExists(field="code")
    facility_type = FacilityType.objects.create(
        code=code, name=name[:100], min_area_m2=minimum, position=position, created_at=now
    )
    for index, item in enumerate(items):
        kind = item.get("kind", ChecklistItem.Kind.HAS)
        if kind not in ChecklistItem.Kind.values:
            raise InvalidInput(field="items")
        minimum_value = item.get("min_value") if kind == ChecklistItem.Kind.AT_LEAST else None
        if kind == ChecklistItem.Kind.AT_LEAST and (
            not isinstance(minimum_value, int) or isinstance(minimum_value, bool) or minimum_value < 0
        ):
            raise InvalidInput(_("A number item needs its minimum."), field="items")
        item_code = str(item.get("code", "")).strip()
        text = clean_text(str(item.get("text", "")), TextKind.LABEL, field="items")
        if not item_code or not text:
            raise InvalidInput(_("Each checklist item needs a code and a text."), field="items")
        try:
            with transaction.atomic():
                ChecklistItem.objects.create(
                    facility_type=facility_type,
                    code=item_code[:40],
                    text=text[:200],
                    kind=kind,
                    min_value=minimum_value,
                    position=index,
                )
        except IntegrityError:
            raise InvalidInput(_("Two checklist items share a code."), field="items") from None
    return facility_type


@transaction.atomic(durable=True)
def do_publish_standard(
    *, acting_user: Any, data: dict[str, Any], now: datetime.datetime | None = None
) -> Standard:
    """Publish a version of a standard from its data (the shape of data/example_standard.json), creating
    the facility types it names that do not exist yet. A published version is never edited: a change is
    a new version, and applications keep the version they were made under."""
    now = now or timezone.now()
    if not is_city_wide(acting_user, min_rank=ROLE_RANK[Role.CITY_ADMIN]):
        raise Forbidden()
    for position, spec in enumerate(data.get("facility_types", [])):
        if not FacilityType.objects.filter(code=spec["code"]).exists():
            _create_type(
                code=spec["code"],
                name=spec["name"],
                min_area_m2=spec.get("min_area_m2", 0),
                items=spec.get("items", []),
                now=now,
                position=position,
            )
    spec = data["standard"]
    if Standard.objects.filter(code=spec["code"], version=spec["version"]).exists():
        raise StandardVersionExists()
    standard = Standard.objects.create(
        code=spec["code"],
        version=spec["version"],
        title=spec["title"],
        is_example=bool(spec.get("is_example")),
        source_note=spec.get("source_note", ""),
        published_at=now,
    )
    types = {t.code: t for t in FacilityType.objects.all()}
    for level_spec in spec["levels"]:
        level = StandardLevel.objects.create(
            standard=standard,
            code=level_spec["code"],
            name=level_spec["name"],
            rank=level_spec["rank"],
            pass_mark=level_spec["pass_mark"],
            validity_years=level_spec["validity_years"],
        )
        for position, item in enumerate(level_spec["items"]):
            type_code = item.get("facility_type")
            if type_code and type_code not in types:
                raise InvalidInput(_("The standard names an unknown facility type."), field="facility_type")
            StandardItem.objects.create(
                level=level,
                code=item["code"],
                text=item["text"],
                kind=item["kind"],
                points=item.get("points", 0),
                facility_type=types[type_code] if type_code else None,
                position=position,
            )
    record_event(
        acting_user=acting_user,
        event_type="homes_standard_published",
        obj=standard,
        details={"version": standard.version, "example": standard.is_example},
        now=now,
    )
    return standard


def read_example_standard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE_STANDARD_FILE.read_text(encoding="utf-8"))
    return data
