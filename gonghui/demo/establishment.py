"""建会 in the demo story: 新意互动 (320 staff) from the first visit to its registered union with chair 申健,
and a few 100+ enterprises of 甘家口 and 永顺 at earlier stages (one stalled, its follow-up overdue).

The report: the company was spun off from a group that had a union and brought a fifth of the group's
members with it; they asked for a union of their own. So its preparatory group are members of the former
group's union, and establishing the new union proposes their transfers (接转). Everything goes through
the actions, and each step first looks at what is there, so loading the story twice changes nothing.
"""

import datetime
from typing import Any

from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.core.pii import blind_index
from gonghui.enterprises.actions import EnterpriseData, do_register_enterprise
from gonghui.enterprises.models import Enterprise, Industry, UnitType
from gonghui.enterprises.validators import with_check_character
from gonghui.establishment import actions
from gonghui.establishment.actions import AssemblyFacts, GroupMember, StageStep, UnionSpec
from gonghui.establishment.models import Establishment, Stage, UnionPath, stage_index
from gonghui.members.actions import EnrolmentData, do_enrol_member
from gonghui.members.models import Channel, Person
from gonghui.orgs.actions import do_create_org_unit
from gonghui.orgs.models import OrgUnit, Region

XINYI_UNION_CODE = "BJ-HD-GJK-XY"
XINYI_UNION_NAME = "北京新意互动广告有限公司工会"
XINYI_CHAIR_LOGIN = "shenjian"
FORMER_GROUP_UNION = ("BJ-HD-XYJT", "新意互动原所属集团工会（演示）")

# The preparatory group: 申健 leads it; all were members at the former group. IDs valid but fictional.
PREPARATORY_GROUP = [
    ("申健", "110108198203150017", True),
    ("王丽", "110108198807220022", False),
    ("陈宇", "110105199001010033", False),
    ("刘芳", "110108199205180040", False),
]
# Workers who applied at the enterprise meeting, before the union existed.
APPLICANTS = [("赵晨", "110108199506060018", "13911120001"), ("孙悦", "110108199707070028", "13911120002")]


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _valid_id(first17: str) -> str:
    from stdnum.cn import ric

    return first17 + ric.calc_check_digit(first17 + "0")


def load_establishment_demo(story: Any) -> None:
    officer = User.objects.get(username="ganjiakou")
    _xinyi(story, officer)
    _earlier_cases(story)


def _former_group_members(story: Any, officer: User) -> None:
    haidian = User.objects.get(username="haidian")
    code, name = FORMER_GROUP_UNION
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        unit = do_create_org_unit(
            acting_user=haidian,
            parent=story.units["BJ-HD"],
            code=code,
            name=name,
            kind=OrgUnit.Kind.GRASSROOTS,
        )
    for person_name, first17, _ in PREPARATORY_GROUP:
        resident_id = _valid_id(first17[:17])
        if Person.objects.filter(resident_id_index=blind_index(resident_id, purpose="resident_id")).exists():
            continue
        do_enrol_member(
            acting_user=haidian,
            union=unit,
            data=EnrolmentData(name=person_name, resident_id=resident_id, employer_name="新意互动原所属集团"),
            channel=Channel.CONSOLE,
            consent_given=True,
            confirm_area_warning=True,
        )


def _xinyi(story: Any, officer: User) -> None:
    xinyi = Enterprise.objects.get(pk=story.enterprises["xinyi"].pk)
    case = Establishment.objects.filter(enterprise=xinyi).order_by("-pk").first()
    if case is None:
        if xinyi.union_id is not None:
            return  # its union was made elsewhere (another part of the story); nothing to follow
        _former_group_members(story, officer)
        case = actions.do_open_case(
            acting_user=officer,
            enterprise=xinyi,
            stage_date=datetime.date(2026, 5, 20),
            next_follow_up_date=datetime.date(2026, 6, 2),
            note="区总工会百人以上企业名单：北京新意互动广告有限公司，320人，尚未建会。",
            now=_at(datetime.date(2026, 5, 20)),
        )
    steps: list[tuple[str, Any]] = [
        (Stage.VISITED, _visit),
        (Stage.INTENT_SIGNED, _sync_meeting_and_letter),
        (Stage.PREPARATORY_GROUP, _preparatory_group),
        (Stage.APPROVED_BY_SUPERIOR, _approval),
        (Stage.FOUNDING_ASSEMBLY, _assembly),
        (Stage.REGISTERED, _registration),
        (Stage.ESTABLISHED, _establish),
    ]
    for stage, step in steps:
        case.refresh_from_db()
        if case.status != Establishment.Status.OPEN or stage_index(case.stage) >= stage_index(stage):
            continue
        step(case, officer, story)


def _visit(case: Establishment, officer: User, story: Any) -> None:
    day = datetime.date(2026, 6, 2)
    actions.do_record_stage(
        acting_user=officer,
        case=case,
        step=StageStep(
            stage=Stage.VISITED,
            stage_date=day,
            next_follow_up_date=datetime.date(2026, 6, 18),
            note="走访公司人力资源总监，介绍建会流程与会员互助服务卡；约定6月18日开企业沟通会。",
        ),
        now=_at(day),
    )


def _sync_meeting_and_letter(case: Establishment, officer: User, story: Any) -> None:
    # The enterprise meeting of 18 June and the letter signed there (gonghui/demo/meetings.py) move the case.
    actions.do_sync_case_from_records(
        acting_user=officer, enterprise_id=case.enterprise_id, now=_at(datetime.date(2026, 6, 18), 17)
    )


def _preparatory_group(case: Establishment, officer: User, story: Any) -> None:
    day = datetime.date(2026, 7, 2)
    for name, resident_id, phone in APPLICANTS:
        actions.do_add_applicant(
            acting_user=officer,
            case=case,
            applicant=actions.Applicant(
                name=name,
                resident_id=_valid_id(resident_id[:17]),
                phone=phone,
                source="MEETING",
                consent_given=True,
            ),
            now=_at(day, 9),
        )
    actions.do_form_preparatory_group(
        acting_user=officer,
        case=case,
        step=StageStep(
            stage=Stage.PREPARATORY_GROUP,
            stage_date=day,
            next_follow_up_date=datetime.date(2026, 7, 20),
            note="筹备组成员均为原集团工会会员，随公司独立运营转来。",
        ),
        members=[
            GroupMember(name=n, resident_id=_valid_id(i[:17]), is_leader=leader)
            for n, i, leader in PREPARATORY_GROUP
        ],
        union_path=UnionPath.COMMITTEE,
        expected_members=210,
        now=_at(day, 15),
    )


def _approval(case: Establishment, officer: User, story: Any) -> None:
    day = datetime.date(2026, 7, 20)
    actions.do_record_approval(
        acting_user=officer,
        case=case,
        step=StageStep(
            stage=Stage.APPROVED_BY_SUPERIOR, stage_date=day, next_follow_up_date=datetime.date(2026, 8, 15)
        ),
        document_number="甘工批〔2026〕7号",
        now=_at(day),
    )


def _assembly(case: Establishment, officer: User, story: Any) -> None:
    day = datetime.date(2026, 8, 15)
    actions.do_record_founding_assembly(
        acting_user=officer,
        case=case,
        step=StageStep(
            stage=Stage.FOUNDING_ASSEMBLY, stage_date=day, next_follow_up_date=datetime.date(2026, 9, 10)
        ),
        facts=AssemblyFacts(
            member_count=210,
            members_present=186,
            committee_size=9,
            chair_name="申健",
            women_member_count=112,
            funds_audit_committee=True,
            women_committee=True,
            term_years=5,
        ),
        now=_at(day, 16),
    )


def _registration(case: Establishment, officer: User, story: Any) -> None:
    day = datetime.date(2026, 9, 10)
    actions.do_record_registration(
        acting_user=officer,
        case=case,
        step=StageStep(
            stage=Stage.REGISTERED, stage_date=day, next_follow_up_date=datetime.date(2026, 9, 15)
        ),
        certificate_number="工法证字第110108260015号",
        union_uscc=with_check_character("81110108MA0XYGH01"),
        now=_at(day),
    )


def _establish(case: Establishment, officer: User, story: Any) -> None:
    from gonghui.demo.story import DEMO_PASSWORD  # the story imports this module

    actions.establish_union(
        acting_user=officer,
        case=case,
        spec=UnionSpec(
            code=XINYI_UNION_CODE,
            name=XINYI_UNION_NAME,
            chair_user=User.objects.filter(username=XINYI_CHAIR_LOGIN).first(),
            chair_username=XINYI_CHAIR_LOGIN,
            chair_password=DEMO_PASSWORD,
        ),
        now=_at(datetime.date(2026, 9, 15)),
    )


# (key, name, uscc first 17, street region, managing unit, employees, women, stage, days ago, follow-up in days)
EARLIER = [
    (
        "gjk-a",
        "北京甘家口数智科技有限公司",
        "91110108MA01GJK1A",
        "110108004",
        "BJ-HD-GJK",
        240,
        96,
        Stage.VISITED,
        10,
        7,
    ),
    (
        "gjk-b",
        "北京阜成路物业服务有限公司",
        "91110108MA01GJK2B",
        "110108004",
        "BJ-HD-GJK",
        135,
        70,
        Stage.IDENTIFIED,
        75,
        -40,
    ),
    (
        "ys-a",
        "北京永顺智造装备有限公司",
        "91110112MA01YX01C",
        "110112120",
        "BJ-TZ-YS",
        410,
        120,
        Stage.VISITED,
        20,
        10,
    ),
    (
        "ys-b",
        "北京通州物流配送有限公司",
        "91110112MA01YX02D",
        "110112120",
        "BJ-TZ-YS",
        180,
        40,
        Stage.IDENTIFIED,
        3,
        14,
    ),
]


def _earlier_cases(story: Any) -> None:
    officers = {u.username: u for u in User.objects.filter(username__in=["ganjiakou", "yongshun"])}
    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    regions = {
        r.code: r for r in Region.objects.filter(code__in=["110108", "110112", "110108004", "110112120"])
    }
    for key, name, first17, street, unit_code, staff, women, stage, days_ago, follow_up in EARLIER:
        uscc = with_check_character(first17)
        enterprise = Enterprise.objects.filter(uscc=uscc).first()
        if enterprise is None:
            enterprise = do_register_enterprise(
                acting_user=admin,
                uscc=uscc,
                data=EnterpriseData(
                    name=name,
                    district=regions[street[:6]],
                    street=regions[street],
                    industry=Industry.I if key.endswith("a") else Industry.L,
                    unit_type=UnitType.PRIVATE,
                    employee_count=staff,
                    female_employee_count=women,
                    managing_unit=story.units[unit_code],
                ),
            )
        story.enterprises[key] = enterprise
        if Establishment.objects.filter(enterprise=enterprise).exists():
            continue
        officer = officers["ganjiakou" if unit_code == "BJ-HD-GJK" else "yongshun"]
        opened = today - datetime.timedelta(days=days_ago)
        case = actions.do_open_case(
            acting_user=officer,
            enterprise=enterprise,
            stage_date=opened,
            next_follow_up_date=today + datetime.timedelta(days=follow_up)
            if stage == Stage.IDENTIFIED
            else None,
            now=_at(opened),
        )
        if stage == Stage.VISITED:
            visited = opened + datetime.timedelta(days=2)
            actions.do_record_stage(
                acting_user=officer,
                case=case,
                step=StageStep(
                    stage=Stage.VISITED,
                    stage_date=visited,
                    next_follow_up_date=today + datetime.timedelta(days=follow_up),
                    note="已走访，企业愿意参加下一次企业沟通会。",
                ),
                now=_at(visited),
            )
