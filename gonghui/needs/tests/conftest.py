"""The 朋友圈 the needs tests stand on, built through the actions: 潞源's committee with a volunteer team
(haircuts) and a bank (anti-fraud), each with a login, and 甘家口's committee with one need."""

import datetime
from dataclasses import dataclass

import pytest

from gonghui.accounts.models import User
from gonghui.demo.personas import PASSWORD, Personas
from gonghui.enterprises.models import Worksite
from gonghui.needs import actions
from gonghui.needs.actions import NeedData, PartnerUnitData
from gonghui.needs.catalogue import ensure_default_catalogue
from gonghui.needs.models import Committee, DeadlineClass, Need, PartnerUnit, Sector, WorkType


@dataclass
class Circle:
    personas: Personas
    committee: Committee
    volunteers: PartnerUnit
    bank: PartnerUnit
    barber: User
    banker: User
    worksite: Worksite
    haircut: WorkType
    finance: WorkType
    general: DeadlineClass
    ganjiakou_committee: Committee
    ganjiakou_need: Need

    def post(
        self,
        *,
        title: str = "三标段理发",
        work_type: WorkType | None = None,
        now: datetime.datetime | None = None,
        people: int = 90,
    ) -> Need:
        return actions.do_post_need(
            acting_user=self.personas.luyuan_officer,
            data=NeedData(
                committee=self.committee,
                work_type=work_type or self.haircut,
                deadline_class=self.general,
                title=title,
                people_count=people,
                worksite=self.worksite,
            ),
            now=now,
        )


def _unit(
    officer: User, committee: Committee, name: str, kind: str, types: list[WorkType], phone: str = ""
) -> PartnerUnit:
    return actions.do_add_partner_unit(
        acting_user=officer,
        committee=committee,
        data=PartnerUnitData(name=name, kind=kind, work_types=types, contact_phone=phone),
    )


def _login(officer: User, unit: PartnerUnit, username: str) -> User:
    user = actions.do_add_partner_staff(
        acting_user=officer,
        unit=unit,
        username=username,
        display_name=username,
        password=PASSWORD,
        is_unit_admin=True,
    )
    User.objects.filter(pk=user.pk).update(password_change_required=False)
    user.refresh_from_db()
    return user


@pytest.fixture
def circle(personas: Personas) -> Circle:
    luyuan = personas.luyuan_officer
    ensure_default_catalogue()  # a live-server test's flushed database has lost the migration's rows
    types = {w.code: w for w in WorkType.objects.all()}
    committee = actions.do_create_committee(
        acting_user=luyuan,
        union=personas.unit("BJ-TZ-LY"),
        name="潞源街道建筑行业党建工作协调委员会",
        sector=Sector.CONSTRUCTION,
        founded_date=datetime.date(2026, 6, 5),
    )
    volunteers = _unit(
        luyuan,
        committee,
        "通州区帮扶志愿服务队",
        PartnerUnit.Kind.VOLUNTEERS,
        [types["HAIRCUT"]],
        "13911120001",
    )
    bank = _unit(
        luyuan,
        committee,
        "北京银行潞城支行",
        PartnerUnit.Kind.BANK,
        [types["FINANCE_ANTI_FRAUD"]],
        "13911120002",
    )
    gjk_officer = personas.ganjiakou_officer
    gjk = actions.do_create_committee(
        acting_user=gjk_officer,
        union=personas.unit("BJ-HD-GJK"),
        name="甘家口街道商务楼宇协调委员会",
        sector=Sector.OFFICE_BUILDINGS,
        founded_date=datetime.date(2026, 7, 1),
    )
    _unit(gjk_officer, gjk, "甘家口法律服务所", PartnerUnit.Kind.OTHER, [types["LEGAL"]])
    general = DeadlineClass.objects.get(code="GENERAL")
    gjk_need = actions.do_post_need(
        acting_user=gjk_officer,
        data=NeedData(
            committee=gjk,
            work_type=types["LEGAL"],
            deadline_class=general,
            title="新意互动员工劳动合同咨询",
            people_count=30,
            enterprise=personas.enterprise("xinyi"),
        ),
    )
    return Circle(
        personas=personas,
        committee=committee,
        volunteers=volunteers,
        bank=bank,
        barber=_login(luyuan, volunteers, "barber"),
        banker=_login(luyuan, bank, "banker"),
        worksite=Worksite.objects.get(name="城市副中心周转房项目三标段"),
        haircut=types["HAIRCUT"],
        finance=types["FINANCE_ANTI_FRAUD"],
        general=general,
        ganjiakou_committee=gjk,
        ganjiakou_need=gjk_need,
    )


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):  # type: ignore[no-untyped-def]
    # Service photos land in a temporary directory, not the developer's var/media.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
