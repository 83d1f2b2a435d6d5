"""Helpers for the meetings tests: a worker meeting at 云锐 (永顺镇, 通州) and an enterprise meeting with
新意互动 (甘家口, 海淀), planned through the real actions."""

import datetime

import pytest
from django.utils import timezone

from gonghui.demo.cards import load_card_branches
from gonghui.demo.personas import PASSWORD, Personas
from gonghui.meetings import actions
from gonghui.meetings.actions import MeetingData
from gonghui.meetings.catalogue import TEMPLATES
from gonghui.meetings.models import Meeting, MeetingKind, PlaceKind, Questionnaire


@pytest.fixture
def personas(personas: Personas) -> Personas:
    """The personas plus the story's bank branches: a meeting may name the branch issuing cards there."""
    load_card_branches(personas.story, demo_password=PASSWORD)
    return personas


START = datetime.datetime(2026, 5, 29, 9, 30, tzinfo=datetime.UTC)


def worker_survey(personas: Personas, owner_code: str = "BJ-TZ") -> Questionnaire:
    title, description, _kind, specs = TEMPLATES["worker_needs"]
    return actions.do_create_questionnaire(
        acting_user=personas.tongzhou_officer if owner_code.startswith("BJ-TZ") else personas.haidian_officer,
        owner=personas.unit(owner_code),
        title=title,
        description=description,
        questions=list(specs),
        template_key="worker_needs",
    )


def plan_worker_meeting(
    personas: Personas, *, questionnaire: Questionnaire | None = None, **changes: object
) -> Meeting:
    data = MeetingData(
        kind=MeetingKind.WORKER,
        title="云锐大厅职工沟通会",
        organiser=personas.unit("BJ-TZ-YS"),
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=3),
        place_kind=PlaceKind.ENTERPRISE,
        enterprise=personas.enterprise("yunrui"),
        address="一楼大厅",
        partner_units="北京银行通州支行",
        questionnaire=questionnaire,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return actions.do_plan_meeting(acting_user=personas.tongzhou_officer, data=data)


def plan_enterprise_meeting(personas: Personas) -> Meeting:
    return actions.do_plan_meeting(
        acting_user=personas.ganjiakou_officer,
        data=MeetingData(
            kind=MeetingKind.ENTERPRISE,
            title="新意互动企业沟通会",
            organiser=personas.unit("BJ-HD-GJK"),
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=2),
            place_kind=PlaceKind.ENTERPRISE,
            enterprise=personas.enterprise("xinyi"),
            address="会议室",
        ),
    )


@pytest.fixture
def now() -> datetime.datetime:
    return timezone.now()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):  # type: ignore[no-untyped-def]
    # Letter-of-intent scans land in a temporary directory, not the developer's var/media.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
