"""The demo story, from the 双沟通 news report (shared/seed/shuanggoutong-article.txt).

北京市总工会 → 通州区总工会 (永顺镇, 潞源街道, 潞城镇) and 海淀区总工会 (甘家口街道); 北京云锐国际文化传媒
有限公司 in 永顺镇 with its union; 北京新意互动广告有限公司 in 甘家口 (several hundred staff, no union yet);
the 城市副中心周转房项目三标段 worksite in 潞源街道; a login for every role. Everything goes through the
same actions the console uses, and every step first looks for what it would create, so loading the
story again changes nothing.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from gonghui.accounts.actions import do_create_staff, do_grant_role
from gonghui.accounts.models import User
from gonghui.core.pii import blind_index
from gonghui.demo.benefits import load_benefits_demo
from gonghui.demo.cards import load_card_branches, load_card_story
from gonghui.demo.establishment import load_establishment_demo
from gonghui.demo.homes import load_homes_demo
from gonghui.demo.meetings import load_meetings_demo
from gonghui.demo.needs import load_needs_demo
from gonghui.enterprises.actions import EnterpriseData, do_register_enterprise, do_register_worksite
from gonghui.enterprises.models import Enterprise, Industry, UnitType, Worksite
from gonghui.enterprises.validators import with_check_character
from gonghui.members.actions import EnrolmentData, do_approve_membership, do_enrol_member
from gonghui.members.join import do_create_join_link
from gonghui.members.models import Channel, HukouType, JoinLink, Person, Transfer
from gonghui.orgs.actions import do_create_org_unit
from gonghui.orgs.models import OrgUnit, Region, Role, RoleAssignment

WORKSITE_NAME = "城市副中心周转房项目三标段"

# Development only: `make run` prints it; production refuses the development keys anyway.
DEMO_PASSWORD = "gonghui-demo-2026"  # noqa: S105


# Members. (name, resident ID, phone, union code, channel, migrant?) — 李春贵 is the migrant worker of the
# report (57 in 2018, from Henan); the others are invented. IDs are valid but fictional.
MEMBERS = [
    ("赵敏", "110112199901012269", "13911110001", "BJ-TZ-YS-YR", "STAFF_MOBILE", False),
    ("孙浩", "11011219980303339X", "13911110002", "BJ-TZ-YS-YR", "STAFF_MOBILE", False),
    ("周婷", "110112200102021287", "", "BJ-TZ-YS-YR", "STAFF_MOBILE", False),
    ("吴雪", "110223198506061247", "13911110004", "BJ-TZ-YS-YR", "STAFF_MOBILE", False),
    ("李春贵", "412721196103123712", "13911110005", "BJ-TZ-LY-SB3", "CONSOLE", True),
    ("陈秀兰", "412721197508081527", "", "BJ-TZ-LY-SB3", "CONSOLE", True),
    ("刘强", "410927199009091911", "13911110007", "BJ-TZ-LY-SB3", "CONSOLE", True),
]
# Waits in 云锐's review queue: a worker who scanned the poster.
PENDING_APPLICANT = ("郑洁", "110112200004042084", "13911110008", "BJ-TZ-YS-YR")
# 孙浩 moved to the worksite: enrolling him there proposes a transfer from 云锐.
TRANSFER = ("孙浩", "11011219980303339X", "BJ-TZ-LY-SB3")


@dataclass
class DemoLogin:
    username: str
    role_label: str
    unit_name: str
    person: str


@dataclass
class DemoStory:
    units: dict[str, OrgUnit] = field(default_factory=dict)
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)


# (code, name, kind, parent code, region code)
UNITS = [
    ("BJ", "北京市总工会", OrgUnit.Kind.CITY, None, "110000"),
    ("BJ-TZ", "通州区总工会", OrgUnit.Kind.DISTRICT, "BJ", "110112"),
    ("BJ-TZ-YS", "永顺镇总工会", OrgUnit.Kind.STREET, "BJ-TZ", "110112120"),
    ("BJ-TZ-LY", "潞源街道总工会", OrgUnit.Kind.STREET, "BJ-TZ", "110112007"),
    ("BJ-TZ-LC", "潞城镇总工会", OrgUnit.Kind.STREET, "BJ-TZ", "110112119"),
    ("BJ-HD", "海淀区总工会", OrgUnit.Kind.DISTRICT, "BJ", "110108"),
    ("BJ-HD-GJK", "甘家口街道总工会", OrgUnit.Kind.STREET, "BJ-HD", "110108004"),
    ("BJ-TZ-LY-SB3", "城市副中心周转房项目三标段联合工会", OrgUnit.Kind.JOINT, "BJ-TZ-LY", "110112007"),
]
# Grassroots unions come after the enterprises they belong to: (code, name, parent code, enterprise key).
GRASSROOTS: list[tuple[str, str, str, str]] = [
    ("BJ-TZ-YS-YR", "北京云锐国际文化传媒有限公司工会", "BJ-TZ-YS", "yunrui")
]

# (username, display name, role, unit code). Names from the report where it gives them.
STAFF = [
    ("tongzhou", "通州区总工会组织部", Role.DISTRICT_OFFICER, "BJ-TZ"),
    ("haidian", "海淀区总工会组织部", Role.DISTRICT_OFFICER, "BJ-HD"),
    ("luyuan", "张国宽", Role.STREET_OFFICER, "BJ-TZ-LY"),
    ("ganjiakou", "张华", Role.STREET_OFFICER, "BJ-HD-GJK"),
    ("yongshun", "永顺镇总工会", Role.STREET_OFFICER, "BJ-TZ-YS"),
    ("yunrui", "云锐工会主席", Role.UNION_CHAIR, "BJ-TZ-YS-YR"),
    ("collector", "永顺镇采集员", Role.COLLECTOR, "BJ-TZ-YS"),
    ("leader", "通州区领导", Role.VIEWER, "BJ-TZ"),
    ("gaoli", "高丽（北京银行通州支行）", Role.BANK_OPERATOR, "BJ-TZ"),
]


ENTERPRISES: list[dict[str, Any]] = [
    {
        "key": "yunrui",
        "uscc": with_check_character("91110112MA01C2K7R"),
        "name": "北京云锐国际文化传媒有限公司",
        "address": "北京市通州区永顺镇商务园中园",
        "district": "110112",
        "street": "110112120",
        "industry": Industry.R,
        "unit_type": UnitType.PRIVATE,
        "employee_count": 160,
        "female_employee_count": 85,
        "managing_unit": "BJ-TZ-YS",
    },
    {
        "key": "xinyi",
        "uscc": with_check_character("91110108MA00F5JX3"),
        "name": "北京新意互动广告有限公司",
        "address": "北京市海淀区甘家口街道",
        "district": "110108",
        "street": "110108004",
        "industry": Industry.L,
        "unit_type": UnitType.PRIVATE,
        "employee_count": 320,
        "female_employee_count": 170,
        "managing_unit": "BJ-HD-GJK",
    },
]


def load_demo_story(*, with_members: bool = True) -> DemoStory:
    """The whole story, app by app in the order of their dependencies. with_members=False stops after the
    tree, enterprises, staff and the card branches."""
    story = load_people_and_places()
    load_card_branches(story, demo_password=DEMO_PASSWORD)  # before the meetings: one names its card branch
    if with_members:
        worksite = Worksite.objects.get(name=WORKSITE_NAME)
        _load_join_links(story, worksite)
        _load_members(story, worksite)
        load_meetings_demo(story)
        load_card_story(story)
        load_establishment_demo(story)
        load_homes_demo(story)
        load_needs_demo(story, demo_password=DEMO_PASSWORD)
        load_benefits_demo(story)
    return story


def load_people_and_places() -> DemoStory:
    """The union tree, the enterprises, the worksite and the staff logins: what every app's story and the
    test personas stand on (orgs, accounts and enterprises only)."""
    if settings.PRODUCTION:
        raise RuntimeError("The demo story (published passwords) is never loaded in production.")
    story = DemoStory()
    regions = {r.code: r for r in Region.objects.all()}
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser(
            "admin", password=DEMO_PASSWORD, display_name="北京市总工会管理员"
        )
    for code, name, kind, parent_code, region_code in UNITS:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            unit = do_create_org_unit(
                acting_user=admin,
                parent=story.units[parent_code] if parent_code else None,
                code=code,
                name=name,
                kind=kind,
                region=regions.get(region_code),
            )
        story.units[code] = unit
        if kind == OrgUnit.Kind.CITY and not RoleAssignment.objects.filter(user=admin, unit=unit).exists():
            do_grant_role(acting_user=admin, user=admin, unit=unit, role=Role.CITY_ADMIN)
    for spec in ENTERPRISES:
        story.enterprises[spec["key"]] = _ensure_enterprise(admin, spec, story, regions)
    for code, name, parent_code, enterprise_key in GRASSROOTS:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            enterprise = story.enterprises[enterprise_key]
            unit = do_create_org_unit(
                acting_user=admin,
                parent=story.units[parent_code],
                code=code,
                name=name,
                kind=OrgUnit.Kind.GRASSROOTS,
                region=enterprise.street,
                enterprise=enterprise,
            )
        story.units[code] = unit
    story.logins.append(DemoLogin("admin", str(Role.CITY_ADMIN.label), "北京市总工会", "北京市总工会管理员"))
    for username, display, role, unit_code in STAFF:
        unit = story.units[unit_code]
        if not User.objects.filter(username=username).exists():
            do_create_staff(
                acting_user=admin,
                username=username,
                display_name=display,
                password=DEMO_PASSWORD,
                unit=unit,
                role=role,
            )
        story.logins.append(DemoLogin(username, str(Role(role).label), unit.name, display))
    worksite = Worksite.objects.filter(name=WORKSITE_NAME).first()
    if worksite is None:
        worksite = do_register_worksite(
            acting_user=admin,
            name=WORKSITE_NAME,
            kind=Worksite.Kind.CONSTRUCTION,
            street=regions["110112007"],
            address="北京市通州区潞源街道",
            managing_unit=story.units["BJ-TZ-LY"],
        )
    return story


def _load_join_links(story: DemoStory, worksite: Worksite) -> None:
    """QR posters: one in 云锐's lobby, one at the 三标段 worksite (after the haircut day)."""
    chair = User.objects.get(username="yunrui")
    luyuan = User.objects.get(username="luyuan")
    posters = [
        (chair, story.units["BJ-TZ-YS-YR"], None, "云锐大厅职工沟通会"),
        (luyuan, story.units["BJ-TZ-LY-SB3"], worksite, "三标段工地入会二维码"),
    ]
    for user, union, site, label in posters:
        if not JoinLink.objects.filter(union=union, label=label).exists():
            do_create_join_link(acting_user=user, union=union, worksite=site, label=label)


def _known(resident_id: str) -> bool:
    return Person.objects.filter(resident_id_index=blind_index(resident_id, purpose="resident_id")).exists()


def _load_members(story: DemoStory, worksite: Worksite) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=["collector", "yunrui", "luyuan"])}
    yunrui = story.enterprises["yunrui"]
    for name, resident_id, phone, union_code, channel, migrant in MEMBERS:
        if _known(resident_id):
            continue
        at_site = union_code == "BJ-TZ-LY-SB3"
        outcome = do_enrol_member(
            acting_user=users["collector"] if channel == Channel.STAFF_MOBILE else users["luyuan"],
            union=story.units[union_code],
            data=EnrolmentData(
                name=name,
                resident_id=resident_id,
                phone=phone,
                ethnicity="汉族",
                hukou_type=HukouType.AGRICULTURAL if migrant else HukouType.NON_AGRICULTURAL,
                is_migrant_worker=migrant,
                employer=None if at_site else yunrui,
                employer_name="中建某局城市副中心周转房项目三标段" if at_site else "",
                worksite=worksite if at_site else None,
            ),
            channel=channel,
            consent_given=True,
            confirm_area_warning=True,
        )
        if outcome.membership.status == "PENDING":
            do_approve_membership(acting_user=users["yunrui"], membership=outcome.membership)
    name, resident_id, phone, union_code = PENDING_APPLICANT
    if not _known(resident_id):
        do_enrol_member(
            acting_user=None,
            union=story.units[union_code],
            data=EnrolmentData(name=name, resident_id=resident_id, phone=phone, employer=yunrui),
            channel=Channel.SELF_SERVICE,
            consent_given=True,
        )
    name, resident_id, union_code = TRANSFER
    if not Transfer.objects.filter(
        person__resident_id_index=blind_index(resident_id, purpose="resident_id")
    ).exists():
        do_enrol_member(
            acting_user=users["luyuan"],
            union=story.units[union_code],
            data=EnrolmentData(
                name=name, resident_id=resident_id, worksite=worksite, is_migrant_worker=False
            ),
            channel=Channel.CONSOLE,
            consent_given=True,
        )


def _ensure_enterprise(
    admin: User, spec: dict[str, Any], story: DemoStory, regions: dict[str, Region]
) -> Enterprise:
    existing = Enterprise.objects.filter(uscc=spec["uscc"]).first()
    if existing is not None:
        return existing
    enterprise = do_register_enterprise(
        acting_user=admin,
        uscc=spec["uscc"],
        data=EnterpriseData(
            name=spec["name"],
            address=spec["address"],
            district=regions[spec["district"]],
            street=regions[spec["street"]],
            industry=spec["industry"],
            unit_type=spec["unit_type"],
            employee_count=spec["employee_count"],
            female_employee_count=spec["female_employee_count"],
            managing_unit=story.units[spec["managing_unit"]],
        ),
    )
    return enterprise
