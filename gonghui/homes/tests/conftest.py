"""The homes of the tests: the example standard published, 云锐's home with facilities that meet the
district and city gates, and the 永顺镇 street officer who recommends for 云锐."""

from dataclasses import dataclass
from typing import Any

import pytest

from gonghui.accounts.models import User
from gonghui.demo.personas import Personas
from gonghui.homes.actions.homes import (
    do_add_facility,
    do_open_workers_home,
    do_publish_standard,
    read_example_standard,
)
from gonghui.homes.actions.levels import ItemAnswer
from gonghui.homes.models import FacilityType, Standard, StandardItem, StandardLevel, WorkersHome

MATERNITY = {"fridge": True, "sink": True, "seating": True, "lockable_door": True, "sign_in_register": True}
READING = {"books": 1200, "periodicals": 12, "reading_seats": 12, "lending_register": True}
ACTIVITY = {"tables_chairs": True, "activity_plan": True}


@dataclass
class HomesWorld:
    personas: Personas
    standard: Standard
    home: WorkersHome  # 云锐's, in 通州 / 永顺镇
    street_officer: User  # 永顺镇

    def level(self, code: str) -> StandardLevel:
        return self.standard.levels.get(code=code)

    def answers(self, code: str, *, points: int | None = None, met: bool = True) -> dict[int, ItemAnswer]:
        """Every item met, scored items at full points (or `points` each)."""
        return {
            item.pk: ItemAnswer(
                met=met,
                points=item.points if points is None or item.kind != StandardItem.Kind.SCORED else points,
            )
            for item in self.level(code).items.all()
        }

    def answers_json(self, code: str, **kwargs: Any) -> list[dict[str, Any]]:
        return [
            {"item_id": pk, "met": a.met, "points": a.points}
            for pk, a in self.answers(code, **kwargs).items()
        ]


def add_facility(
    world_home: WorkersHome, user: User, type_code: str, name: str, area: str, equipment: dict[str, Any]
) -> Any:
    return do_add_facility(
        acting_user=user,
        home=world_home,
        facility_type=FacilityType.objects.get(code=type_code),
        name=name,
        area_m2=area,
        equipment=equipment,
    )


@pytest.fixture
def world(personas: Personas) -> HomesWorld:
    standard = do_publish_standard(acting_user=personas.city_admin, data=read_example_standard())
    home = do_open_workers_home(acting_user=personas.chair, union=personas.unit("BJ-TZ-YS-YR"))
    add_facility(home, personas.chair, "MATERNITY_ROOM", "母婴室", "12", MATERNITY)
    add_facility(home, personas.chair, "READING_ROOM", "职工书屋", "40", READING)
    add_facility(home, personas.chair, "ACTIVITY_ROOM", "活动室", "50", ACTIVITY)
    return HomesWorld(
        personas=personas, standard=standard, home=home, street_officer=User.objects.get(username="yongshun")
    )
