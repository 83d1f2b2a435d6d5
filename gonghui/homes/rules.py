"""The standard's rules as plain functions of rows already loaded: does a facility meet its type's
checklist, is a facility gate met, until when is a level valid, which level does a home hold today."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from gonghui.homes.models import AwardedLevel, Facility, StandardItem, WorkersHome


def home_facilities(home: WorkersHome) -> list[Facility]:
    return list(
        home.facilities.select_related("facility_type").prefetch_related("facility_type__checklist_items")
    )


def checklist_rows(facility: Facility) -> list[dict[str, Any]]:
    """The type's checklist with the facility's answers: what the page shows and the gate counts."""
    rows = []
    for item in sorted(facility.facility_type.checklist_items.all(), key=lambda i: (i.position, i.pk)):
        value = facility.equipment.get(item.code)
        rows.append({"item": item, "value": value, "met": item.is_met(value)})
    return rows


def area_met(facility: Facility) -> bool:
    return Decimal(facility.area_m2) >= facility.facility_type.min_area_m2


def facility_meets_checklist(facility: Facility) -> bool:
    return area_met(facility) and all(row["met"] for row in checklist_rows(facility))


def facility_gate_met(item: StandardItem, facilities: Iterable[Facility]) -> bool:
    """A facility gate holds when the home has a facility of the item's type meeting its checklist."""
    return any(
        f.facility_type_id == item.facility_type_id and facility_meets_checklist(f) for f in facilities
    )


def valid_until(awarded: datetime.date, years: int) -> datetime.date:
    try:
        return awarded.replace(year=awarded.year + years)
    except ValueError:  # awarded on 29 February: valid to the 28th
        return awarded.replace(year=awarded.year + years, day=28)


def current_award(awards: Iterable[AwardedLevel], today: datetime.date) -> AwardedLevel | None:
    """The highest level the home holds today (active and not past its validity)."""
    valid = [a for a in awards if a.status == AwardedLevel.Status.ACTIVE and a.valid_until > today]
    return max(valid, key=lambda a: (a.level.rank, a.valid_until), default=None)
